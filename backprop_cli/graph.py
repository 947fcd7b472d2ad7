"""Problem -> an ordered computation graph of SymPy nodes. All symbol naming lives here.

Where a node applies an activation to a compound argument (`h1: sigmoid(x1*w1 + x2*w2)`),
the argument becomes a node of its own (`z1 = x1 w1 + x2 w2`, `h1 = sigma(z1)`), as a
person writes it by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from .errors import SpecError
from .formula import FormulaError, parse_formula
from .spec import FormulaText, GraphProblem, LossSpec
from .spec.groups import component_names
from .vocab import LOSSES, OPTIMIZERS, activations

#: The functions whose compound argument becomes a node of its own (a pre-activation).
SPLIT_FUNCTIONS = tuple(a.function for a in activations.in_formulas())
LEARNING_RATE = sp.Symbol("eta:lr", positive=True)  # η; ':' keeps it apart from a param 'eta'


_GREEK = {
    "alpha": ("\\alpha", "α"), "beta": ("\\beta", "β"), "gamma": ("\\gamma", "γ"),
    "delta": ("\\delta", "δ"), "epsilon": ("\\epsilon", "ε"), "zeta": ("\\zeta", "ζ"),
    "eta": ("\\eta", "η"), "theta": ("\\theta", "θ"), "iota": ("\\iota", "ι"),
    "kappa": ("\\kappa", "κ"), "lambda": ("\\lambda", "λ"), "lam": ("\\lambda", "λ"),
    "mu": ("\\mu", "μ"), "nu": ("\\nu", "ν"), "xi": ("\\xi", "ξ"), "pi": ("\\pi", "π"),
    "rho": ("\\rho", "ρ"), "sigma": ("\\sigma", "σ"), "tau": ("\\tau", "τ"),
    "phi": ("\\phi", "φ"), "chi": ("\\chi", "χ"), "psi": ("\\psi", "ψ"),
    "omega": ("\\omega", "ω"), "Gamma": ("\\Gamma", "Γ"), "Delta": ("\\Delta", "Δ"),
    "Theta": ("\\Theta", "Θ"), "Lambda": ("\\Lambda", "Λ"), "Sigma": ("\\Sigma", "Σ"),
    "Phi": ("\\Phi", "Φ"), "Psi": ("\\Psi", "Ψ"), "Omega": ("\\Omega", "Ω"),
}
_ACCENTS = {"hat": ("\\hat", "\u0302"), "bar": ("\\bar", "\u0304"), "tilde": ("\\tilde", "\u0303"),
            "dot": ("\\dot", "\u0307")}
_SUBSCRIPT = str.maketrans("0123456789+-=()aehijklmnoprstuvx",
                           "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUPERSCRIPT = str.maketrans("0123456789+-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾")


@dataclass(frozen=True)
class Name:
    """How one symbol is written: in LaTeX, in the terminal, and for programs."""

    latex: str
    unicode: str
    plain: str


def derive_name(name: str) -> Name:
    """x1 -> x_{1}, yhat -> \\hat{y}, eta -> \\eta, w_out -> w_{\\mathrm{out}}."""
    base, sub = name, ""
    match = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
    if match:
        base, sub = match.group(1), match.group(2)
    elif "_" in name:
        base, sub = name.split("_", 1)
    latex, uni = _base_name(base)
    if sub:
        sub_latex = ",".join(s if s.isdigit() else _roman(s) for s in sub.split("_"))
        latex = f"{latex}_{{{sub_latex}}}"
        plain_sub = sub.replace("_", ",")
        translated = plain_sub.translate(_SUBSCRIPT)
        uni += translated if all(ch not in translated for ch in "bcdfgqwyz") and \
            not any(c.isalpha() and c not in "aehijklmnoprstuvx" for c in plain_sub) \
            else "_" + plain_sub
    return Name(latex, uni, name)


def _base_name(base: str) -> tuple[str, str]:
    if base in _GREEK:
        return _GREEK[base]
    for accent, (cmd, combining) in _ACCENTS.items():
        if base.endswith(accent) and len(base) > len(accent):
            inner_latex, inner_uni = _base_name(base[: -len(accent)])
            return f"{cmd}{{{inner_latex}}}", inner_uni + combining
    if len(base) == 1:
        return base, base
    return _roman(base), base


def _roman(text: str) -> str:
    return text if len(text) == 1 else f"\\mathrm{{{text}}}"


def notation_name(name: str, plain: str) -> Name:
    """How a name of the `notation:` block is printed (`ell` is ℓ, `Div` Div, `alpha` α);
    `plain` is the quantity's public name, which the notation never changes."""
    if name == "ell":
        return Name("\\ell", "ℓ", plain)
    derived = derive_name(name)
    return Name(derived.latex, derived.unicode, plain)


