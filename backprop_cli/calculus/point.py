"""The numbers: values at the point (exact where they can be, else PRECISION digits) and
the gradient-descent step."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ..errors import EvaluationError
from ..numeric import innermost_first
from ..selection import said
from ..functions import leaky_relu, maximum, minimum, relu, step, tie_words, ties
from ..vocab.optimizers import DEFAULT, OPTIMIZERS
from .magnitude import check_magnitude
from .naming import show
from .rules import times
from .softmax import softmax
from .solution import Line, Point, Update

PRECISION = 50
GUARD = 20  # digits more for each function value than the result needs
_KINKS = {relu: "ReLU", leaky_relu: "LeakyReLU", sp.Abs: "|·|", step: "[· > 0]"}


def evaluate(expr: sp.Expr, values: dict, what: str, spelling) -> sp.Expr:
    """The exact value where there is one, else PRECISION digits; undefined -> EvaluationError
    naming the point as `spelling` (the problem's source) writes it."""
    check_magnitude(expr, values, what, spelling)
    if expr.free_symbols - set(values):
        return expr.xreplace(values)
    result = innermost_first(expr, values, PRECISION + GUARD)
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise _undefined(expr, values, what, spelling)
    if result.is_Rational:
        return result
    number = result.evalf(PRECISION)
    if not number.is_finite or not number.is_real:
        raise _undefined(expr, values, what, spelling)
    return number


def _undefined(expr, values, what, spelling) -> EvaluationError:
    return EvaluationError(f"{what} is {_why(expr, values)}; choose values "
                           f"{spelling.within('at')} where it is defined",
                           field=spelling.field(("at",)))


def _why(expr: sp.Expr, values: dict) -> str:
    """'undefined: log(x - 1) is the logarithm of 0', in the words of numeric.py, without
    its rule and advice for networks (the data and parameters): here only the point can change."""
    from ..numeric import why_undefined

    return why_undefined(expr, values).what


def at_point(naming, problem, variables, defines, groups, result, components, wrt, shown, exprs,
             chain=None):
    by_name = {v.name: v for v in variables}
    given = {by_name[name]: sp.Rational(f.numerator, f.denominator) for name, f in problem.at}
    values = dict(given)
    inner_lines = []
    full = {}  # each inner function in the variables: computed from them, not from rounded values
    for d, formula, expr in defines:
        full[d] = expr.xreplace(full)
        won = _won(expr, d, values, naming, problem.spelling)
        values[d] = evaluate(full[d], given, d.name, problem.spelling)
        inner_lines.append(Line(d, (formula.display,), (), formula.display, dict(values), values[d],
                                written=True, said=won))
    for outputs, arguments in groups:
        for k, s in enumerate(outputs, start=1):
            definition = softmax(k, *arguments)
            values[s] = evaluate(definition, values, naming.names[s].plain, problem.spelling)
            written = definition.rewrite(sp.exp)
            inner_lines.append(Line(s, (written,), (), written, values, values[s]))
    numbers = {**values, **{o: values[s] for o, s in shown.items()}}
    lines, matrix = [], []
    for i, c in enumerate(components):
        row = []
        for j, w in enumerate(wrt):
            entry = result[i][j]
            d = naming.derivative(c, w)
            value = evaluate(entry, numbers, naming.names[d].plain, problem.spelling)
            shown_entry = show(entry, shown)
            won = _won(exprs[i], c, numbers, naming, problem.spelling) if j == 0 else ()
            lines.append(Line(d, (shown_entry,), (), shown_entry, values, value, said=won))
            row.append(value)
        matrix.append(tuple(row))
    if chain is not None and chain.deeper:
        local, lines = stage_values(naming, chain, numbers, values, matrix, shown, problem.spelling)
        inner_lines += local
    kinks = _kinks([e for _, _, e in defines] + list(exprs), values)
    point = Point(values=tuple(given.items()), inner=tuple(inner_lines), lines=tuple(lines),
                  matrix=tuple(matrix))
    return point, kinks


def _won(expr, top, numbers, naming, spelling) -> tuple:
    """Which argument of each max and min in `expr` wins at the point (selection.py)."""
    if not expr.has(maximum, minimum):
        return ()
    return said(expr, top, lambda a: evaluate(a, numbers, naming.names[top].plain, spelling),
                naming.derivative)


def stage_values(naming, chain, numbers, values, matrix, shown, spelling):
    """A deeper chain at the point: each stage's factors with the numbers put in, then each
    entry as the product of its factors' numbers (∂f/∂x = ∂f/∂v · ∂v/∂u · ∂u/∂x = ...)."""
    local, at = [], {}
    for d, expr in chain.local:
        at[d] = evaluate(expr, numbers, naming.names[d].plain, spelling)
        written = show(expr, shown)
        local.append(Line(d, (written,), (), written, values, at[d]))
    entries = [v for row in matrix for v in row]
    lines = []
    for line, value in zip(chain.lines, entries):
        general = line.forms[0]
        if general.free_symbols <= set(at):  # its paths were written out
            lines.append(Line(line.lhs, (general,), ("chain",), general, at, value))
        else:
            lines.append(Line(line.lhs, (line.forms[-1],), (), line.forms[-1], values, value))
    return local, lines


def _kinks(exprs, values) -> list[str]:
    warnings = []
    for expr in exprs:
        for kind, name in _KINKS.items():
            for f in expr.atoms(kind):
                if f.args[0].xreplace(values) == 0:
                    warnings.append(f"{name} is at its kink (argument 0) at the point; its "
                                    f"derivative there is taken as {'alpha' if kind is leaky_relu else 0}")
        for f in expr.atoms(maximum, minimum):
            tied = ties(type(f)(*[a.xreplace(values) for a in f.args], evaluate=False))
            if tied:
                written = ", ".join(str(a) for a in f.args)
                warnings.append(f"{'max' if isinstance(f, maximum) else 'min'}({written}) at the "
                                f"point{tie_words(f, tied)}")
    return warnings


def gradient_step(naming, problem, function, wrt, entries, expanded, point, shown) -> Update:
    eta = naming.learning_rate(getattr(problem, "notation", None))
    lr = eta if problem.update.lr is None else _rational(problem.update.lr)
    numbers = dict(point.values) if point else {}
    at = {line.lhs: line.value for line in point.lines} if point else {}
    lines, formulas, new = [], [], []
    rule = OPTIMIZERS[DEFAULT]  # update: is plain gradient descent
    for w, entry, base in zip(wrt, entries, expanded):
        d = naming.derivative(function, w)
        general = rule.form(w, eta, d)
        rate = lr if lr == eta else sp.Float(lr, PRECISION)  # printed as the decimal it is
        stepped = sp.Add(w, sp.Mul(-1, times(rate, show(entry, shown)), evaluate=False),
                         evaluate=False) if entry != 0 else w
        formulas.append((w, rule.step(w, lr, base)))
        if point is None:
            lines.append(Line(w, (general, stepped), relation="←"))
            continue
        value = evaluate(rule.step(numbers[w], lr, at[d]), {}, w.name, problem.spelling)
        new.append((w, value))
        put_in = {w: numbers[w], d: at[d]}
        if lr != eta:
            put_in[eta] = lr
        lines.append(Line(w, (general,), (), general, put_in, value, relation="←"))
    return Update(symbol=eta, lr=lr, lines=tuple(lines), formulas=tuple(formulas),
                  values=tuple(new) if point else None)


def _rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)
