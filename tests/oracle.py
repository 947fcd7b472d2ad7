"""An independent oracle for graph-form specs: no backprop_cli code is used here.

The YAML is read with PyYAML's safe loader (floats kept as their text, so 0.1 is the
decimal 0.1, not the nearest double), formulas are read with Python's `ast` into an
mpmath evaluator written here, and gradients are central differences at 60 digits:

    dL/dp ~ (L(p + h) - L(p - h)) / 2h,   h = 1e-20,

whose truncation error (~h^2 L''') and rounding error (~10^-60 / h) are both around
1e-40, far below the 1e-25 the tests ask of the engine.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

import mpmath
import yaml

MP = mpmath.MPContext()
MP.dps = 60
H = MP.mpf("1e-20")
LEAKY_ALPHA = MP.mpf("0.01")


class OracleError(Exception):
    """The oracle cannot handle this spec (symbolic values, unknown construct)."""


# --- YAML, with decimals kept exact ---------------------------------------------------


class _Decimal(str):
    """A YAML float, kept as the text that was written."""


class _ExactLoader(yaml.SafeLoader):
    pass


_ExactLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: _Decimal(loader.construct_scalar(node)),
)


def load_yaml(text: str):
    return yaml.load(text, Loader=_ExactLoader)  # a SafeLoader subclass: no objects


def number(value) -> mpmath.mpf:
    """A YAML scalar as a 60-digit number, read from its text."""
    if isinstance(value, bool) or value is None:
        raise OracleError(f"not a number: {value!r}")
    if isinstance(value, int):
        return MP.mpf(value)
    if isinstance(value, str):  # _Decimal, or text such as 1e3 that YAML 1.1 leaves as str
        return MP.mpf(value.replace("_", ""))
    raise OracleError(f"not a number: {value!r}")


# --- formulas ----------------------------------------------------------------------------


def _sigmoid(z):
    return 1 / (1 + MP.exp(-z))


def _softplus(z):
    return MP.log(1 + MP.exp(z))


class Kinks:
    """Records |argument| of every kinked function evaluated (relu, leaky_relu, abs)."""

    def __init__(self):
        self.smallest = None

    def see(self, value):
        value = abs(value)
        if self.smallest is None or value < self.smallest:
            self.smallest = value


def _relu(kinks):
    def relu(z):
        kinks.see(z)
        return z if z > 0 else MP.mpf(0)
    return relu


def _leaky_relu(kinks):
    def leaky_relu(z, alpha=LEAKY_ALPHA):
        kinks.see(z)
        return z if z > 0 else alpha * z
    return leaky_relu


def _abs(kinks):
    def absolute(z):
        kinks.see(z)
        return abs(z)
    return absolute


def _selection(kinks, pick):
    """max or min; its kink is where the two nearest arguments meet (the gap recorded)."""
    def select(*args):
        ordered = sorted(args)
        kinks.see(min(b - a for a, b in zip(ordered, ordered[1:])))
        return pick(args)
    return select


def _real(name, f):
    def g(z):
        value = f(z)
        if isinstance(value, mpmath.mpc) or value != value:
            raise OracleError(f"{name} is not real here")
        return value
    return g


def functions(kinks: Kinks) -> dict:
    return {
        "sigmoid": _sigmoid,
        "tanh": MP.tanh,
        "relu": _relu(kinks),
        "leaky_relu": _leaky_relu(kinks),
        "softplus": _softplus,
        "exp": MP.exp,
        "log": _real("log", MP.log),
        "sqrt": _real("sqrt", MP.sqrt),
        "abs": _abs(kinks),
        "max": _selection(kinks, max),
        "min": _selection(kinks, min),
    }


class Formula:
    """A formula compiled to a tree walk over an environment of mpf values."""

    def __init__(self, text):
        if isinstance(text, (int, _Decimal)) and not isinstance(text, bool):
            text = str(text)
        self.text = text
        self.tree = ast.parse(text.strip(), mode="eval").body
        self.source = text.strip()

    def __call__(self, env: dict, kinks: Kinks):
        return self._eval(self.tree, env, functions(kinks))

    def _eval(self, node, env, funcs):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise OracleError(f"constant {node.value!r}")
            return MP.mpf(ast.get_source_segment(self.source, node).replace("_", ""))
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.UnaryOp):
            value = self._eval(node.operand, env, funcs)
            if isinstance(node.op, ast.USub):
                return -value
            if isinstance(node.op, ast.UAdd):
                return value
        if isinstance(node, ast.BinOp):
            a = self._eval(node.left, env, funcs)
            b = self._eval(node.right, env, funcs)
            op = type(node.op)
            if op is ast.Add:
                return a + b
            if op is ast.Sub:
                return a - b
            if op is ast.Mult:
                return a * b
            if op is ast.Div:
                return a / b
            if op is ast.Pow:
                value = MP.power(a, b)
                if isinstance(value, mpmath.mpc):
                    raise OracleError("a power is not real here")
                return value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            args = [self._eval(arg, env, funcs) for arg in node.args]
            return funcs[node.func.id](*args)
        raise OracleError(f"unsupported formula part {ast.dump(node)}")


# --- the problem ---------------------------------------------------------------------------


@dataclass
class OracleProblem:
    params: list  # parameter names, in order
    values: dict  # name -> mpf
    nodes: list  # (name, Formula), in order
    loss_formula: Formula | None
    loss_type: str | None
    output: str
    target: str | None
    samples: list  # dicts name -> mpf
    reduction: str
    lr: mpmath.mpf | None
    steps: int
    kinks: Kinks = field(default_factory=Kinks)

    def sample_values(self, params: dict, sample: dict, kinks: Kinks | None = None) -> dict:
        """Every node's value (and 'loss') for one sample."""
        kinks = kinks or self.kinks
        env = dict(sample)
        env.update(params)
        for name, formula in self.nodes:
            env[name] = formula(env, kinks)
        env["loss"] = self._sample_loss(env, kinks)
        return env

    def _sample_loss(self, env: dict, kinks: Kinks):
        if self.loss_formula is not None:
            return self.loss_formula(env, kinks)
        yhat, y = env[self.output], env[self.target]
        if self.loss_type == "squared_error":
            return (yhat - y) ** 2
        if self.loss_type == "half_squared_error":
            return (yhat - y) ** 2 / 2
        if self.loss_type == "abs_error":
            kinks.see(yhat - y)
            return abs(yhat - y)
        if self.loss_type == "bce":
            return -y * MP.log(yhat) - (1 - y) * MP.log(1 - yhat)
        raise OracleError(f"unknown loss {self.loss_type!r}")

    def loss(self, params: dict, kinks: Kinks | None = None):
        total = MP.fsum(self.sample_values(params, s, kinks)["loss"] for s in self.samples)
        return total / len(self.samples) if self.reduction == "mean" else total

    def gradient(self, params: dict) -> dict:
        """Central differences; kinks seen while differencing are not recorded."""
        self.loss(params)  # records the kinks at the point itself
        scratch = Kinks()
        result = {}
        for p in self.params:
            up = dict(params, **{p: params[p] + H})
            down = dict(params, **{p: params[p] - H})
            result[p] = (self.loss(up, scratch) - self.loss(down, scratch)) / (2 * H)
        return result

    def sgd(self, params: dict):
        """One step of gradient descent: (new params, the gradient used)."""
        gradient = self.gradient(params)
        return {p: params[p] - self.lr * gradient[p] for p in self.params}, gradient

    def trajectory(self):
        """[(params, loss, gradient)] for the given params and after each of `steps` updates."""
        params = dict(self.values)
        out = []
        for k in range(self.steps + 1):
            gradient = self.gradient(params)
            out.append((params, self.loss(params), gradient))
            if k < self.steps:
                params = {p: params[p] - self.lr * gradient[p] for p in self.params}
        return out

    def unknowns(self) -> list:
        """Names whose value is null (left symbolic by the engine), 'eta' for a null lr."""
        names = [p for p in self.params if self.values[p] is None]
        for sample in self.samples:
            names += [n for n, v in sample.items() if v is None and n not in names]
        if self.steps and self.lr is None:
            names.append("eta")
        return names

    def bind(self, assignment: dict) -> "OracleProblem":
        """A copy with every null value replaced by assignment[name] (mpf)."""
        def fill(name, value):
            return assignment[name] if value is None else value
        return OracleProblem(
            params=self.params, values={p: fill(p, v) for p, v in self.values.items()},
            nodes=self.nodes, loss_formula=self.loss_formula, loss_type=self.loss_type,
            output=self.output, target=self.target,
            samples=[{n: fill(n, v) for n, v in s.items()} for s in self.samples],
            reduction=self.reduction,
            lr=fill("eta", self.lr) if self.steps else None, steps=self.steps)

    def near_kink(self, tolerance="1e-12") -> bool:
        """Was any relu/leaky_relu/abs argument (or abs_error residual) about 0?"""
        return self.kinks.smallest is not None and self.kinks.smallest <= MP.mpf(tolerance)


