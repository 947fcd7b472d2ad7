"""An independent oracle for layered specs (`network:`): no backprop_cli code is used here.

The YAML is read as tests/oracle.py reads it (PyYAML's safe loader, floats kept as their
text, so 0.1 is the decimal 0.1 and not the nearest double) and everything is computed with
mpmath at 60 digits, twice over:

* the loss as a plain function of the parameters, differentiated by central differences,

      dL/dp ~ (L(p + h) - L(p - h)) / 2h,   h = 1e-20,

  whose truncation (~h^2 L''') and rounding (~10^-60 / h) errors are both about 1e-40;

* the analytic backward pass, the delta recursion the worked solutions write out:

      delta^(L) = J_f(z^(L))^T dl/dyhat      (elementwise f: dl/dyhat * f'(z^(L)))
      delta^(l) = (W^(l+1)^T delta^(l+1)) * f'(z^(l))
      dL/dW^(l) = c * sum over samples of delta^(l) a^(l-1)^T,   dL/db^(l) = c * sum delta^(l)

  with c = 1/m for reduction: mean and 1 for sum.

Away from a kink (relu or leaky_relu at z = 0, abs_error at yhat = y) the two must agree to
~1e-35, which the tests check; at a kink only the analytic pass is meaningful (it uses
relu'(0) = 0 and leaky_relu'(0) = alpha, as the spec says), and `near_kink` reports it.

The `convention:` key only changes how a solution is displayed (column: z = W a + b, row:
z = a W^T + b with samples as rows); W^(l) is (units of l) x (units of l-1) either way, so
the oracle reads it and otherwise ignores it.

A spec the oracle cannot evaluate (null values, symbolic sizes) raises OracleError; a spec
that is wrong (shapes, names) raises BadSpec, an OracleError, naming the field like the
CLI's messages do ("params.W1", "data[1].x"), so tests/layered_bad.py can check its own
cases against this reading of the format.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import mpmath

from oracle import _Decimal, load_yaml  # YAML with decimals kept exact

MP = mpmath.MPContext()
MP.dps = 60
H = MP.mpf("1e-20")
DEFAULT_ALPHA = "0.01"

ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax")
LOSSES = ("squared_error", "half_squared_error", "mse", "abs_error", "bce", "cross_entropy")
CONVENTIONS = ("column", "row")


class OracleError(Exception):
    """The oracle cannot evaluate this spec (symbolic values, or a spec it rejects)."""


class Symbolic(OracleError):
    """A null value or a symbolic size: the oracle only evaluates numbers."""


class BadSpec(OracleError):
    """The spec is wrong; `field` is its path, written as the CLI writes it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"in {field}: {message}")
        self.field = field
        self.message = message


def is_layered(text: str) -> bool:
    doc = load_yaml(text)
    return isinstance(doc, dict) and "network" in doc


def number(value, where: str) -> mpmath.mpf:
    """A YAML scalar as a 60-digit number, read from its text; null is Symbolic."""
    if value is None:
        raise Symbolic(f"{where} is null (symbolic)")
    if isinstance(value, bool):
        raise BadSpec(where, f"must be a number, not {value!r}")
    if isinstance(value, int):
        return MP.mpf(value)
    if isinstance(value, str):  # _Decimal, or text such as 1e3 that YAML 1.1 leaves as str
        try:
            return MP.mpf(value.replace("_", ""))
        except ValueError:
            raise BadSpec(where, f"must be a number, not {value!r}") from None
    raise BadSpec(where, f"must be a number, not {type(value).__name__}")


def shape_text(rows, cols=None) -> str:
    return f"{rows}×{cols}" if cols is not None else f"{rows}"


# --- activations and losses -------------------------------------------------------------


def sigmoid(z):
    return 1 / (1 + MP.exp(-z))


@dataclass(frozen=True)
class Layer:
    units: int
    activation: str
    alpha: mpmath.mpf  # leaky_relu's slope (read for every layer, used by leaky_relu)
    bias: bool


