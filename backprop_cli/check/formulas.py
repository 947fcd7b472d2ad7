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


@dataclass
class Formulas:
    slots: dict  # key -> FormulaSlot
    variables: dict  # written name -> its slot symbol
    points: list  # envs: written name -> float


def build_formulas(sol) -> Formulas | None:
    """The Jacobian's entries of a calculus solution, each evaluated at the points."""
    names = sol.names
    plain = lambda s: names[s].plain  # noqa: E731
    variables = {plain(v): slot_symbol(plain(v)) for v in sol.variables}
    points = []
    if sol.point is not None:
        points.append({plain(v): float(x) for v, x in sol.point.values})
    for p in range(_POINTS):
        points.append({name: _VALUES[(i * 3 + p) % len(_VALUES)]
                       for i, name in enumerate(variables)})
    rename = {v: variables[plain(v)] for v in sol.variables}
    slots = {}
    for i, row in enumerate(sol.expanded):
        for j, expr in enumerate(row):
            name = f"d{plain(sol.components[i])}/d{plain(sol.wrt[j])}"
            shown = expr.xreplace({v: sp.Symbol(plain(v)) for v in sol.variables})
            run = compile_float(expr.xreplace(rename))
            slots[f"derivatives.{name}"] = FormulaSlot(f"derivatives.{name}", name, str(shown),
                                                       [run(p) for p in points])
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