def layer_indexed(latex: str, uni: str, layer, style: str = "paren") -> tuple[str, str]:
    """`latex`/`uni` with a layer index written as the notation says: h^{(2)} h⁽²⁾ (paren),
    h^{2} h² (super) or h_{2} h₂ (sub)."""
    text = str(layer)
    if style == "super":
        return f"{latex}^{{{text}}}", uni + superscript(text)
    if style == "sub":
        return f"{latex}_{{{text}}}", uni + text.translate(_SUBSCRIPT)
    return f"{latex}^{{({text})}}", uni + superscript(f"({text})")


def superscript(text: str) -> str:
    return text.translate(_SUPERSCRIPT)


def subscript(text: str) -> str:
    return text.translate(_SUBSCRIPT)


@dataclass(frozen=True)
class Node:
    """A computed quantity: `symbol = expr` (canonical) shown as `symbol = display`."""

    symbol: sp.Symbol
    expr: sp.Expr
    display: sp.Expr
    given: bool  # written in the spec, rather than split out as a pre-activation
    written: sp.Expr | None = None  # the formula as the spec wrote it (before any split)
    field: str | None = None  # where the spec wrote it (nodes.h1, loss), for messages
    line: int | None = None


@dataclass(frozen=True)
class Graph:
    title: str | None
    notes: str | None
    inputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    param_values: dict  # Symbol -> Rational | None
    nodes: tuple[Node, ...]  # in evaluation order; the loss node last when there is one
    loss: Node | None
    samples: tuple[dict, ...]  # Symbol -> Rational | None, one per sample
    reduction: str
    lr: sp.Expr | None
    steps: int
    names: "Naming"
    output: sp.Symbol  # the last node before the loss
    optimizer: str | None = None  # its name in vocab/optimizers.py, with steps
    #: one sample's loss where several samples meet, ℓ⁽¹⁾ (the notation's sample_loss)
    sample_loss_name: Name = Name("\\ell", "ℓ", "l")
    #: the optimizer's other settings by name: a Rational, a Symbol (null) or a bool
    hyper: dict = field(default_factory=dict)
    penalty: "Penalty | None" = None  # regularization: added to the loss once per pass
    #: batch_size: the samples (0-based) each step's gradient uses, one tuple per step;
    #: None: every step uses all the data
    batches: tuple | None = None
    #: where a loss cancels a softmax node's derivative (cross_entropy): Cancellations
    cancellations: tuple = ()
    #: samples: m, the number of samples a one-sample problem of symbols is summed over
    samples_symbol: sp.Symbol | None = None


@dataclass(frozen=True)
class Cancellation:
    """A softmax node (p: softmax(s1, s2, s3)) under cross_entropy: ∂ℓ/∂sⱼ is written
    `simplified[j]` (pⱼ − yⱼ, or e^qⱼ − yⱼ after log_softmax) when the sample's targets
    add up to 1, with `note` (LaTeX, Unicode) saying why."""

    arguments: tuple  # s1, s2, s3
    outputs: tuple  # p1, p2, p3
    targets: tuple  # y1, y2, y3 (a class index's one-hot symbols)
    simplified: tuple  # one form per argument
    note: tuple
    index: sp.Symbol | None = None  # the target holding the class index, if it is one


@dataclass(frozen=True)
class Penalty:
    """R = λ₂ Σ w² + λ₁ Σ |w| over `params`, added to the loss (regularization:)."""

    l2: sp.Expr
    l1: sp.Expr
    params: tuple  # the parameters' symbols, in order
    symbol: sp.Symbol  # R
    l2_symbol: sp.Symbol  # λ₂
    l1_symbol: sp.Symbol  # λ₁
    #: a layered network's matrices: ((‖W‖² symbol, ‖W‖₁ symbol, its entries' symbols), ...),
    #: so that R is written λ₂(‖W⁽¹⁾‖² + ‖W⁽²⁾‖²), not one term per entry; () in a graph
    groups: tuple = ()


