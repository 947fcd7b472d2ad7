"""A calculus problem's Jacobian as the student writes it: formulas, read by the project's
safe parser (never sympify), and compared with the right ones by their values at the
problem's point and at a few fixed points, so that any correct way of writing one is right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..errors import SpecError
from .evaluate import compile_float, slot_symbol

#: The values the variables take at the fixed points: positive and away from 0 and 1, where
#: logs, quotients and square roots are defined and no two variables are equal.
_VALUES = (0.37, 1.21, 0.83, 1.57, 0.61, 1.93, 0.29, 1.11, 0.71, 1.43)
_POINTS = 4


@dataclass
class FormulaSlot:
    key: str  # 'derivatives.df1/dx'
    name: str  # 'df1/dx'
    text: str  # the right formula, as the JSON writes it
    values: list  # the right formula's value at each point (NaN: undefined there)
    mistakes: dict = None  # code -> the values a mistake gives at the points (a step's)


@dataclass
class Formulas:
    slots: dict  # key -> FormulaSlot
    variables: dict  # written name -> its slot symbol
    points: list  # envs: written name -> float


def build_formulas(sol) -> Formulas | None:
    """The Jacobian's entries of a calculus solution, each evaluated at the points."""
    names = sol.names
    plain = lambda s: names[s].plain  # noqa: E731
    update = sol.update
    symbols = list(sol.variables)
    if update is not None and not update.lr.is_number and update.symbol in names:
        symbols.append(update.symbol)  # a symbolic rate: eta in the step's formulas
    variables = {plain(v): slot_symbol(plain(v)) for v in symbols}
    points = []
    if sol.point is not None:
        points.append({plain(v): float(x) for v, x in sol.point.values})
    for p in range(_POINTS):
        points.append({name: _VALUES[(i * 3 + p) % len(_VALUES)]
                       for i, name in enumerate(variables)})
    rename = {v: variables[plain(v)] for v in symbols}
    shown = {v: sp.Symbol(plain(v)) for v in symbols}
    slots = {}

    def add(key: str, name: str, expr, old=None) -> None:
        run = compile_float(expr.xreplace(rename))
        values = [run(p) for p in points]
        slot = slots[key] = FormulaSlot(key, name, str(expr.xreplace(shown)), values, {})
        if old is not None:  # a step w - eta g: uphill, w + eta g; without the rate, w - g
            before = [compile_float(old.xreplace(rename))(p) for p in points]
            rate = [compile_float(update.lr.xreplace(rename))(p) for p in points]
            slot.mistakes["update_sign"] = [2 * w - v for w, v in zip(before, values)]
            slot.mistakes["no_learning_rate"] = [w - (w - v) / r if r else math.nan
                                                 for w, v, r in zip(before, values, rate)]

    for i, row in enumerate(sol.expanded):
        for j, expr in enumerate(row):
            name = f"d{plain(sol.components[i])}/d{plain(sol.wrt[j])}"
            add(f"derivatives.{name}", name, expr)
    if update is not None:  # the step as a formula, and its values where eta is a symbol
        at = dict(sol.point.values) if sol.point is not None else {}
        for w, f in update.formulas:
            add(f"update.formulas.{plain(w)}", plain(w), f, w)
        for w, v in update.values or ():
            if not v.is_number:
                add(f"update.values.{plain(w)}", plain(w), v, sp.sympify(at.get(w, w)))
    return Formulas(slots, variables, points)


def parse(text, formulas: Formulas, fail) -> list:
    """The student's formula's values at the points; `fail(message)` makes the error."""
    from ..formula import parse_formula
    from ..formula_syntax import FormulaError

    if isinstance(text, bool) or not isinstance(text, (str, int, float)) and \
            not hasattr(text, "denominator"):
        raise fail("must be a formula (text) or a number")
    try:
        expr = parse_formula(str(text) if isinstance(text, str) else str(float(text)),
                             formulas.variables).expr
    except (FormulaError, SpecError) as exc:
        raise fail(f"is not a formula backprop can read: {getattr(exc, 'reason', exc)}") from None
    run = compile_float(expr)
    return [run(p) for p in formulas.points]


def same(given: list, expected: list, close, scale: float = 1.0) -> bool:
    """The values agree (times `scale`) wherever the right formula is defined."""
    pairs = [(g, e * scale) for g, e in zip(given, expected) if math.isfinite(e)]
    return bool(pairs) and all(close(g, e) for g, e in pairs)


#: The mistakes a formula can be checked for, by the values it takes: code -> scales.
FORMULA_MISTAKES = (("sign", (-1.0,)), ("factor_2", (2.0, 0.5)))
