"""`samples: m` (spec/sums.py): one sample's loss summed over m samples, in Σ notation.

The derivation of one sample's loss ℓ is the calculus form's own; here every quantity that
differs from sample to sample (the data, and the inner functions and softmax outputs made
from it) is marked with the sample, x⁽ⁱ⁾, and the loss, each gradient and the update are
written as the seeds write them: L = (1/m) Σᵢ ℓ⁽ⁱ⁾, ∂L/∂θ = (1/m) Σᵢ (σ(z⁽ⁱ⁾) − y⁽ⁱ⁾) x⁽ⁱ⁾,
θ ← θ − α (1/m) Σᵢ (...). For programs, each is also a formula in the base variables with
SymPy's Sum and each sample's data written as a function of i, x0(i), so that a program
can put in a number for m and data for x0(1), x0(2), ... (the JSON's `sums`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..graph import Name
from .naming import show
from .rules import times
from .softmax import to_exp
from .solution import Line


class SampleSum(sp.Function):
    """Σᵢ body over the m samples, times 1/m for a mean, after a factor (the rate α of a
    step): SampleSum(body, i, m, mean[, factor]). Display only: it prints itself
    (α (1/m) Σᵢ body, \\frac{1}{m} \\sum_{i=1}^{m} body); the values are the formulas of
    `Sums.formulas`."""

    as_written = False

    @classmethod
    def eval(cls, *args):
        return None

    def _parts(self, printer, kind: str):
        body, index, count, mean = self.args[:4]
        settings = getattr(printer, "_settings", {})
        before = settings.get("written")
        if self.as_written and before is not None:  # the formula in the order it was written
            settings["written"] = True
        try:
            text = printer._print(body)
        finally:
            if before is not None:
                settings["written"] = before
        if body.is_Add or text.startswith(("−", "-")):
            text = f"\\left({text}\\right)" if kind == "latex" else f"({text})"
        space = "\\, " if kind == "latex" else " "
        factor = printer._print(self.args[4]) + space if len(self.args) > 4 else ""
        return text, printer._print(index), printer._print(count), bool(mean), factor

    def _unicode(self, printer):
        text, index, count, mean, factor = self._parts(printer, "unicode")
        subscript = {"i": "ᵢ", "j": "ⱼ", "n": "ₙ", "k": "ₖ"}.get(index, f"_{index}")
        return factor + ("(1/" + count + ") " if mean else "") + f"Σ{subscript} {text}"

    def _sympystr(self, printer):
        """Sum(body, (i, 1, m))/m, which sympify reads (a per-sample name x1(i) is then a
        function of i)."""
        body, index, count, mean = self.args[:4]
        text = f"Sum({printer._print(body)}, ({printer._print(index)}, 1, {printer._print(count)}))"
        if mean:
            text += f"/{printer._print(count)}"
        return f"{printer._print(self.args[4])}*{text}" if len(self.args) > 4 else text

    def _latex(self, printer):
        text, index, count, mean, factor = self._parts(printer, "latex")
        return factor + (f"\\frac{{1}}{{{count}}} " if mean else "") + \
            f"\\sum_{{{index}=1}}^{{{count}}} {text}"


class WrittenSum(SampleSum):
    """A SampleSum of a formula as the user wrote it: printed in the order written."""

    as_written = True


@dataclass(frozen=True)
class Sums:
    count: sp.Symbol  # m
    index: sp.Symbol  # i
    reduction: str  # mean | sum
    data: tuple  # the per-sample variables (symbols), in order
    loss: sp.Symbol  # L
    lines: tuple  # Lines: the loss, then each gradient
    update: tuple  # Lines: each parameter's step (empty without update:)
    formulas: dict  # "loss" / "gradients" / "update" -> SymPy formulas in plain names
    one_hot: tuple = ()  # (the one-hot targets' symbols, (raw, simplified) per gradient changed)


def sample_sums(naming, problem, variables, function, formula_display, expr, definition, wrt,
                entries, expanded, shown) -> Sums:
    """The Σ lines of `function` (its written display, its expression), whose gradient by
    `wrt` is `entries` (as printed, inner functions kept) and `expanded` (in the variables)."""
    spec = problem.samples
    index = _named(naming, "i:sample", Name("i", "i", "i"))
    count = _named(naming, f"{spec.count}:count", Name(*_derived(spec.count)))
    mean = sp.Integer(spec.reduction == "mean")
    data = tuple(v for v in variables if v.name in spec.data)
    own = set(data) | {s for s in definition if definition[s].free_symbols & set(data)} \
        | {s for s in shown.values()}  # the inner functions and softmax outputs of the data
    marks = {s: _marked(naming, s) for s in own | {function}}

    def over(body, kind=SampleSum):
        return kind(_replaced(body, marks), index, count, mean)

    loss_name = "L" if naming.names[function].plain != "L" else "Loss"
    loss = _named(naming, f"{loss_name}:total", Name("L" if loss_name == "L" else "\\mathcal{L}",
                                                       "L" if loss_name == "L" else "𝓛", loss_name))
    lines = [Line(loss, (over(function), over(formula_display, WrittenSum)))]
    gradients, simplified = [], []
    ys = tuple(v for v in data if v.name in spec.one_hot)
    for w, entry in zip(wrt, entries):
        each = _named(naming, f"d{naming.names[function].plain}(i)/d{w.name}", _partial(
            naming.names[marks[function]], naming.names[w]))
        total = naming.derivative(loss, w)
        gradients.append(total)
        written = show(entry, shown)
        forms = (SampleSum(each, index, count, mean), over(written))
        simpler = _one_hot(written, ys)
        if simpler is not None:  # Σₖ yₖ = 1: s₁y₂ + s₁y₃ − y₁(1 − s₁) = s₁ − y₁
            forms += (over(simpler),)
            simplified.append((written, simpler))
        lines.append(Line(total, forms))
    steps = []
    if problem.update is not None:
        eta = naming.learning_rate(getattr(problem, "notation", None))
        lr = eta if problem.update.lr is None else sp.Float(
            sp.Rational(problem.update.lr.numerator, problem.update.lr.denominator), 15)
        for w, total, line in zip(wrt, gradients, lines[1:]):
            general = sp.Add(w, sp.Mul(-1, times(eta, total), evaluate=False), evaluate=False)
            summed = line.forms[-1]
            stepped = sp.Add(w, sp.Mul(-1, SampleSum(*summed.args, lr), evaluate=False),
                             evaluate=False)
            steps.append(Line(w, (general, stepped), relation="←"))
    return Sums(count, index, spec.reduction, data, loss, tuple(lines), tuple(steps),
                one_hot=(ys, tuple(simplified)) if ys else (), formulas=_formulas(naming, problem, expr, definition, wrt, expanded, data, index, count,
                          spec.reduction == "mean"))


def _formulas(naming, problem, expr, definition, wrt, expanded, data, index, count, mean) -> dict:
    """The loss, each gradient and each step in the base variables: Sum over i = 1..m with
    each sample's data a function of i (x0(i)), in the plain names a program reads."""
    i, m = sp.Symbol("i", integer=True, positive=True), sp.Symbol(naming.names[count].plain,
                                                                   integer=True, positive=True)
    per = {s: sp.Function(naming.names[s].plain)(i) for s in data}

    def total(body):
        body = to_exp(body).xreplace(definition).xreplace(per)
        plain = {s: sp.Symbol(naming.names[s].plain) for s in body.free_symbols
                 if s in naming.names and s != i}
        summed = sp.Sum(body.xreplace(plain), (i, 1, m))
        return summed / m if mean else summed

    out = {"loss": total(expr), "gradients": {naming.names[w].plain: total(e)
                                              for w, e in zip(wrt, expanded)}}
    if problem.update is not None:
        lr = sp.Symbol(naming.names[naming.learning_rate(getattr(problem, "notation", None))].plain) \
            if problem.update.lr is None else sp.Rational(problem.update.lr.numerator,
                                                          problem.update.lr.denominator)
        out["update"] = {naming.names[w].plain: sp.Symbol(naming.names[w].plain) - lr * g
                         for w, g in zip(wrt, out["gradients"].values())}
    return out