def _maybe_number(value):
    return None if value is None else number(value)


def load(text: str) -> OracleProblem:
    """The spec as an OracleProblem; a null value stays None (see `unknowns` and `bind`)."""
    doc = load_yaml(text)
    if not isinstance(doc, dict):
        raise OracleError("not a mapping")
    if "network" in doc or "function" in doc:
        raise OracleError("not the graph form")
    inputs = list(doc["inputs"])
    targets = list(doc.get("targets", ["y"]))
    params = {name: _maybe_number(v) for name, v in (doc.get("params") or {}).items()}
    nodes = [(name, Formula(text)) for name, text in doc["nodes"].items()]
    output = nodes[-1][0]
    target = targets[0] if len(targets) == 1 else None

    loss = doc.get("loss")
    if loss is None:
        raise OracleError("no loss")
    loss_formula = loss_type = None
    if isinstance(loss, dict):
        loss_type = loss["type"]
        output = loss.get("output", output)
        target = loss.get("target", target)
    elif loss in ("squared_error", "half_squared_error", "abs_error", "bce"):
        loss_type = loss
    else:
        loss_formula = Formula(loss)

    if doc.get("data") is None:  # one sample, every input and target a symbol
        samples = [{name: None for name in inputs + targets}]
    else:
        samples = [{name: _maybe_number(v) for name, v in sample.items()}
                   for sample in doc["data"]]

    optimizer = doc.get("optimizer")
    return OracleProblem(
        params=list(params), values=params, nodes=nodes, loss_formula=loss_formula,
        loss_type=loss_type, output=output, target=target, samples=samples,
        reduction=doc.get("reduction", "mean"),
        lr=_maybe_number(optimizer.get("lr")) if optimizer else None,
        steps=int(optimizer.get("steps", 1)) if optimizer else 0,
    )


# --- comparing with the engine ----------------------------------------------------------


def to_mpf(value) -> mpmath.mpf:
    """A SymPy number (Rational or Float) as a 60-digit mpf."""
    if value.is_Rational:
        return MP.mpf(int(value.p)) / int(value.q)
    if value.is_Float:
        return MP.make_mpf(value._mpf_)
    raise TypeError(f"not a SymPy Rational or Float: {value!r} ({type(value).__name__})")


def close(engine_value, oracle_value, rel="1e-25", absolute="1e-30") -> bool:
    """|engine - oracle| <= rel * |oracle| + absolute (the absolute part for values near 0)."""
    a = to_mpf(engine_value)
    return abs(a - oracle_value) <= MP.mpf(rel) * abs(oracle_value) + MP.mpf(absolute)
