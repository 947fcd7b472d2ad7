"""Cheap bounds, checked before SymPy computes a number, so that no spec can make it hang.

SymPy computes exact powers as soon as it sees them (9**(9**9) has 370 million digits)
and mpmath works at whatever precision an argument asks for (exp of a number with a
thousand digits needs a thousand-digit logarithm of 2). Before the engine computes a
value, `check` estimates every part of it at low precision and refuses a part outside
10**-MAX_DIGITS ... 10**MAX_DIGITS in size; it also says whether exact fractions stay
small enough (MAX_EXACT_BITS) for a power to be computed exactly, or should be computed
as decimals.
"""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager

import mpmath
import sympy as sp

from .functions import leaky_relu, relu, sigmoid, softplus, step


@contextmanager
def long_integers():
    """While backprop works, no limit on converting exact integers to and from text.

    SymPy turns exact integers into text all the time (Float(Rational), every printer),
    and Python refuses integers over 4300 digits there by default, a guard against
    quadratic parsing of untrusted text: an exact 10^4500, well inside the values allowed
    here, crashed the printer. Untrusted text never reaches int() unbounded (the YAML
    reader takes at most 300 digits a number; values are bounded below), so the guard is
    lifted for the work and put back after."""
    previous = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    if previous is None:  # Python before 3.11 has no such limit
        yield
        return
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


MAX_DIGITS = 10_000  # every value computed is 0 or between 10**-MAX_DIGITS and 10**MAX_DIGITS
MAX_EXACT_BITS = 20_000  # larger exact fractions are computed to PRECISION digits instead
LOG_LIMIT = MAX_DIGITS * math.log(10)  # exp(LOG_LIMIT) = 10**MAX_DIGITS
_WORKING_BITS = 96
_MAX_BITS = int(MAX_DIGITS * math.log2(10))
_MAX_ARGUMENT = mpmath.mpf(10) ** 100

_EXPONENTIAL = (sp.exp, sigmoid, softplus, sp.tanh)


class OutOfRange(Exception):
    """A part of a value is too large (or too small) to compute with."""

    def __init__(self, part: sp.Expr, reason: str):
        super().__init__(reason)
        self.part = part
        self.reason = reason


def check(expr: sp.Expr, env: dict) -> bool:
    """Raise OutOfRange for the first part of `expr` (with `env` put in) beyond the limits;
    return whether every exact fraction in it stays within MAX_EXACT_BITS."""
    estimator = _Estimator(env)
    with mpmath.workprec(_WORKING_BITS):
        estimator.walk(expr)
    return not estimator.too_exact


class _Estimator:
    def __init__(self, env: dict):
        self.env = env
        self.seen: dict = {}  # part -> (estimate or None, exact bits or None)
        self.too_exact = False

    def walk(self, expr):
        if expr in self.seen:
            return self.seen[expr]
        if expr.is_Symbol:
            result = self.walk(self.env[expr]) if expr in self.env else (None, None)
        else:
            result = self.estimate(expr)
        estimate, bits = result
        if estimate is not None and estimate != 0:
            size = mpmath.mag(estimate)  # |estimate| < 2**size, and cheap
            if size > _MAX_BITS:
                raise OutOfRange(expr, f"is more than 10^{MAX_DIGITS} in size")
            if size < -_MAX_BITS:
                raise OutOfRange(expr, f"is less than 10^-{MAX_DIGITS} in size (but not 0)")
        self.seen[expr] = result
        return result

    def estimate(self, expr):
        """(a low-precision value or None when unknown, bits of the exact value or None)."""
        if expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            return mpmath.mpf(p) / q, p.bit_length() + q.bit_length()
        if expr.is_Float:
            return mpmath.mpf(expr._mpf_), None
        if expr.is_number and expr.is_Atom:  # E, pi, or undefined (zoo, nan): left to SymPy
            value = expr.evalf(20)
            return (mpmath.mpf(value._mpf_), None) if value.is_Float else (None, None)
        parts = [self.walk(a) for a in expr.args]
        values = [v for v, _ in parts]
        bits = [b for _, b in parts]
        known = all(v is not None for v in values)
        exact = None if any(b is None for b in bits) else sum(bits) + len(bits)
        if expr.is_Add:
            return (mpmath.fsum(values) if known else None), exact
        if expr.is_Mul:
            return (mpmath.fprod(values) if known else None), exact
        if expr.is_Pow:
            return self.power(expr, values[0], values[1], bits[0], bits[1])
        if isinstance(expr, _EXPONENTIAL):
            x = values[0]
            if x is None:
                return None, None
            # exp is beyond the range past ±LOG_LIMIT; sigmoid and softplus only below
            # -LOG_LIMIT (above, sigmoid is 1 and softplus is x; 1 - sigmoid(x) = sigmoid(-x)
            # is computed without forming e^x); tanh is ±1 either way. Past ±1e100 even the
            # exponent of e^-x is too long to print.
            if abs(x) > _MAX_ARGUMENT or (x < -LOG_LIMIT and not isinstance(expr, sp.tanh)) \
                    or (x > LOG_LIMIT and isinstance(expr, sp.exp)):
                raise OutOfRange(expr, f"has the argument {mpmath.nstr(x, 3)}, too large to "
                                       f"compute with (values must stay within 10^±{MAX_DIGITS})")
            if isinstance(expr, sp.exp):
                return mpmath.exp(x), None
            if isinstance(expr, sigmoid):
                return (1 / (1 + mpmath.exp(-x)) if x < LOG_LIMIT else mpmath.mpf(1)), None
            if isinstance(expr, softplus):
                return (mpmath.log1p(mpmath.exp(x)) if x < LOG_LIMIT else x), None
            return (mpmath.tanh(x) if abs(x) < LOG_LIMIT else mpmath.sign(x)), None
        if not known:
            return None, None
        x = values[0]
        if isinstance(expr, sp.log):
            return (mpmath.log(x) if x > 0 else None), None
        if isinstance(expr, (sp.Abs, relu, leaky_relu, step, sp.sign)):
            if isinstance(expr, sp.Abs):
                return abs(x), exact
            if isinstance(expr, relu):
                return max(x, 0), exact
            if isinstance(expr, leaky_relu):
                return (x if x > 0 else values[1] * x), exact
            return mpmath.mpf(1 if x > 0 else 0 if isinstance(expr, step) else -1 if x < 0 else 0), 2
        return None, None  # anything else: its parts are checked; SymPy computes it

    def power(self, expr, base, exponent, base_bits, exponent_bits):
        bits = None
        if base_bits is not None and exponent_bits is not None and exponent is not None:
            # Exact powers are computed digit by digit: bound their size first. (Sums and
            # products of exact fractions grow only as fast as their parts: no limit.)
            bits = base_bits * max(int(mpmath.ceil(abs(exponent))), 1)
            if bits > MAX_EXACT_BITS:
                self.too_exact = True
        if base is None or exponent is None:
            return None, bits
        if base == 0:
            return (mpmath.mpf(0) if exponent > 0 else None), bits
        if base < 0 and not mpmath.isint(exponent):
            return None, bits  # not real: SymPy says so
        size = exponent * mpmath.log(abs(base))
        if size > LOG_LIMIT:
            raise OutOfRange(expr, f"is more than 10^{MAX_DIGITS} in size")
        if size < -LOG_LIMIT:
            raise OutOfRange(expr, f"is less than 10^-{MAX_DIGITS} in size (but not 0)")
        value = mpmath.exp(size)
        if base < 0 and int(exponent) % 2:
            value = -value
        return value, bits
