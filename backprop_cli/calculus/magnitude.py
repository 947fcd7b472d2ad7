"""Refuse values too large to compute, before SymPy tries and never returns.

exp(exp(exp(10))) is e^(10^9565): SymPy's evalf (and mpmath under it) would work at
ever higher precision without end, and 10**y at y = 1e300 is exact integer arithmetic on
a number with 10^300 digits. The expression is walked bottom-up at 15 digits first; an
exponential of an argument beyond MAX_ARGUMENT or a power beyond MAX_BITS bits is an
input error, reported like any other.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from ..errors import EvaluationError
from ..functions import leaky_relu, relu, sigmoid, softplus, step
from .softmax import softmax

MAX_ARGUMENT = 10**5  # e^100000 is about 10^43429: still quick to compute
MAX_BITS = 10**6
_MP = mpmath.MPContext()
_MP.dps = 15


def check_magnitude(expr: sp.Expr, values: dict, what: str, spelling) -> None:
    """Raise EvaluationError if `expr` at `values` is too large to compute, naming the
    point as `spelling` (the problem's source) writes it."""
    try:
        _estimate(expr, values)
    except _TooLarge as exc:
        raise EvaluationError(f"{what} is too large to compute at the point ({exc.detail}); "
                              f"use smaller values {spelling.within('at')} (or smaller numbers "
                              f"in the formula)", field=spelling.field(("at",))) from None


class _TooLarge(Exception):
    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail  # what is too large: "the exponential of 9.39e+9565"


def _fail(detail: str):
    raise _TooLarge(detail)


def _estimate(expr, values):
    """An mpf estimate of the value, or None where it is unknown (no check above it)."""
    if expr in values:
        return _estimate(values[expr], {})
    if expr.is_Number:
        return _MP.mpf(float(expr)) if not expr.is_Rational else _MP.mpf(int(expr.p)) / int(expr.q)
    args = [_estimate(a, values) for a in expr.args]
    if any(a is None for a in args) or not args:
        return None
    try:
        return _apply(expr, args)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None


def _apply(expr, args):
    if expr.is_Add:
        return _MP.fsum(args)
    if expr.is_Mul:
        return _MP.fprod(args)
    if expr.is_Pow:
        base, exponent = args
        if base != 0 and abs(exponent) * abs(_MP.log(abs(base), 2)) > MAX_BITS:
            _fail("a power with more than a million bits")
        return _MP.power(base, exponent)
    exponential = {sp.exp: 1, sigmoid: -1, softplus: 1}
    for kind, sign in exponential.items():
        if isinstance(expr, kind):
            if abs(args[0]) > MAX_ARGUMENT:
                _fail(f"the exponential of {_MP.nstr(args[0], 3)}")
            e = _MP.exp(sign * args[0])
            return {sp.exp: e, sigmoid: 1 / (1 + e), softplus: _MP.log(1 + e)}[kind]
    if isinstance(expr, softmax):
        if any(abs(a) > MAX_ARGUMENT for a in args[1:]):
            _fail("the exponential of a softmax argument")
        exps = [_MP.exp(a) for a in args[1:]]
        return exps[int(args[0]) - 1] / _MP.fsum(exps)
    simple = {sp.log: _MP.log, sp.tanh: _MP.tanh, sp.Abs: abs, sp.sign: _MP.sign,
              relu: lambda x: max(x, 0), step: lambda x: 1 if x > 0 else 0,
              leaky_relu: lambda x, a: x if x > 0 else a * x}
    for kind, f in simple.items():
        if isinstance(expr, kind):
            return f(*args)
    return None
