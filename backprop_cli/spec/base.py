"""What every spec form shares: the Reader's field-aware checks, the limits, the types
more than one form uses (FormulaText, Optimizer).

Every message about the user's input is written in spec/, naming the field (`params.w1`,
`data[2].x1`) and its line. Nothing here imports SymPy: formulas stay text until the
graph is built, and carry their position so a formula error can point at it too.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from ..errors import SpecError, clip
from ..suggest import character_name, did_you_mean, foreign
from ..texchars import can_show
from ..vocab.activations import formula_functions
from ..vocab.optimizers import DEFAULT, OPTIMIZERS, REQUIRED, written_settings
from ..yamlload import Document, Flag, field_name, is_number
from .spelling import FILE, Spelling

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_NAME = 32
MAX_NAMES = 2000
MAX_SAMPLES = 1000
MAX_STEPS = 50
MAX_TEXT = 2000
MAX_NODES = 200
# The work of the whole problem (samples x passes x its size) is budget.py's, for every form.
#: The functions a formula calls, which no name may be.
RESERVED = set(formula_functions())


@dataclass(frozen=True)
class FormulaText:
    """A formula as written, with where it was written."""

    text: str
    field: str
    line: int | None = None
    column: int | None = None


def line_of(lines: tuple, field: str) -> int | None:
    """The line of `field` in a problem's `lines`, ((field, line), ...), or None."""
    return next((line for name, line in lines if name == field), None)


@dataclass(frozen=True)
class Optimizer:
    type: str
    lr: Fraction | None  # None: the symbol eta
    steps: int
    #: the entry's other settings, (name, value): a Fraction, None (a symbol) or a bool;
    #: betas as beta1 and beta2
    settings: tuple = ()
    batch_size: int | None = None  # samples per step, in order and cycling; None: all

    def setting(self, name: str):
        return dict(self.settings)[name]


@dataclass(frozen=True)
class Regularization:
    """regularization: a penalty l2·Σw² + l1·Σ|w| added to the loss once per step."""

    l2: Fraction | None  # None: the symbol λ₂ (one step, as a formula)
    l1: Fraction | None
    biases: bool  # the layered form: the biases too (default: the weights only)
    params: tuple | None  # the graph form: the parameters named; None: all of them


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


#: Unicode categories of characters that show nothing: controls, format characters (zero
#: width spaces, direction marks, the soft hyphen) and line or paragraph separators.
_INVISIBLE = ("Cc", "Cf", "Zl", "Zp")