def build_penalty(regularization, params: tuple, naming: "Naming", tensors=()) -> Penalty | None:
    """The penalty of `regularization:` over `params` (the symbols it applies to);
    `tensors` ((LaTeX, Unicode, plain, symbols), ...) groups them by matrix."""
    if regularization is None:
        return None
    groups = []
    for latex, unicode, plain, entries in tensors:
        squares = naming.add(sp.Symbol(f"sq[{plain}]:penalty", nonnegative=True),
                             Name(f"\\lVert {latex} \\rVert^2", f"‖{unicode}‖²", f"sumsq_{plain}"))
        sizes = naming.add(sp.Symbol(f"abs[{plain}]:penalty", nonnegative=True),
                           Name(f"\\lVert {latex} \\rVert_1", f"‖{unicode}‖₁", f"sumabs_{plain}"))
        groups.append((squares, sizes, tuple(entries)))
    symbol = naming.add(sp.Symbol("R:penalty", real=True), Name("R", "R", "penalty"))
    l2 = naming.add(sp.Symbol("l2:penalty", nonnegative=True), Name("\\lambda_2", "λ₂", "l2"))
    l1 = naming.add(sp.Symbol("l1:penalty", nonnegative=True), Name("\\lambda_1", "λ₁", "l1"))
    strength = lambda v, s: s if v is None else sp.Rational(v.numerator, v.denominator)  # noqa: E731
    return Penalty(strength(regularization.l2, l2), strength(regularization.l1, l1),
                   tuple(params), symbol, l2, l1, tuple(groups))


@dataclass
class Naming:
    """Symbol -> Name; the engine asks it for the derivative symbols it writes."""

    names: dict = field(default_factory=dict)
    #: the layered form, whose superscripts in parentheses are layers: every sample is
    #: marked in square brackets, ℓ^[2], x₁^[2], a⁽¹⁾₁^[2]; the graph form writes h⁽²⁾
    sample_brackets: bool = False
    # (Name of top, Name of bottom, sample) -> (symbol, Name): the engine asks for the same
    # derivative symbol once per use, and making a Symbol is slow (hashing, assumptions).
    _derivatives: dict = field(default_factory=dict, repr=False, compare=False)
    # (top, bottom, sample) -> (Name of top, Name of bottom, symbol, Name): the same, found
    # without hashing the Names (a dense network asks some 20,000 times)
    _by_symbols: dict = field(default_factory=dict, repr=False, compare=False)

    def add(self, symbol: sp.Symbol, name: Name) -> sp.Symbol:
        self.names[symbol] = name
        return symbol

    def __getitem__(self, symbol) -> Name:
        return self.names[symbol]

    def __contains__(self, symbol) -> bool:
        return symbol in self.names

    def derivative(self, top: sp.Symbol, bottom: sp.Symbol, sample: int | None = None) -> sp.Symbol:
        """The symbol for d(top)/d(bottom), e.g. dL/dh1; per sample when `sample` is given."""
        t, b = self.names[top], self.names[bottom]
        hit = self._by_symbols.get((top, bottom, sample))
        if hit is not None and hit[0] is t and hit[1] is b:
            self.names[hit[2]] = hit[3]
            return hit[2]
        symbol = self._derivative(t, b, sample)
        self._by_symbols[(top, bottom, sample)] = (t, b, symbol, self.names[symbol])
        return symbol

    def _derivative(self, t: Name, b: Name, sample: int | None) -> sp.Symbol:
        key = (t, b, sample)
        if key in self._derivatives:
            symbol, name = self._derivatives[key]
            self.names[symbol] = name
            return symbol
        if sample is not None:
            latex, unicode = self._marked(t, sample)
            t = Name(latex, unicode, f"{t.plain}({sample})")
        symbol = sp.Symbol(f"d{t.plain}/d{b.plain}", real=True)
        name = Name(f"\\frac{{\\partial {t.latex}}}{{\\partial {b.latex}}}",
                    f"∂{t.unicode}/∂{b.unicode}", f"d{t.plain}/d{b.plain}")
        self._derivatives[key] = (symbol, name)
        return self.add(symbol, name)

    def sampled_input(self, symbol: sp.Symbol, sample: int) -> sp.Symbol:
        """A symbolic input of one sample, x_1^(2): its own symbol, for programs x_1_s2."""
        return self.of_sample(symbol, sample)

    def of_sample(self, symbol: sp.Symbol, sample: int) -> sp.Symbol:
        """One sample's own copy of a per-sample quantity (an input, a target, a node), for
        the lines where several samples meet: x_1^(2), h^(2), for programs x_1_s2, h_s2.
        A name whose superscript is taken (a layer's, z^(1)_1) is marked z^(1)_1 [2],
        the sample in square brackets after it, so that (1) stays the layer."""
        n = self.names[symbol]
        new = sp.Symbol(f"{symbol.name}@{sample}", real=True)
        return self.add(new, Name(*self._marked(n, sample), f"{n.plain}_s{sample}"))

    def _marked(self, n: Name, sample: int) -> tuple:
        """(LaTeX, Unicode) of `n` marked with its sample: h⁽²⁾, or in square brackets where
        parentheses would read as a layer (the layered form, or a name with a superscript)."""
        if self.sample_brackets or "^" in n.latex:
            return (f"{n.latex}{{}}^{{[{sample}]}}" if "^" in n.latex else f"{n.latex}^{{[{sample}]}}",
                    f"{n.unicode}[{superscript(str(sample))}]")
        return f"{n.latex}^{{({sample})}}", f"{n.unicode}{superscript(f'({sample})')}"

    def sampled(self, symbol: sp.Symbol, sample: int) -> sp.Symbol:
        """The symbol for one sample's value of `symbol`, e.g. l^(2)."""
        n = self.names[symbol]
        new = sp.Symbol(f"{n.plain}({sample})", real=True)
        return self.add(new, Name(*self._marked(n, sample), f"{n.plain}({sample})"))


