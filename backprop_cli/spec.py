"""YAML text in, a validated, frozen Problem out.

Every message about the user's input is written here, naming the field (`params.w1`,
`data[2].x1`) and its line. Nothing here imports SymPy: formulas stay text until the
graph is built, and carry their position so a formula error can point at it too.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from .errors import SpecError, clip
from .suggest import did_you_mean
from .yamlload import Document, Flag, field_name, is_number, load_yaml

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_NAME = 32
MAX_NAMES = 2000
MAX_SAMPLES = 1000
MAX_STEPS = 50
MAX_TEXT = 2000
MAX_NODES = 200
#: samples x (nodes + loss) x passes: each is a worked line (and a few ms of SymPy) forward
#: and backward; beyond this an answer key is unreadable and takes minutes.
MAX_WORK = 10_000

NAMED_LOSSES = ("squared_error", "half_squared_error", "abs_error", "bce")
#: Names people give the named losses.
LOSS_ALIASES = {"mse": "squared_error", "l2": "squared_error", "squared": "squared_error",
                "mae": "abs_error", "l1": "abs_error", "absolute_error": "abs_error",
                "cross_entropy": "bce", "binary_cross_entropy": "bce", "log_loss": "bce",
                "logloss": "bce", "bce_loss": "bce", "half_mse": "half_squared_error"}
RESERVED = {"sigmoid", "tanh", "relu", "leaky_relu", "softplus", "exp", "log", "sqrt", "abs"}

# Commands allowed in `symbols:` overrides: accents, fonts and Greek letters, nothing that
# reads files, defines macros or changes catcodes.
_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
          "nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma "
          "Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell").split()
_SAFE_COMMANDS = set(_GREEK) | {"hat", "bar", "tilde", "vec", "dot", "ddot", "mathbf", "mathrm",
                                "mathit", "mathcal", "boldsymbol", "prime", "widehat", "widetilde",
                                "overline", "text", "partial", "nabla", "operatorname"}
_SAFE_LATEX = re.compile(r"^(?:\\[A-Za-z]+|[A-Za-z0-9 _^{}(),.'+\-*/|=<>\[\]])*$")


@dataclass(frozen=True)
class FormulaText:
    """A formula as written, with where it was written."""

    text: str
    field: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class LossSpec:
    field: str
    line: int | None
    formula: FormulaText | None = None  # loss: (yhat - y)**2
    type: str | None = None  # loss: {type: bce, output: yhat, target: y}
    output: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class Optimizer:
    type: str
    lr: Fraction | None  # None: the symbol eta
    steps: int


@dataclass(frozen=True)
class GraphProblem:
    """The graph form: named nodes, each a formula over earlier names."""

    source: str
    title: str | None
    notes: str | None
    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    params: tuple[tuple[str, Fraction | None], ...]
    nodes: tuple[tuple[str, FormulaText], ...]
    loss: LossSpec | None
    data: tuple[tuple[tuple[str, Fraction | None], ...], ...]
    reduction: str
    optimizer: Optimizer | None
    symbols: tuple[tuple[str, str], ...]


#: Other names people give a key, so that the hint is the key meant, not the nearest spelling.
_KEY_ALIASES = {"learning_rate": "lr", "rate": "lr", "eta": "lr", "step_size": "lr",
                "alpha": "lr", "epochs": "steps", "iterations": "steps", "n_steps": "steps",
                "target": "y", "label": "y", "input": "x", "with_respect_to": "wrt",
                "point": "at"}

#: Examples to copy in a message about a field that is not a mapping, or not a list.
_MAPPING_LIKE = {"params": "params: {w1: 0.5, w2: null}",
                 "nodes": "nodes: {yhat: sigmoid(w1*x1 + b)}",
                 "optimizer": "optimizer: {type: sgd, lr: 0.1, steps: 1}",
                 "symbols": "symbols: {yhat: '\\hat{y}'}",
                 "network": "network: {inputs: 2, layers: [{units: 1, activation: sigmoid}]}",
                 "network.notation": "notation: {pre: z, post: a}",
                 "define": "define: {x: t, y: t**2}",
                 "at": "at: {x: 1, y: 2}",
                 "update": "update: {lr: 0.1}",
                 "data[]": "- {x1: 1, y: 0}, one name: value for each input and target"}
_SEQUENCE_LIKE = {"inputs": "inputs: [x1, x2]",
                  "targets": "targets: [y]",
                  "data": "data: [{x1: 1, y: 0}], one {...} per sample",
                  "network.layers": "layers: [{units: 2, activation: sigmoid}, ...]"}
_EXAMPLES = {"inputs": "inputs: [x1, x2] (the names each sample gives)",
             "nodes": "nodes: {yhat: sigmoid(w1*x1 + w2*x2)} (the quantities to compute)"}
_DEFAULT_TARGET = ("'y' is the name of the target when 'targets:' is not given; rename this "
                   "one, or list the targets yourself (like targets: [t], or targets: [] "
                   "for none)")

GRAPH_KEYS = ("title", "notes", "inputs", "targets", "params", "nodes", "loss", "data",
              "reduction", "optimizer", "symbols")


def load_problem(text: str | bytes, source: str = "<spec>") -> GraphProblem:
    """Read a spec; raise SpecError (naming `source`, the field and line) if it is wrong."""
    try:
        doc = load_yaml(text)
        return Reader(doc, source).problem()
    except SpecError as exc:
        raise exc.located(source) from None


class Reader:
    """Field-aware checks shared by every spec form: each failure names the field and line."""

    def __init__(self, doc: Document, source: str):
        self.doc = doc
        self.source = source

    # helpers ----------------------------------------------------------------
    def fail(self, path, message: str):
        mark = self.doc.mark(path)
        raise SpecError(message, field=field_name(path) or None,
                        line=mark.line if mark else None, column=mark.column if mark else None)

    def get(self, path):
        value = self.doc.data
        for part in path:
            value = value[part]
        return value

    def mapping(self, path, value, what: str, like: str | None = None) -> dict:
        """`value` if it is a mapping; else a message with `like`, an example to copy."""
        if not isinstance(value, dict):
            like = like or _MAPPING_LIKE.get(re.sub(r"\[\d+\]", "[]", field_name(path)))
            self.fail(path, f"{what} must be a mapping (name: value), not {_kind(value)}"
                            + (f"; write it like {like}" if like else ""))
        return value

    def sequence(self, path, value, what: str, like: str | None = None) -> list:
        """`value` if it is a list; else a message with `like`, an example to copy."""
        if not isinstance(value, list):
            like = like or _SEQUENCE_LIKE.get(field_name(path), "[a, b]")
            self.fail(path, f"{what} must be a list, not {_kind(value)}; write it like {like}")
        return value

    def text(self, path, value) -> str:
        if isinstance(value, (dict, list)) or value is None:
            self.fail(path, f"must be text, not {_kind(value)} (put it in quotes if it contains "
                            f"': ', '{{' or '[')")
        value = _plain(value)
        if len(value) > MAX_TEXT:
            self.fail(path, f"is {len(value)} characters long; the limit is {MAX_TEXT}")
        control = next((ch for ch in value if not ch.isprintable() and ch not in "\n\t"), None)
        if control is not None:
            self.fail(path, f"contains the control character U+{ord(control):04X}; "
                            f"write plain text (a \\ escape in double quotes makes one)")
        return value

    def number(self, path, value, *, allow_null: bool) -> Fraction | None:
        if value is None:
            if allow_null:
                return None
            self.fail(path, "needs a number here, not null; write one like 0.5")
        if isinstance(value, Flag):
            self.fail(path, f"YAML reads '{value}' as true/false, not a number; "
                            f"write a number (or quote it if you meant text)")
        if is_number(value):
            return Fraction(value)
        if isinstance(value, str):
            mark = self.doc.mark(path)
            looks_numeric = _looks_numeric(value)
            if looks_numeric and mark is not None and mark.quoted:
                self.fail(path, f"'{clip(value)}' is text, not a number, because it is in "
                                f"quotes; write it without quotes, like {clip(value.strip())}")
            if looks_numeric:
                self.fail(path, f"YAML does not read '{clip(value)}' as a number; write it "
                                f"plainly, like 0.5, -2, 1e-3 or 10")
            self.fail(path, f"'{clip(value)}' is text, not a number; write a number like 0.5 "
                            f"(or null to keep it a symbol)" if allow_null else
                            f"'{clip(value)}' is text, not a number; write a number like 0.5")
        self.fail(path, f"must be a number, like 0.5, not {_kind(value)}")

    def name(self, path, value, what: str) -> str:
        if not isinstance(value, str):
            self.fail(path, f"{what} must be a name like x1 or w_out, not {_kind(value)}")
        value = str(value)
        if not NAME.match(value):
            comma = " (in {w: 1,5} the comma starts a new entry: write 1.5)" \
                if value.isdigit() else ""
            self.fail(path, f"'{clip(value)}' is not a valid name: use letters, digits and _, "
                            f"starting with a letter (like x1, w_out, yhat){comma}")
        if len(value) > MAX_NAME:
            self.fail(path, f"the name '{value[:20]}...' is longer than {MAX_NAME} characters; "
                            f"use a shorter one, like w_out")
        if keyword.iskeyword(value) or value in ("True", "False", "None"):
            self.fail(path, f"'{value}' is a reserved word; choose another name")
        if value in RESERVED:
            self.fail(path, f"'{value}' is the name of a function; choose another name")
        return value

    def unknown_keys(self, path, mapping: dict, allowed, what: str):
        for key in mapping:
            if key not in allowed:
                alias = _KEY_ALIASES.get(str(key).lower())
                hint = f"; write it as '{alias}:'" if alias in allowed else \
                    did_you_mean(key, allowed) or f" (allowed: {', '.join(allowed)})"
                self.fail(tuple(path) + (key,), f"unknown key '{clip(key)}' in {what}{hint}")

    # the problem --------------------------------------------------------------
    def problem(self):
        top = self.doc.data
        if not isinstance(top, dict):
            self.fail((), f"a problem file must be a mapping of keys (title, inputs, params, "
                          f"nodes, ...), not {_kind(top)}")
        forms = [key for key in ("function", "network", "nodes") if key in top]
        if len(forms) > 1:
            first, second = forms[:2]
            self.fail((second,), f"a problem has one of 'function:' (derivatives), 'network:' "
                                 f"(layers) and 'nodes:' (a graph), not both '{first}:' and "
                                 f"'{second}:'; keep one, or split the file in two")
        if "function" in top:
            from .calculus.spec import read_calculus

            return read_calculus(self)
        if "network" in top:
            from .layered.spec import read_network

            return read_network(self)
        for key in top:  # 'functions:' or 'netwrok:' is a typo of another form's key
            if key not in GRAPH_KEYS and did_you_mean(key, ("function", "network")):
                self.fail((key,), f"unknown key '{clip(key)}' in the problem"
                                  f"{did_you_mean(key, ('function', 'network'))}")
        self.unknown_keys((), top, GRAPH_KEYS, "the problem")
        for required in ("inputs", "nodes"):
            if required not in top:
                self.fail((), f"the problem needs '{required}:', like {_EXAMPLES[required]}")

        title = self.text(("title",), top["title"]) if top.get("title") is not None else None
        notes = self.text(("notes",), top["notes"]) if top.get("notes") is not None else None
        declared: dict[str, tuple] = {}

        def declare(path, value, what):
            name = self.name(path, value, what)
            if name in declared and declared[name] == ("targets", 0) and "targets" not in top:
                self.fail(path, _DEFAULT_TARGET)
            if name in declared:
                self.fail(path, f"'{name}' is already declared at {field_name(declared[name])}; "
                                f"each name is declared once, so rename one of them")
            declared[name] = tuple(path)
            if len(declared) > MAX_NAMES:
                self.fail(path, f"more than {MAX_NAMES} names")
            return name

        inputs = tuple(declare(("inputs", i), v, "an input")
                       for i, v in enumerate(self.sequence(("inputs",), top["inputs"], "inputs")))
        if "targets" not in top and "y" in declared:
            self.fail(declared["y"], _DEFAULT_TARGET)
        raw_targets = top.get("targets", ["y"])
        targets = tuple(declare(("targets", i), v, "a target")
                        for i, v in enumerate(self.sequence(("targets",), raw_targets, "targets")))
        raw_params = self.mapping(("params",), top.get("params") or {}, "params")
        params = tuple((declare(("params", k), k, "a parameter"),
                        self.number(("params", k), v, allow_null=True))
                       for k, v in raw_params.items())
        raw_nodes = self.mapping(("nodes",), top["nodes"], "nodes")
        if not raw_nodes:
            self.fail(("nodes",), "needs at least one node, like  yhat: sigmoid(w1*x1 + b)")
        if len(raw_nodes) > MAX_NODES:
            self.fail(("nodes",), f"has {len(raw_nodes)} nodes; the limit is {MAX_NODES}")
        nodes = tuple((declare(("nodes", k), k, "a node"), self.formula(("nodes", k), v))
                      for k, v in raw_nodes.items())

        loss = self.loss(top, declared) if top.get("loss") is not None else None
        data = self.data(top, inputs, targets, loss is not None)
        reduction = top.get("reduction", "mean")
        if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
            shown = f"'{clip(reduction)}'" if isinstance(reduction, str) else _kind(reduction)
            self.fail(("reduction",), f"must be 'mean' or 'sum', not {shown}")
        optimizer = self.optimizer(top) if top.get("optimizer") is not None else None
        if optimizer is not None and loss is None:
            self.fail(("optimizer",), "an optimizer needs a loss to minimise; add 'loss:'")
        passes = 1 + (optimizer.steps if optimizer is not None else 0)
        work = len(data) * (len(nodes) + 1) * passes
        if work > MAX_WORK:
            self.fail(("data",) if len(data) > 1 else ("nodes",),
                      f"{len(data)} samples x {len(nodes) + 1} quantities (nodes and loss) "
                      f"x {passes} passes = {work} worked steps; the limit is {MAX_WORK}: "
                      f"use fewer samples, nodes or optimizer steps")
        symbols = self.symbols(top, declared) if top.get("symbols") is not None else ()
        return GraphProblem(source=self.source, title=title, notes=notes, inputs=inputs,
                            targets=targets, params=params, nodes=nodes, loss=loss, data=data,
                            reduction=reduction, optimizer=optimizer, symbols=symbols)

    def formula(self, path, value) -> FormulaText:
        if is_number(value):
            value = _exact_decimal(Fraction(value))
        if not isinstance(value, str) or isinstance(value, Flag):
            self.fail(path, f"must be a formula like sigmoid(w1*x1 + b), not {_kind(value)}")
        mark = self.doc.mark(path)
        column = None
        if mark is not None:
            column = mark.column + (1 if mark.quoted else 0)
        return FormulaText(str(value), field_name(path), mark.line if mark else None, column)

    def loss(self, top, declared=None) -> LossSpec:
        """loss: a named loss, {type: ..., output: ..., target: ...}, or a formula;
        `declared` (the names so far) tells a misspelt named loss from a formula."""
        value = top["loss"]
        mark = self.doc.mark(("loss",))
        line = mark.line if mark else None
        if isinstance(value, str) and not isinstance(value, Flag) and value in NAMED_LOSSES:
            return LossSpec(field="loss", line=line, type=value)
        if isinstance(value, dict):
            self.unknown_keys(("loss",), value, ("type", "output", "target"), "loss")
            kind = value.get("type")
            if "type" not in value:
                self.fail(("loss",), f"needs 'type:', one of {', '.join(NAMED_LOSSES)}")
            if not isinstance(kind, str) or kind not in NAMED_LOSSES:
                shown = clip(kind) if isinstance(kind, str) else _kind(kind)
                hint = (f"; write {LOSS_ALIASES[kind.lower()]}" if isinstance(kind, str)
                        and kind.lower() in LOSS_ALIASES else
                        did_you_mean(kind, NAMED_LOSSES) if isinstance(kind, str) else "")
                self.fail(("loss", "type"), f"unknown loss type '{shown}'{hint} "
                                            f"(known: {', '.join(NAMED_LOSSES)})")
            output = self.name(("loss", "output"), value["output"], "output") if "output" in value else None
            target = self.name(("loss", "target"), value["target"], "target") if "target" in value else None
            return LossSpec(field="loss", line=line, type=kind, output=output, target=target)
        if isinstance(value, str) and NAME.match(value) and declared is not None \
                and value not in declared:
            # A single word that is no declared name: meant as one of the named losses.
            if value.lower() in LOSS_ALIASES:
                hint = f"; write {LOSS_ALIASES[value.lower()]}"
            else:
                hint = did_you_mean(value, NAMED_LOSSES)
            self.fail(("loss",), f"unknown loss '{clip(value)}'{hint} (the named losses are "
                                 f"{', '.join(NAMED_LOSSES)}; or write a formula like "
                                 f"(yhat - y)**2)")
        return LossSpec(field="loss", line=line, formula=self.formula(("loss",), value))

    def data(self, top, inputs, targets, needs_targets: bool):
        if "data" not in top or top["data"] is None:
            # No data: one sample, every input and target a symbol.
            return (tuple((n, None) for n in inputs + (targets if needs_targets else ())),)
        samples = self.sequence(("data",), top["data"], "data")
        if not samples:
            self.fail(("data",), "needs at least one sample, like  - {x1: 1, y: 0}")
        if len(samples) > MAX_SAMPLES:
            self.fail(("data",), f"has {len(samples)} samples; the limit is {MAX_SAMPLES}")
        wanted = inputs + (targets if needs_targets else ())
        allowed = inputs + targets
        result = []
        for i, sample in enumerate(samples):
            path = ("data", i)
            sample = self.mapping(path, sample, f"data[{i}]")
            for key in sample:
                if key not in allowed:
                    hint = did_you_mean(key, allowed) or \
                        f" (inputs: {', '.join(inputs) or 'none'}; targets: {', '.join(targets) or 'none'})"
                    self.fail(path + (key,), f"'{clip(key)}' is not an input or a target{hint}")
            missing = [n for n in wanted if n not in sample]
            if missing:
                self.fail(path, f"sample {i + 1} has no value for {', '.join(missing)}; every "
                                f"sample gives every input" + (" and target" if needs_targets else "")
                                + f": add it, like {missing[0]}: 0.5 (or {missing[0]}: null for "
                                  f"a symbol)")
            result.append(tuple((n, self.number(path + (n,), sample[n], allow_null=True))
                                for n in allowed if n in sample))
        return tuple(result)

    def optimizer(self, top) -> Optimizer:
        path = ("optimizer",)
        value = self.mapping(path, top["optimizer"], "optimizer")
        self.unknown_keys(path, value, ("type", "lr", "steps"), "optimizer")
        kind = value.get("type", "sgd")
        if kind != "sgd":
            shown = f"'{clip(kind)}'" if isinstance(kind, str) else _kind(kind)
            self.fail(path + ("type",), f"unknown optimizer {shown}; only 'sgd' (plain "
                                        f"gradient descent) is supported: write type: sgd, "
                                        f"or leave type out")
        if "lr" not in value:
            self.fail(path, "needs a learning rate 'lr:' (a number, or null for the symbol eta)")
        lr = self.number(path + ("lr",), value["lr"], allow_null=True)
        steps = value.get("steps", 1)
        if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_STEPS:
            self.fail(path + ("steps",), f"must be a whole number from 1 to {MAX_STEPS}, like "
                                         f"steps: 1, not {_kind(steps)}")
        return Optimizer(type=kind, lr=lr, steps=steps)

    def symbols(self, top, declared) -> tuple:
        path = ("symbols",)
        value = self.mapping(path, top["symbols"], "symbols")
        result = []
        for name, latex in value.items():
            if name not in declared:
                self.fail(path + (name,), f"'{clip(name)}' is not a declared name"
                          + (did_you_mean(name, declared) or
                             "; symbols: gives LaTeX for the inputs, targets, params and nodes"))
            latex = self.text(path + (name,), latex)
            check_symbol_latex(latex, lambda msg: self.fail(path + (name,), msg))
            result.append((name, latex))
        return tuple(result)


def check_symbol_latex(latex: str, fail) -> None:
    """Allow letters, sub/superscripts, accents and Greek; refuse anything else."""
    if not latex.strip():
        fail("the LaTeX for a symbol is empty; write one like '\\hat{y}', or leave the name out")
    if len(latex) > 100:
        fail("the LaTeX for a symbol is longer than 100 characters; a symbol needs a few, "
             "like '\\hat{y}'")
    if "^^" in latex:  # TeX's ^^5c is a backslash in disguise
        fail(f"{latex!r} contains '^^', which TeX reads as a character code; write ^{{...}}")
    if not _SAFE_LATEX.match(latex):
        fail(f"{latex!r} contains characters not allowed in a symbol "
             f"(use letters, digits, _ ^ {{ }} and commands like \\hat, \\alpha)")
    for command in re.findall(r"\\([A-Za-z]+)", latex):
        if command not in _SAFE_COMMANDS:
            fail(f"the LaTeX command \\{command} is not allowed in a symbol "
                 f"(allowed: accents like \\hat, fonts like \\mathbf, Greek letters)")
    depth = 0
    for ch in latex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        fail(f"the braces in {latex!r} do not match; close every {{ with a }}")


def _looks_numeric(text: str) -> bool:
    """'0.5', '1e3', '09', '1,5': text someone meant as a number."""
    return bool(re.fullmatch(r"\s*[-+]?(\d[\d_,]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", text))


def _exact_decimal(value: Fraction) -> str:
    """A fraction read from a YAML decimal, written back with every digit."""
    if value.denominator == 1:
        return str(value.numerator)
    with localcontext() as ctx:
        ctx.prec = 400
        return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def _plain(value) -> str:
    if isinstance(value, Fraction):
        return str(float(value)) if value.denominator != 1 else str(value.numerator)
    return str(value)


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, Flag):
        return f"true/false ('{value}')"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) < 40 else "text"
    return f"the number {_plain(value)}"
