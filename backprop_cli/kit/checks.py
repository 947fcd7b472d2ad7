"""Is a drawn variant a fair problem? Each check reads the engine's solution and says why
not, as a short reason the variants command counts ("a ReLU on its kink").

- **kink**: a ReLU, leaky ReLU, step or |·| whose argument is within KINK of 0 in any
  pass, or a max or min whose two largest (smallest) arguments are within KINK (the engine warns only at exactly 0; near it, a student's rounding decides the
  side).
- **saturated unit**: a sigmoid or tanh whose slope is under SLOPE of its steepest
  (|z| > 4.4 for σ, |z| > 2.2 for tanh): its gradient is a rounding error by hand.
- **saturated loss**: a log whose argument is under LOG_FLOOR (ŷ near 0 or 1 in a
  cross-entropy).
- **tiny answer**: an asked number that is not 0 but under TINY in size: Canvas rounds
  answers to 4 decimals, so it would take 0; scale the problem.
- **unstable** (reachable by hand): a student carries the shown digits (5 significant),
  so each of their numbers is off by up to half a unit in the fifth digit. The variant
  is solved again with every given number moved by that much (RELATIVE, signs drawn
  from the variant's own stream); an asked answer that moves by more than half of
  the quiz tolerance (tolerance() below) depends on digits a student does not have.
"""

from __future__ import annotations

import sympy as sp

from ..functions import leaky_relu, relu, sigmoid, step

KINK = 1e-3
SLOPE = 0.05
LOG_FLOOR = 1e-2
TINY = 1e-4
RELATIVE = 5e-5
#: the quiz's tolerance: RTOL of the answer, and never under ATOL (an answer of 0)
RTOL = 0.01
ATOL = 1e-4

_KINKS = (relu, leaky_relu, step, sp.Abs)
_SATURATING = (sigmoid, sp.tanh)


def tolerance(value: float) -> float:
    return max(RTOL * abs(value), ATOL)


def unfair(result) -> str | None:
    """The first reason the engine's solution is not a fair problem, or None."""
    if getattr(result, "kind", "graph") == "calculus":  # its point on a kink or a tie warns
        return "a point on a kink or a tie" if result.warnings else None
    scalar = getattr(result, "scalar", result)  # the layered form: its scalar solution
    if scalar is None or not hasattr(scalar, "passes"):
        return None
    nodes = scalar.graph.nodes
    for current in scalar.passes:
        for sample in current.samples:
            env = {**sample.given, **current.params, **sample.values}
            for node in nodes:
                reason = _node_reason(node.expr, env)
                if reason:
                    return reason
    return None


def _node_reason(expr, env: dict) -> str | None:
    for atom in expr.atoms(sp.Max, sp.Min):  # a max or min where two arguments tie
        values = sorted(v for v in (_number(a, env) for a in atom.args) if v is not None)
        pick = values[-2:] if isinstance(atom, sp.Max) else values[:2]
        if len(pick) == 2 and abs(pick[1] - pick[0]) < KINK:
            return f"a {type(atom).__name__.lower()} on its kink (two arguments tie)"
    for atom in expr.atoms(*_KINKS, *_SATURATING, sp.log):
        z = _number(atom.args[0], env)
        if z is None:
            continue
        if isinstance(atom, _KINKS) and abs(z) < KINK:
            name = "|x|" if isinstance(atom, sp.Abs) else type(atom).__name__
            return f"a {name} on its kink"
        if isinstance(atom, sigmoid):
            s = 1 / (1 + _exp(-z))
            if s * (1 - s) < SLOPE * 0.25:
                return "a saturated sigmoid"
        if isinstance(atom, sp.tanh) and abs(z) > 2 and 1 - _tanh(z) ** 2 < SLOPE:
            return "a saturated tanh"
        if isinstance(atom, sp.log) and z < LOG_FLOOR:
            return "a saturated loss (log of almost 0)"
    return None


def _number(expr, env: dict) -> float | None:
    value = expr.xreplace(env)
    if not value.is_number:
        return None
    try:
        return float(value)
    except TypeError:  # complex: not ours to judge
        return None


def _exp(x: float) -> float:
    import math

    return math.exp(min(x, 700.0))


def _tanh(x: float) -> float:
    import math

    return math.tanh(x)


def tiny(answers: list) -> str | None:
    """An asked number under TINY in size but not 0 (entries: (key, number))."""
    for key, value in answers:
        if value and abs(value) < TINY:
            return "an answer under 1e-4 (a quiz rounds it to 0)"
    return None


def unstable(answers: list, moved: dict) -> str | None:
    """An asked number that moves by more than half its tolerance when the given
    numbers move by RELATIVE (`moved`: key -> the number so solved)."""
    for key, value in answers:
        other = moved.get(key)
        if other is None or abs(other - value) > tolerance(value) / 2:
            return "an answer a student cannot reach at the shown digits"
    return None