def build_graph(problem: GraphProblem) -> Graph:
    """Turn a validated problem into nodes; formula errors name their field and line."""
    naming = Naming()
    overrides = dict(problem.symbols)
    symbols: dict[str, sp.Symbol] = {}

    def declare(name: str) -> sp.Symbol:
        symbol = sp.Symbol(name, real=True)
        symbols[name] = symbol
        derived = derive_name(name)
        if name in overrides:
            derived = Name(overrides[name], derived.unicode, name)
        return naming.add(symbol, derived)

    inputs = tuple(declare(n) for n in problem.inputs)
    targets = tuple(declare(n) for n in problem.targets)
    params = tuple(declare(n) for n, _ in problem.params)
    param_values = {symbols[n]: _rational(v) for n, v in problem.params}

    parsed = []
    groups = dict(problem.groups)
    node_names = [name for name, _ in problem.nodes]
    for i, (name, text) in enumerate(problem.nodes):
        if name in groups:  # p: softmax(s1, s2, s3): its components p1, p2, p3
            parsed.append((name, None, text))
            for component in groups[name].components:
                declare(component)
            continue
        later = {n: sp.Symbol(n, real=True) for n in node_names[i:]}
        formula = _parse(text, {**symbols, **later})
        used = sorted(str(s) for s in formula.expr.free_symbols if str(s) in later)
        if name in used:
            raise SpecError(f"'{name}' uses itself; a node can only use inputs, parameters "
                            f"and earlier nodes", field=text.field, line=text.line, column=text.column)
        if used:
            raise SpecError(f"'{name}' uses {', '.join(used)}, which is defined later; nodes are "
                            f"computed in order, so move {used[0]} above {name}",
                            field=text.field, line=text.line, column=text.column)
        parsed.append((name, formula, text))
        declare(name)
    _one_symbol_each(naming, symbols, problem)

    taken = set(symbols)
    splits = [f for _, f, _ in parsed if f is not None and _splits(f.expr)]
    candidates = ["z", "s", "u", "v", "a", "q"] + [f"z{'z' * k}" for k in range(1, 40)]
    notation = problem.notation
    shown_letter = None  # the course's letter, printed; the public name keeps the default's
    if notation.written("pre"):
        shown_letter = notation.pre
        _notation_free(naming, symbols, notation, "pre", derive_name(notation.pre))
    letter = next((l for l in candidates
                   if not any(n == l or re.fullmatch(f"{l}_?\\d+", n) for n in taken)), "pre") \
        if splits else "z"
    if splits and shown_letter and any(n == shown_letter or re.fullmatch(f"{shown_letter}_?\\d+", n)
                                       for n in taken):  # s1 is a spec name
        raise SpecError(f"the pre-activations would be written {notation.pre}1, {notation.pre}2, "
                        f"..., like names of the problem; choose another pre or rename them",
                        field="notation.pre", line=notation.line_of("pre"))
    nodes: list[Node] = []
    for name, formula, text in parsed:
        where = {"field": text.field, "line": text.line}
        if formula is None:
            nodes.extend(_group_nodes(groups[name], symbols, where))
            continue
        expr, display = formula.expr, formula.display
        written = display
        if _splits(expr):
            label = letter if len(splits) == 1 else f"{letter}{len([n for n in nodes if not n.given]) + 1}"
            pre = declare(label)
            if shown_letter:
                shown = derive_name(shown_letter + label[len(letter):])
                naming.add(pre, Name(shown.latex, shown.unicode, label))
            nodes.append(Node(pre, expr.args[0], display.args[0], given=False, **where))
            rest = expr.args[1:]
            expr = expr.func(pre, *rest)
            display = display.func(pre, *display.args[1:], evaluate=False)
        nodes.append(Node(symbols[name], expr, display, given=True, written=written, **where))

    output = nodes[-1].symbol
    loss = cancellation = None
    if problem.loss is not None:
        # Internal names contain ':', which no spec name can, so they never collide.
        loss_symbol = sp.Symbol("L:loss", real=True)
        if notation.written("loss"):
            shown = notation_name(notation.loss, "L" if "L" not in symbols else "Loss")
            _notation_free(naming, symbols, notation, "loss", shown)
            naming.add(loss_symbol, shown)
        elif "L" in symbols:
            naming.add(loss_symbol, Name("\\mathcal{L}", "𝓛", "Loss" if "Loss" not in symbols else "L:loss"))
        else:
            naming.add(loss_symbol, Name("L", "L", "L"))
        expr, display, cancellation = _loss(problem.loss, symbols, output, problem, naming)
        loss = Node(loss_symbol, expr, display, given=True, written=display,
                    field=problem.loss.field, line=problem.loss.line)
        nodes.append(loss)

    samples = tuple(_one_hot({symbols[n]: _rational(v) for n, v in sample}, cancellation)
                    for sample in problem.data)
    if cancellation is not None and cancellation.index is not None:
        targets = targets + cancellation.targets  # a class index's one-hot, y1, y2, y3
    lr = None
    steps = 0
    optimizer = None
    if problem.optimizer is not None:
        eta = LEARNING_RATE
        if notation.written("rate"):
            rate = notation_name(notation.rate, "eta")
            _notation_free(naming, symbols, notation, "rate", rate)
        else:
            rate = learning_rate_name(naming, symbols.values())
        naming.add(eta, rate)
        lr = _rational(problem.optimizer.lr) if problem.optimizer.lr is not None else eta
        steps = problem.optimizer.steps
        optimizer = problem.optimizer.type
    hyper = optimizer_settings(problem.optimizer, naming)
    regularization = problem.regularization
    penalty = build_penalty(regularization, tuple(
        symbols[n] for n, _ in problem.params
        if regularization is not None and (regularization.params is None or n in regularization.params)),
        naming)
    return Graph(title=problem.title, notes=problem.notes, inputs=inputs, targets=targets,
                 params=params, param_values=param_values, nodes=tuple(nodes), loss=loss,
                 samples=samples, reduction=problem.reduction, lr=lr, steps=steps,
                 names=naming, output=output, optimizer=optimizer, hyper=hyper, penalty=penalty,
                 batches=batches_of(problem.optimizer, len(samples)),
                 cancellations=(cancellation,) if cancellation is not None else (),
                 samples_symbol=naming.add(sp.Symbol(f"{problem.samples}:count", integer=True,
                                                     positive=True), derive_name(problem.samples))
                 if problem.samples else None,
                 sample_loss_name=_sample_loss_name(naming, symbols, notation))