def activate(layer: Layer, z: list) -> list:
    f = layer.activation
    if f == "identity":
        return list(z)
    if f == "sigmoid":
        return [sigmoid(v) for v in z]
    if f == "tanh":
        return [MP.tanh(v) for v in z]
    if f == "relu":
        return [v if v > 0 else MP.zero for v in z]
    if f == "leaky_relu":
        return [v if v > 0 else layer.alpha * v for v in z]
    if f == "softplus":
        return [MP.log(1 + MP.exp(v)) for v in z]
    if f == "softmax":
        top = max(z)
        e = [MP.exp(v - top) for v in z]
        s = MP.fsum(e)
        return [v / s for v in e]
    raise OracleError(f"unknown activation {f!r}")


def activation_backward(layer: Layer, z: list, a: list, g: list) -> list:
    """J_f(z)^T g: the gradient with respect to z, given g = the gradient with respect to a."""
    f = layer.activation
    if f == "identity":
        return list(g)
    if f == "sigmoid":
        return [gi * ai * (1 - ai) for gi, ai in zip(g, a)]
    if f == "tanh":
        return [gi * (1 - ai * ai) for gi, ai in zip(g, a)]
    if f == "relu":
        return [gi if zi > 0 else MP.zero for gi, zi in zip(g, z)]  # relu'(0) = 0
    if f == "leaky_relu":
        return [gi if zi > 0 else layer.alpha * gi for gi, zi in zip(g, z)]  # alpha at 0
    if f == "softplus":
        return [gi * sigmoid(zi) for gi, zi in zip(g, z)]
    if f == "softmax":  # J = diag(s) - s s^T, symmetric
        dot = MP.fsum(gi * si for gi, si in zip(g, a))
        return [si * (gi - dot) for gi, si in zip(g, a)]
    raise OracleError(f"unknown activation {f!r}")


def _log(v):
    if v <= 0:
        raise OracleError(f"log of {MP.nstr(v, 5)}")
    return MP.log(v)


def sample_loss(kind: str, yhat: list, y: list):
    K = len(yhat)
    r = [p - t for p, t in zip(yhat, y)]
    if kind == "squared_error":
        return MP.fsum(v * v for v in r)
    if kind == "half_squared_error":
        return MP.fsum(v * v for v in r) / 2
    if kind == "mse":
        return MP.fsum(v * v for v in r) / K
    if kind == "abs_error":
        return MP.fsum(abs(v) for v in r)
    if kind == "bce":
        return -MP.fsum(t * _log(p) + (1 - t) * _log(1 - p) for p, t in zip(yhat, y))
    if kind == "cross_entropy":  # a zero target contributes nothing, whatever yhat is
        return -MP.fsum(t * _log(p) for p, t in zip(yhat, y) if t != 0)
    if kind == "upstream":  # y is the given upstream gradient g
        return MP.fsum(t * p for p, t in zip(yhat, y))
    raise OracleError(f"unknown loss {kind!r}")


def loss_backward(kind: str, yhat: list, y: list) -> list:
    """dl/dyhat for one sample."""
    K = len(yhat)
    if kind == "squared_error":
        return [2 * (p - t) for p, t in zip(yhat, y)]
    if kind == "half_squared_error":
        return [p - t for p, t in zip(yhat, y)]
    if kind == "mse":
        return [2 * (p - t) / K for p, t in zip(yhat, y)]
    if kind == "abs_error":  # sign; at a zero residual a convention (see near_kink)
        return [MP.sign(p - t) for p, t in zip(yhat, y)]
    if kind == "bce":
        return [-t / p + (1 - t) / (1 - p) for p, t in zip(yhat, y)]
    if kind == "cross_entropy":
        return [-t / p if t != 0 else MP.zero for p, t in zip(yhat, y)]
    if kind == "upstream":
        return list(y)
    raise OracleError(f"unknown loss {kind!r}")


# --- the problem ---------------------------------------------------------------------------