class Reader:
    """Field-aware checks shared by every spec form: each failure names the field and line."""

    def __init__(self, doc: Document, source: str, spelling: Spelling = FILE):
        self.doc = doc
        self.source = source
        self.spelling = spelling  # how the source writes fields: a file's, or derive's options

    def fail(self, path, message: str):
        mark = self.doc.mark(path)
        raise SpecError(message, field=self.spelling.field(path),
                        line=mark.line if mark else None, column=mark.column if mark else None)

    def line(self, path) -> int | None:
        """The line `path` is written on, for a problem to keep: a later stage names it."""
        mark = self.doc.mark(path)
        return mark.line if mark else None

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
        control = next((ch for ch in value if unicodedata.category(ch) in _INVISIBLE
                        and ch not in "\n\t"), None)
        if control is not None and unicodedata.category(control) == "Cc":
            self.fail(path, f"contains the control character U+{ord(control):04X}; "
                            f"write plain text (a \\ escape in double quotes makes one)")
        if control is not None:
            self.fail(path, f"contains the invisible character {character_name(control)}; "
                            f"write plain text (text pasted from a PDF or a web page can "
                            f"bring one)")
        unshown = next((ch for ch in value if not can_show(ch)), None)
        if unshown is not None:
            self.fail(path, f"contains {character_name(unshown)}, which the LaTeX answer key "
                            f"cannot show; write it with Latin letters (accents are fine), "
                            f"Greek letters or math signs")
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
                            f"starting with a letter (like x1, w_out, yhat){comma}"
                            f"{foreign(value)}")
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

    def formula(self, path, value) -> FormulaText:
        if is_number(value):
            value = _exact_decimal(Fraction(value))
        if not isinstance(value, str) or isinstance(value, Flag):
            self.fail(path, f"must be a formula like sigmoid(w1*x1 + b), not {_kind(value)}")
        mark = self.doc.mark(path)
        column = None
        if mark is not None:
            column = mark.column + (1 if mark.quoted else 0)
        return FormulaText(str(value), self.spelling.field(path), mark.line if mark else None,
                           column)

    def optimizer(self, top) -> Optimizer:
        """optimizer: {type: ..., and its settings}; the types and settings are those of
        vocab/optimizers.py, checked as torch.optim checks them."""
        path = ("optimizer",)
        value = self.mapping(path, top["optimizer"], "optimizer")
        kind = value.get("type", DEFAULT)
        rule = OPTIMIZERS.get(kind) if isinstance(kind, str) else None
        if rule is None:
            shown = f"'{clip(kind)}'" if isinstance(kind, str) else _kind(kind)
            known = ", ".join(f"'{name}'" for name in OPTIMIZERS)
            self.fail(path + ("type",), f"unknown optimizer {shown}; the optimizers are {known}"
                                        f"{did_you_mean(kind, list(OPTIMIZERS)) if isinstance(kind, str) else ''}"
                                        f": write type: {DEFAULT}, or leave type out")
        settings = written_settings(rule)
        self.unknown_keys(path, value, ("type",) + tuple(s.name for s in settings), "optimizer")
        if "lr" not in value and rule.default("lr") is REQUIRED:
            self.fail(path, "needs a learning rate 'lr:' (a number, or null for the symbol eta)")
        read = {}
        for setting in settings:
            if setting.name in ("steps", "batch_size"):
                continue
            given = value.get(setting.name, setting.default)
            read.update(self.optimizer_setting(path + (setting.name,), setting, given,
                                               setting.name in value))
        steps = value.get("steps", rule.default("steps"))
        if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= MAX_STEPS:
            self.fail(path + ("steps",), f"must be a whole number from 1 to {MAX_STEPS}, like "
                                         f"steps: 1, not {_kind(steps)}")
        if read.get("nesterov"):
            momentum, dampening = read["momentum"], read["dampening"]
            if momentum == 0 or dampening is None or dampening != 0:
                self.fail(path + ("nesterov",),
                          "Nesterov momentum needs a momentum above 0 and no dampening (PyTorch "
                          "refuses it too); give momentum: 0.9, say, and leave dampening out")
        batch = value.get("batch_size")
        if batch is not None and (not isinstance(batch, int) or isinstance(batch, bool) or batch < 1):
            self.fail(path + ("batch_size",), f"must be a whole number of samples, 1 or more "
                                              f"(1: one sample per step), not {_kind(batch)}")
        lr = read.pop("lr")
        return Optimizer(type=kind, lr=lr, steps=steps, settings=tuple(read.items()),
                         batch_size=batch)

    def batch_fits(self, optimizer: Optimizer | None, samples: int) -> None:
        """A batch no larger than the data (torch's DataLoader would give a shorter one)."""
        if optimizer is not None and optimizer.batch_size is not None and optimizer.batch_size > samples:
            self.fail(("optimizer", "batch_size"),
                      f"is {optimizer.batch_size}, more than the {samples} sample"
                      f"{'s' if samples != 1 else ''} in data; write at most {samples}, or leave "
                      f"batch_size out for full-batch steps")

    def optimizer_setting(self, path, setting, given, written: bool) -> dict:
        """One setting of an optimizer, checked as its kind says; {name: value}."""
        kind = setting.kind
        if kind == "flag":
            if not isinstance(given, (bool, Flag)):
                self.fail(path, f"must be true or false, not {_kind(given)}")
            return {setting.name: bool(given)}
        if kind == "betas":
            if not written:
                return {"beta1": _default(given[0]), "beta2": _default(given[1])}
            pair = self.sequence(path, given, "betas", "betas: [0.9, 0.999]")
            if len(pair) != 2:
                self.fail(path, f"must be two numbers [β₁, β₂], like betas: [0.9, 0.999], "
                                f"not {len(pair)}")
            out = {}
            for i, (name, item) in enumerate(zip(("beta1", "beta2"), pair)):
                out[name] = self.optimizer_number(path + (i,), "fraction", item)
            return out
        if not written:
            return {setting.name: _default(given)}
        return {setting.name: self.optimizer_number(path, kind, given,
                                                    allow_null=setting.symbol is not None)}

    def optimizer_number(self, path, kind: str, given, allow_null: bool = True) -> Fraction | None:
        number = self.number(path, given, allow_null=allow_null)
        if number is None:
            return None
        if kind == "rate":
            self.check_lr(path, number)
            if number == 0:
                self.fail(path, "the learning rate is 0, so no step changes anything; write a "
                                "positive number, like 0.1")
        bad = {"nonnegative": (number < 0, "0 or more (PyTorch refuses a negative value)"),
               "positive": (number <= 0, "above 0, like 1e-8"),
               "fraction": (not 0 <= number < 1, "from 0 up to (not including) 1, like 0.9 "
                                                  "(PyTorch refuses it too)"),
               "unit": (not 0 <= number <= 1, "from 0 to 1, like 0.99"),
               "count": (number < 1 or number.denominator != 1, "a whole number, 1 or more")}
        wrong, what = bad.get(kind, (False, ""))
        if wrong:
            self.fail(path, f"must be {what}, not {float(number):g}")
        return number

    def regularization(self, top, params, layered: bool, optimizer: Optimizer | None = None) -> Regularization:
        """regularization: {l2: λ, l1: λ, biases: false (layered) or params: [...] (graph)};
        a strength null is the symbol λ₂ or λ₁ (one step, as a formula)."""
        path = ("regularization",)
        value = self.mapping(path, top["regularization"], "regularization",
                             "regularization: {l2: 0.01}")
        keys = ("l2", "l1", "biases") if layered else ("l2", "l1", "params")
        self.unknown_keys(path, value, keys, "regularization")
        if "l2" not in value and "l1" not in value:
            self.fail(path, "needs a strength, like l2: 0.01 (λ·Σw²) or l1: 0.01 (λ·Σ|w|)")
        strengths = {}
        for key in ("l2", "l1"):
            number = self.number(path + (key,), value.get(key, 0), allow_null=True)
            if number is None:
                if optimizer is not None and optimizer.steps > 1:
                    self.fail(path + (key,), f"a symbolic strength (null) writes one step, as a "
                                             f"formula; with steps: {optimizer.steps} give it a "
                                             f"number, like {key}: 0.01, or write steps: 1")
                strengths[key] = None
                continue
            if number < 0:
                self.fail(path + (key,), f"must be 0 or more, not {float(number):g}: a negative "
                                         f"penalty would reward large weights")
            strengths[key] = number
        biases = value.get("biases", False)
        if not isinstance(biases, (bool, Flag)):
            self.fail(path + ("biases",), f"must be true or false, not {_kind(biases)}")
        named = None
        if "params" in value:
            listed = self.sequence(path + ("params",), value["params"], "params",
                                   "params: [w1, w2]")
            named = []
            for i, name in enumerate(listed):
                if not isinstance(name, str) or name not in params:
                    shown = f"'{clip(name)}'" if isinstance(name, str) else _kind(name)
                    self.fail(path + ("params", i), f"{shown} is not a parameter"
                              + (did_you_mean(name, list(params)) if isinstance(name, str) else "")
                              + f"; the parameters are {', '.join(params)}")
                named.append(str(name))
        return Regularization(l2=strengths["l2"], l1=strengths["l1"], biases=bool(biases),
                              params=tuple(named) if named is not None else None)

    def check_lr(self, path, lr: Fraction | None) -> None:
        """A learning rate as torch.optim.SGD takes it: 0 or more ("Invalid learning rate"
        below 0, which would climb the loss instead of descending it)."""
        if lr is not None and lr < 0:
            self.fail(path, f"the learning rate is negative ({float(lr):g}), which would climb "
                            f"the loss (PyTorch refuses it too: 'Invalid learning rate'); write "
                            f"0 or a positive number, like {float(-lr):g}")

    def steps_with_numbers(self, optimizer: Optimizer | None, symbolic: tuple | None) -> None:
        """More than one step needs numbers: a step with a symbol in it (the rate, a
        parameter, an input: the path `symbolic` names) is a formula, and the next step
        would be worked on that formula blown up; so it is refused, not cut to one step."""
        if optimizer is None or optimizer.steps == 1:
            return
        n = optimizer.steps
        if optimizer.lr is None:
            self.fail(("optimizer", "steps"),
                      f"a symbolic learning rate (lr: null) writes one step, as a formula; "
                      f"with steps: {n} give lr a number, like lr: 0.1, or write steps: 1")
        unknown = next((name for name, v in optimizer.settings if v is None), None)
        if unknown is not None:
            written = "betas" if unknown.startswith("beta") else unknown
            self.fail(("optimizer", "steps"),
                      f"a symbolic {written} (null) writes one step, as a formula; with "
                      f"steps: {n} give it a number, or write steps: 1")
        if symbolic is not None:
            what = self.spelling.field(symbolic) if symbolic else "the data (left out)"
            self.fail(("optimizer", "steps"),
                      f"{what} is symbolic (null), so the first step is a formula and there are "
                      f"no numbers for a second; with steps: {n} give it a number, or write "
                      f"steps: 1")


def _default(value) -> Fraction | bool:
    """A setting's default as the exact decimal it is written as (1e-8, not its double)."""
    return value if isinstance(value, bool) else Fraction(str(value))


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