def _sample_loss_name(naming: Naming, symbols: dict, notation) -> Name:
    shown = notation_name(notation.sample_loss, "l")
    if notation.written("sample_loss"):
        _notation_free(naming, symbols, notation, "sample_loss", shown)
    return shown


def _notation_free(naming: Naming, symbols: dict, notation, key: str, shown: Name) -> None:
    """A name of the notation block must not print like a quantity of the problem."""
    for name, symbol in symbols.items():
        written = naming[symbol]
        if shown.unicode == written.unicode or shown.latex == written.latex or \
                getattr(notation, key) == name:
            raise SpecError(f"'{getattr(notation, key)}' is written {shown.unicode}, like the "
                            f"problem's '{name}'; one symbol stands for one thing, so choose "
                            f"another {key} or rename '{name}'",
                            field=f"notation.{key}", line=notation.line_of(key))


def optimizer_settings(optimizer, naming: "Naming") -> dict:
    """The optimizer's settings besides lr and steps, for the engine: numbers as Rationals,
    a null as the setting's symbol (named as vocab/optimizers.py writes it), flags as they are."""
    if optimizer is None:
        return {}
    rule = OPTIMIZERS[optimizer.type]
    symbols = {s.name: s.symbol for s in rule.settings}
    out = {}
    for name, value in optimizer.settings:
        if symbols.get(name) is not None:  # a symbol for it: also the one a worked line writes
            latex, unicode, plain = symbols[name]
            naming.add(hyper_symbol(name), Name(latex, unicode, plain))
        if isinstance(value, bool):
            out[name] = value
        elif value is None:
            out[name] = hyper_symbol(name)
        else:
            out[name] = sp.Rational(value.numerator, value.denominator)
    return out