def param_names(layers: list) -> list:
    """W1, b1, W2, ... in layer order (b only for layers with a bias)."""
    names = []
    for l, layer in enumerate(layers, start=1):
        names.append(f"W{l}")
        if layer.bias:
            names.append(f"b{l}")
    return names


@dataclass
class Kinks:
    """The smallest |argument| of a kink met (relu/leaky_relu z, abs_error residual)."""

    smallest: mpmath.mpf | None = None

    def see(self, values):
        for v in values:
            v = abs(v)
            if self.smallest is None or v < self.smallest:
                self.smallest = v


@dataclass
class LayeredProblem:
    n_inputs: int
    layers: list  # Layer, in order
    params: dict  # W<l>: list of rows (lists of mpf), b<l>: list of mpf
    samples: list  # (x: list of mpf, y: list of mpf, one-hot for a class index)
    loss_type: str
    reduction: str
    lr: mpmath.mpf | None
    steps: int
    convention: str = "column"
    kinks: Kinks = field(default_factory=Kinks)

    @property
    def names(self) -> list:
        return param_names(self.layers)

    # forward ----------------------------------------------------------------
    def forward(self, params: dict, x: list, kinks: Kinks | None = None) -> list:
        """[(z^(l), a^(l))] for l = 1..L."""
        out = []
        a = x
        for l, layer in enumerate(self.layers, start=1):
            W = params[f"W{l}"]
            b = params.get(f"b{l}") if layer.bias else None
            z = [MP.fsum(w * v for w, v in zip(row, a)) + (b[i] if b is not None else 0)
                 for i, row in enumerate(W)]
            if kinks is not None and layer.activation in ("relu", "leaky_relu"):
                kinks.see(z)
            a = activate(layer, z)
            out.append((z, a))
        return out

    def sample_values(self, params: dict, index: int) -> dict:
        """z1, a1, ..., zL, aL and yhat (= aL), and the sample's loss."""
        x, y = self.samples[index]
        values = {}
        passes = self.forward(params, x)
        for l, (z, a) in enumerate(passes, start=1):
            values[f"z{l}"] = z
            values[f"a{l}"] = a
        values["yhat"] = passes[-1][1]
        values["loss"] = sample_loss(self.loss_type, passes[-1][1], y)
        return values

    def _scale(self):
        return MP.one / len(self.samples) if self.reduction == "mean" else MP.one

    def loss(self, params: dict, kinks: Kinks | None = None):
        total = []
        for x, y in self.samples:
            yhat = self.forward(params, x, kinks)[-1][1]
            if kinks is not None and self.loss_type == "abs_error":
                kinks.see([p - t for p, t in zip(yhat, y)])
            total.append(sample_loss(self.loss_type, yhat, y))
        return MP.fsum(total) * self._scale()

    # gradients --------------------------------------------------------------
    def gradient_cd(self, params: dict) -> dict:
        """Central differences, entry by entry; shapes as the parameters'."""
        result = {}
        for name in self.names:
            value = params[name]
            if name.startswith("W"):
                grad = []
                for i, row in enumerate(value):
                    grad_row = []
                    for j in range(len(row)):
                        grad_row.append(self._difference(params, name, (i, j)))
                    grad.append(grad_row)
            else:
                grad = [self._difference(params, name, (i,)) for i in range(len(value))]
            result[name] = grad
        return result

    def _difference(self, params, name, index):
        def moved(step):
            copy = dict(params)
            if len(index) == 2:
                i, j = index
                rows = [list(r) for r in params[name]]
                rows[i][j] += step
                copy[name] = rows
            else:
                vec = list(params[name])
                vec[index[0]] += step
                copy[name] = vec
            return copy
        return (self.loss(moved(H)) - self.loss(moved(-H))) / (2 * H)

    def gradient_delta(self, params: dict, kinks: Kinks | None = None) -> dict:
        """The analytic backward pass (the delta recursion), summed over samples."""
        grads = {}
        for l, layer in enumerate(self.layers, start=1):
            grads[f"W{l}"] = [[MP.zero] * len(row) for row in params[f"W{l}"]]
            if layer.bias:
                grads[f"b{l}"] = [MP.zero] * layer.units
        c = self._scale()
        for x, y in self.samples:
            passes = self.forward(params, x, kinks)
            yhat = passes[-1][1]
            if kinks is not None and self.loss_type == "abs_error":
                kinks.see([p - t for p, t in zip(yhat, y)])
            g = loss_backward(self.loss_type, yhat, y)  # dl/da^(L)
            for l in range(len(self.layers), 0, -1):
                layer = self.layers[l - 1]
                z, a = passes[l - 1]
                delta = activation_backward(layer, z, a, g)
                previous = passes[l - 2][1] if l > 1 else x
                gW = grads[f"W{l}"]
                for i, d in enumerate(delta):
                    for j, p in enumerate(previous):
                        gW[i][j] += c * d * p
                if layer.bias:
                    gb = grads[f"b{l}"]
                    for i, d in enumerate(delta):
                        gb[i] += c * d
                W = params[f"W{l}"]
                g = [MP.fsum(W[i][j] * delta[i] for i in range(len(delta)))
                     for j in range(len(previous))]  # W^T delta
        return grads

    def gradient(self, params: dict) -> dict:
        """The gradient the oracle stands by: the delta recursion (exact, and defined at a
        kink by the spec's conventions). `self_check` compares it with central differences."""
        return self.gradient_delta(params, self.kinks)

    # SGD --------------------------------------------------------------------
    def step(self, params: dict, grads: dict) -> dict:
        new = {}
        for name in self.names:
            if name.startswith("W"):
                new[name] = [[p - self.lr * g for p, g in zip(prow, grow)]
                             for prow, grow in zip(params[name], grads[name])]
            else:
                new[name] = [p - self.lr * g for p, g in zip(params[name], grads[name])]
        return new

    def trajectory(self) -> list:
        """[(params, loss, gradient)] at the given params and after each of `steps` updates
        (the gradient after the last update is computed too; the CLI need not show it)."""
        params = self.params
        out = []
        for k in range(self.steps + 1):
            grads = self.gradient(params)
            out.append((params, self.loss(params, self.kinks), grads))
            if k < self.steps:
                params = self.step(params, grads)
        return out

    def near_kink(self, tolerance="1e-15") -> bool:
        """Was a relu/leaky_relu pre-activation or an abs_error residual about 0 anywhere the
        gradient was taken (including along the SGD trajectory, if `trajectory` ran)?"""
        return self.kinks.smallest is not None and self.kinks.smallest <= MP.mpf(tolerance)