def _one_hot(expr, ys: tuple):
    """`expr` where one-hot targets add up to 1, or None if that changes nothing: a sum
    Σₖ cₖ yₖ whose coefficients are all a but one, c_j, is a − (a − c_j) y_j (all a: a)."""
    if len(ys) < 2:
        return None
    expanded = sp.expand(expr)
    coefficients = [expanded.coeff(y) for y in ys]
    if any(c.has(*ys) for c in coefficients) or \
            sp.expand(expanded - sum(c * y for c, y in zip(coefficients, ys))) != 0:
        return None  # not linear in the targets without a constant term
    for a in dict.fromkeys(coefficients):
        others = [(c, y) for c, y in zip(coefficients, ys) if sp.expand(c - a) != 0]
        if len(others) <= 1:
            result = a - sum(sp.expand(a - c) * y for c, y in others)
            result = sp.factor_terms(sp.expand(result))
            return result if result != expr else None
    return None


def _replaced(expr, marks: dict):
    """expr.xreplace(marks), keeping a display form as written (xreplace would evaluate
    every sum and product it rebuilds, and reorder them)."""
    if expr in marks:
        return marks[expr]
    if not expr.args:
        return expr
    args = [_replaced(a, marks) for a in expr.args]
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        return expr.func(*args, evaluate=False)
    return expr.func(*args)


def _named(naming, key: str, name: Name) -> sp.Symbol:
    symbol = sp.Symbol(key, real=True)
    naming.names[symbol] = name
    return symbol


def _derived(text: str) -> tuple:
    from ..graph import derive_name
    n = derive_name(text)
    return n.latex, n.unicode, n.plain


def _marked(naming, symbol: sp.Symbol) -> sp.Symbol:
    """x₀ -> x₀⁽ⁱ⁾ (x_{0}^{(i)}; for programs x0(i))."""
    n = naming.names[symbol]
    return _named(naming, f"{symbol.name}@i", Name(f"{n.latex}^{{(i)}}", f"{n.unicode}⁽ⁱ⁾",
                                                    f"{n.plain}(i)"))


def _partial(top: Name, bottom: Name) -> Name:
    return Name(f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}",
                f"∂{top.unicode}/∂{bottom.unicode}", f"d{top.plain}/d{bottom.plain}")