def batches_of(optimizer, samples: int) -> tuple | None:
    """Step t's samples: the next batch_size of them in order, cycling through the data."""
    if optimizer is None or optimizer.batch_size is None or optimizer.batch_size >= samples:
        return None  # a batch of all the data is full-batch descent
    k = optimizer.batch_size
    return tuple(tuple((t * k + j) % samples for j in range(k)) for t in range(optimizer.steps))


def hyper_symbol(name: str) -> sp.Symbol:
    """An optimizer setting's symbol; ':' keeps it apart from a parameter of that name."""
    return sp.Symbol(f"{name}:opt", nonnegative=True)


def _one_symbol_each(naming: Naming, symbols: dict, problem: GraphProblem) -> None:
    """Two names the solution would print alike (x_1 and x1 are both x₁) would make one
    symbol stand for two things: refuse the second, where it is declared."""
    fields = {n: "inputs" for n in problem.inputs}
    fields.update({n: "targets" for n in problem.targets})
    fields.update({n: f"params.{n}" for n, _ in problem.params})
    lines = {n: text.line for n, text in problem.nodes}
    fields.update({n: f"nodes.{n}" for n, _ in problem.nodes})
    seen: dict = {}
    for name, symbol in symbols.items():
        written = naming[symbol]
        for shown in (written.unicode, written.latex):
            first = seen.setdefault(shown, name)
            if first != name:
                raise SpecError(f"'{first}' and '{name}' would both be written {written.unicode} "
                                f"({written.latex} in LaTeX), one symbol for two things; "
                                f"rename one (like {name}b)",
                                field=fields.get(name), line=lines.get(name))


#: How the learning rate is written: η, unless the problem has a quantity written so.
_RATE_NAMES = (Name("\\eta", "η", "eta"), Name("\\alpha", "α", "alpha"),
               Name("\\mathrm{lr}", "lr", "lr"), Name("\\eta_{\\mathrm{lr}}", "η_lr", "learning_rate"))


def learning_rate_name(naming: Naming, symbols) -> Name:
    """η, or where a parameter `eta` is written η (and its update would read
    η ← η − η ∂L/∂η), the first of α, lr, ... that no quantity of the problem is written
    or named as: one printed symbol for one thing."""
    taken = set()
    for symbol in symbols:
        name = naming[symbol]
        taken |= {name.latex, name.unicode, name.plain}
    return next(n for n in _RATE_NAMES if not {n.latex, n.unicode, n.plain} & taken)


def _rational(value: Fraction | None):
    return None if value is None else sp.Rational(value.numerator, value.denominator)


def _splits(expr: sp.Expr) -> bool:
    return isinstance(expr, SPLIT_FUNCTIONS) and not expr.args[0].is_Atom


def _parse(text: FormulaText, symbols: dict):
    try:
        return parse_formula(text.text, symbols)
    except FormulaError as exc:
        column = None
        if text.column is not None and exc.column is not None:
            column = text.column + exc.column
        elif text.column is not None:
            column = text.column
        raise SpecError(exc.message, field=text.field, line=text.line, column=column) from None