# --- reading the spec --------------------------------------------------------------------


NETWORK_KEYS = ("inputs", "convention", "bias", "layers", "notation")  # notation: letters only
LAYER_KEYS = ("units", "activation", "alpha", "bias")


def _known_keys(mapping: dict, allowed, where: str):
    """A key the oracle does not know could change the maths: refuse it (OracleError, not
    BadSpec: the spec may be fine, the oracle just has to be taught the key)."""
    for key in mapping:
        if key not in allowed:
            raise OracleError(f"{where}.{key}: a key this oracle does not know")


def _mapping(value, where):
    if not isinstance(value, dict):
        raise BadSpec(where, f"must be a mapping, not {type(value).__name__}")
    return value


def _count(value, where) -> int:
    """A size: a positive whole number (a name, for a symbolic size, is Symbolic)."""
    if isinstance(value, str) and not isinstance(value, _Decimal) and value.isidentifier():
        raise Symbolic(f"{where} is the symbol {value!r}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadSpec(where, f"must be a whole number, not {value!r}")
    if value < 1:
        raise BadSpec(where, f"must be at least 1, not {value}")
    return value


def _vector(value, length, where, what) -> list:
    if value is None:
        raise Symbolic(f"{where} is null (symbolic)")
    if not isinstance(value, list):
        raise BadSpec(where, f"{what} must be a list of {length} numbers, not {value!r}")
    if len(value) != length:
        raise BadSpec(where, f"{what} has {len(value)} entries, expected {length}")
    return [number(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _matrix(value, rows, cols, where) -> list:
    if value is None:
        raise Symbolic(f"{where} is null (symbolic)")
    if not isinstance(value, list) or not all(isinstance(r, list) for r in value):
        raise BadSpec(where, f"must be a list of rows, a {shape_text(rows, cols)} matrix")
    widths = {len(r) for r in value}
    if len(widths) > 1:
        raise BadSpec(where, f"rows of different lengths {sorted(widths)}; "
                             f"expected {shape_text(rows, cols)}")
    given = shape_text(len(value), widths.pop() if widths else 0)
    if len(value) != rows or any(len(r) != cols for r in value):
        raise BadSpec(where, f"is {given}, expected {shape_text(rows, cols)}")
    return [[number(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)]
            for i, r in enumerate(value)]


def _target(value, K, loss_type, where) -> list:
    if loss_type == "cross_entropy" and isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < K:
            raise BadSpec(where, f"class index {value} is out of range 0..{K - 1}")
        return [MP.one if k == value else MP.zero for k in range(K)]
    if K == 1 and not isinstance(value, list):
        return [number(value, where)]
    return _vector(value, K, where, "y")


def load(text: str) -> LayeredProblem:
    """The spec as a LayeredProblem; raises Symbolic for null values and BadSpec when wrong."""
    doc = load_yaml(text)
    if not isinstance(doc, dict) or "network" not in doc:
        raise OracleError("not the layered form")
    net = _mapping(doc["network"], "network")
    _known_keys(net, NETWORK_KEYS, "network")

    raw_inputs = net.get("inputs")
    if isinstance(raw_inputs, list):
        input_names = [str(n) for n in raw_inputs]
        n_inputs = len(input_names)
        if n_inputs < 1:
            raise BadSpec("network.inputs", "needs at least one input")
    else:
        input_names = None
        n_inputs = _count(raw_inputs, "network.inputs")

    convention = net.get("convention", "column")
    if convention not in CONVENTIONS:
        raise BadSpec("network.convention", f"unknown convention {convention!r}; "
                                            f"use column or row")
    default_bias = net.get("bias", True)
    if not isinstance(default_bias, bool):
        raise BadSpec("network.bias", "must be true or false")

    raw_layers = net.get("layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise BadSpec("network.layers", "needs a list of at least one layer")
    layers = []
    for l, raw in enumerate(raw_layers):
        where = f"network.layers[{l}]"
        raw = _mapping(raw, where)
        _known_keys(raw, LAYER_KEYS, where)
        units = _count(raw.get("units"), f"{where}.units")
        activation = raw.get("activation", "identity")
        if activation not in ACTIVATIONS:
            close = difflib.get_close_matches(str(activation), ACTIVATIONS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise BadSpec(f"{where}.activation", f"unknown activation {activation!r}{hint}")
        if activation == "softmax" and l != len(raw_layers) - 1:
            raise BadSpec(f"{where}.activation", "softmax is allowed on the last layer only")
        alpha = number(raw.get("alpha", DEFAULT_ALPHA), f"{where}.alpha")
        bias = raw.get("bias", default_bias)
        if not isinstance(bias, bool):
            raise BadSpec(f"{where}.bias", "must be true or false")
        layers.append(Layer(units=units, activation=activation, alpha=alpha, bias=bias))

    raw_params = doc.get("params")
    raw_params = {} if raw_params is None else _mapping(raw_params, "params")
    names = param_names(layers)
    params = {}
    symbolic = []
    for l, layer in enumerate(layers, start=1):
        cols = n_inputs if l == 1 else layers[l - 2].units
        for name in ([f"W{l}"] + ([f"b{l}"] if layer.bias else [])):
            if name not in raw_params:
                raise BadSpec(f"params.{name}", f"{name} is missing")
            try:
                if name.startswith("W"):
                    params[name] = _matrix(raw_params[name], layer.units, cols, f"params.{name}")
                else:
                    params[name] = _vector(raw_params[name], layer.units, f"params.{name}", name)
            except Symbolic as exc:  # go on checking shapes; report the nulls at the end
                symbolic.append(str(exc))
    for name in raw_params:
        if name not in names:
            raise BadSpec(f"params.{name}", f"{name} is not a parameter of this network")

    loss_type = doc.get("loss")
    if isinstance(loss_type, dict):
        loss_type = loss_type.get("type")
    upstream = None
    if doc.get("upstream") is not None:  # a layer exercise: L = Σ g·ŷ, g given per sample
        loss_type = "upstream"
        upstream = list(_mapping(doc["upstream"], "upstream").values())[0]
        upstream = upstream if isinstance(upstream[0], list) else [upstream]
        doc.setdefault("reduction", "sum")
    if loss_type not in LOSSES + ("upstream",):
        raise BadSpec("loss", f"unknown loss {loss_type!r}")

    K = layers[-1].units
    raw_data = doc.get("data")
    if raw_data is None:
        raise Symbolic("no data: the inputs and targets are symbols")
    if not isinstance(raw_data, list) or not raw_data:
        raise BadSpec("data", "needs a list of at least one sample")
    samples = []
    for i, raw in enumerate(raw_data):
        where = f"data[{i}]"
        raw = _mapping(raw, where)
        try:
            if "x" in raw:
                x = _vector(raw["x"], n_inputs, f"{where}.x", "x")
            elif input_names is not None and all(n in raw for n in input_names):
                x = [number(raw[n], f"{where}.{n}") for n in input_names]
            else:
                raise BadSpec(where, "has no x")
            if upstream is not None:
                y = _vector(upstream[i], K, f"upstream[{i}]", "g")
            elif "y" not in raw:
                raise BadSpec(where, "has no y")
            else:
                y = _target(raw["y"], K, loss_type, f"{where}.y")
        except Symbolic as exc:
            symbolic.append(str(exc))
            continue
        samples.append((x, y))

    reduction = doc.get("reduction", "mean")
    if reduction not in ("mean", "sum"):
        raise BadSpec("reduction", f"must be mean or sum, not {reduction!r}")
    optimizer = doc.get("optimizer")
    lr, steps = None, 0
    if optimizer is not None:
        optimizer = _mapping(optimizer, "optimizer")
        if optimizer.get("type", "sgd") != "sgd":
            raise BadSpec("optimizer.type", "only sgd")
        steps = optimizer.get("steps", 1)
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise BadSpec("optimizer.steps", "must be a whole number >= 1")
        try:
            lr = number(optimizer.get("lr"), "optimizer.lr")
        except Symbolic as exc:
            symbolic.append(str(exc))
    if symbolic:
        raise Symbolic("; ".join(symbolic))
    return LayeredProblem(n_inputs=n_inputs, layers=layers, params=params, samples=samples,
                          loss_type=loss_type, reduction=reduction, lr=lr, steps=steps,
                          convention=convention)


# --- comparing with the CLI's JSON -------------------------------------------------------

REL = MP.mpf("1e-12")  # JSON numbers are doubles
ABS = MP.mpf("1e-25")  # for values that are 0 (a dead unit): central differences leave ~1e-40


def close(json_value, oracle_value, rel=REL, absolute=ABS) -> bool:
    """|json - oracle| <= rel |oracle| + absolute, json a JSON number (not a formula string)."""
    if isinstance(json_value, bool) or not isinstance(json_value, (int, float)):
        return False
    return abs(MP.mpf(json_value) - oracle_value) <= rel * abs(oracle_value) + absolute


def as_floats(value):
    """An oracle value (mpf, or nested lists or dicts of them) as Python floats, for messages."""
    if isinstance(value, dict):
        return {k: as_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_floats(v) for v in value]
    return float(value)