def _group_nodes(group, symbols: dict, where: dict) -> list:
    """The component nodes of p: softmax(s1, s2, s3), each computed and written as the
    vocabulary's unit k of a layer (vocab/activations.py GROUPS)."""
    unit = activations.GROUPS[group.kind]
    arguments = [symbols[a] for a in group.arguments]
    out = []
    for k, component in enumerate(group.components):
        expr, display = unit(arguments, k, None)
        out.append(Node(symbols[component], expr, display, given=True, written=display, **where))
    return out


def _one_hot(sample: dict, cancellation) -> dict:
    """A sample with a class index: its one-hot targets beside it (y = 2: y1 = 0, y2 = 0,
    y3 = 1), which the loss and its derivative use."""
    if cancellation is None or cancellation.index is None:
        return sample
    label = sample[cancellation.index]
    return {**sample, **{t: sp.Integer(int(label == k)) for k, t in enumerate(cancellation.targets)}}


def _loss(spec: LossSpec, symbols: dict, output: sp.Symbol, problem: GraphProblem, naming=None):
    """(expr, display, Cancellation or None) of the loss."""
    if spec.type == "cross_entropy":
        return _cross_entropy(spec, symbols, problem, naming)
    if spec.formula is not None:
        formula = _parse(spec.formula, symbols)
        if not formula.expr.free_symbols & {symbols[n] for n, _ in problem.nodes}:
            raise SpecError("the loss does not use any node; write it in terms of the output "
                            f"(like ({output} - y)**2)", field="loss", line=spec.line)
        return formula.expr, formula.display, None
    out = symbols.get(spec.output) if spec.output else output
    if spec.output and (out is None or spec.output not in dict(problem.nodes)):
        raise SpecError(f"'{spec.output}' is not a node; the output is one of the nodes "
                        f"({', '.join(name for name, _ in problem.nodes)}), like "
                        f"output: {problem.nodes[-1][0]}",
                        field="loss.output", line=spec.line)
    if spec.target:
        if spec.target not in problem.targets:
            raise SpecError(f"'{spec.target}' is not a target (targets: "
                            f"{', '.join(problem.targets)})", field="loss.target", line=spec.line)
        target = symbols[spec.target]
    else:
        if not problem.targets:
            raise SpecError(f"the loss {spec.type} needs a target to compare with; declare one, "
                            "like targets: [y], and give its value in every sample",
                            field="loss", line=spec.line)
        if len(problem.targets) != 1:
            raise SpecError("with several targets, say which one: "
                            "loss: {type: ..., output: yhat, target: y}", field="loss", line=spec.line)
        target = symbols[problem.targets[0]]
    return LOSSES[spec.type].build((out,), (target,)) + (None,)


def _cross_entropy(spec: LossSpec, symbols: dict, problem: GraphProblem, naming):
    """−Σₖ yₖ log pₖ over a softmax node's components (spec/groups.py checked it); a class
    index y is written with its one-hot y1, y2, y3 (y₁, y₂, y₃), as the layered form writes it."""
    group = dict(problem.groups)[spec.output]
    outputs = tuple(symbols[c] for c in group.components)
    index = None
    if len(spec.target) == 1 and len(outputs) > 1:
        index = symbols[spec.target[0]]
        names = component_names(spec.target[0], len(outputs))
        targets = tuple(sp.Symbol(f"{n}:onehot", real=True) for n in names)
        for t, n in zip(targets, names):
            naming.add(t, Name(derive_name(n).latex, derive_name(n).unicode, n))
    else:
        targets = tuple(symbols[t] for t in spec.target)
    loss = LOSSES["cross_entropy"]
    if group.kind == "log_softmax":  # q = log p: the loss is −Σ yₖ qₖ
        expr = -sp.Add(*[t * q for t, q in zip(targets, outputs)])
        display = sp.Add(*[sp.Mul(-1, t, q, evaluate=False) for t, q in zip(targets, outputs)],
                         evaluate=False)
        simplified = tuple(sp.Add(sp.exp(q, evaluate=False), sp.Mul(-1, t, evaluate=False),
                                  evaluate=False) for q, t in zip(outputs, targets))
    else:
        expr, display = loss.build(outputs, targets)
        simplified = tuple(sp.Add(p, sp.Mul(-1, t, evaluate=False), evaluate=False)
                           for p, t in zip(outputs, targets))
    cancellation = Cancellation(tuple(symbols[a] for a in group.arguments), outputs, targets,
                                simplified, loss.graph_cancellation(group.kind), index)
    return expr, display, cancellation
