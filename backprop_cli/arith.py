"""Values of the commonest expressions without SymPy's arithmetic: a fast path for `numeric`.

Most of a dense network's values are sums and products of fractions (z = w1 a1 + ... + b,
a gradient δ a) and of a few activations (tanh(r), σ(r)). SymPy builds, simplifies and
`evalf`s a tree for each, after `bounds.check` has estimated it: most of the engine's time
for a 64-64-10 network. Here the same values are computed directly: exactly with Python's
fractions while the arithmetic is exact (so the Rational is the one SymPy gives), and with
mpmath at GUARD_BITS above PRECISION digits once an activation makes them inexact.

Nothing doubtful is tried. Anything else returns None and `numeric.evaluate` takes it
with its bounds, its rewrites for saturated units and its messages: a symbol without a
value, a Float shorter than PRECISION, a power that is not an integer, a division by
zero, the log of a number that is not positive, a fraction longer than bounds allows an
exact power, an argument beyond ±MAX_ARGUMENT, a sum that cancels more than
GUARD_BITS / 2 bits, and the forms SymPy itself evaluates exactly (σ(0) = 1/2,
log(e^r) = r, h1 / h2 with equal values).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from .bounds import MAX_EXACT_BITS
from .functions import leaky_relu, relu, sigmoid, softplus, step

PRECISION = 90  # digits kept for inexact values: 50 promised, guard digits for 1 - sigma(z)
GUARD_BITS = 64  # worked with beyond PRECISION's bits; a sum may cancel half of them
MAX_ARGUMENT = 700  # exp, tanh, σ, softplus of larger arguments: left to numeric.evaluate
BITS = sp.Float(1, PRECISION)._prec
_WORK = BITS + GUARD_BITS
_SMOOTH = (sp.tanh, sigmoid, sp.exp, softplus, sp.log)
_PIECEWISE = (relu, step, leaky_relu, sp.Abs)


class _Outside(Exception):
    """Not for the fast path: `numeric.evaluate` takes it."""


def value(expr: sp.Expr, env: dict, memo: dict | None = None) -> sp.Expr | None:
    """`expr` with `env` (Symbol -> number, or a closed form like tanh(r)) put in: the
    Rational SymPy would give, or a Float of PRECISION digits; None when not for here.
    `memo` keeps the symbols' values between calls with the same `env` (a tanh unit's
    value is used by every unit of the next layer)."""
    try:
        with mpmath.workprec(_WORK):
            result = _Evaluator(env, memo).value(expr)
    except _Outside:
        return None
    return _number(result)


def combination(pairs: list, env: dict, memo: dict | None = None) -> sp.Expr | None:
    """value(Σ c·e, env) for (c, e) in `pairs`, c a number, without building the sum. A
    Float c (a computed adjoint) is inexact, and so is what is computed from it."""
    try:
        with mpmath.workprec(_WORK):
            evaluator = _Evaluator(env, memo)
            result = _sum([_product([evaluator.value(c), evaluator.value(e)]) for c, e in pairs])
    except _Outside:
        return None
    return _number(result)


def descent(old: sp.Expr, lr: sp.Expr, gradient: sp.Expr) -> sp.Expr | None:
    """old - lr * gradient, for numbers: a gradient-descent step, rounded once (SymPy
    rounds twice, in the last of PRECISION's digits); None when any of them is symbolic."""
    try:
        with mpmath.workprec(_WORK):
            evaluator = _Evaluator({}, None)
            step = _product([-evaluator.value(lr), evaluator.value(gradient)])
            result = _sum([evaluator.value(old), step])
    except _Outside:
        return None
    return _number(result)


class _Evaluator:
    """Values, and the closed forms f(r) SymPy would see once the values are put in, where
    its automatic simplification could make an inexact value exact; arith cannot follow
    that, so it leaves them to SymPy: a form that occurs twice (h1 - h2 + 1, or (x + h1) /
    h2 at x = 0, with h1 = h2 = tanh(r)), a function of a form (log(e^r) = r, and
    tanh(log r) is rational), and a product of two exponentials (e^r e^-r = 1)."""

    def __init__(self, env: dict, memo: dict | None):
        self.env = env
        self.memo = {} if memo is None else memo  # Symbol -> (value, forms it holds)
        self.forms: list = []  # the forms met so far, in order
        self.seen: set = set()

    def note(self, form) -> None:
        if form in self.seen:
            raise _Outside
        self.seen.add(form)
        self.forms.append(form)

    def value(self, expr):
        """A Fraction (exact) or an mpf (inexact) at the working precision."""
        if expr.is_Symbol:
            entry = self.memo.get(expr)
            if entry is None:
                known = self.env.get(expr)
                if known is None or known.free_symbols:
                    raise _Outside
                outer = self.forms, self.seen
                self.forms, self.seen = [], set()
                try:
                    entry = self.memo[expr] = (self.value(known), tuple(self.forms))
                finally:
                    self.forms, self.seen = outer
            for form in entry[1]:
                self.note(form)
            return entry[0]
        if expr.is_Rational:
            return _fraction(expr)
        if expr.is_Float:
            if expr._prec < BITS:
                raise _Outside  # SymPy computes with a short Float at its own precision
            return _inexact(mpmath.mpf(expr._mpf_))
        if expr.is_Add:
            return _sum([self.value(a) for a in expr.args])
        if expr.is_Mul:
            values, exponentials = [], 0
            for a in expr.args:
                start = len(self.forms)
                values.append(self.value(a))
                exponentials += any(f[0] is sp.exp for f in self.forms[start:])
            if exponentials > 1:
                raise _Outside
            return _product(values)
        if expr.is_Pow:
            return self.power(expr)
        if isinstance(expr, _SMOOTH):
            return self.smooth(expr)
        if isinstance(expr, _PIECEWISE):
            return self.piecewise(expr)
        raise _Outside  # E, pi, another function: SymPy's own rules apply

    def power(self, expr):
        if not expr.exp.is_Integer:
            raise _Outside
        power = int(expr.exp)
        base = self.value(expr.base)
        if isinstance(base, Fraction):
            if not (expr.base.is_Symbol or expr.base.is_Rational):
                raise _Outside  # bounds.check bounds an exact power by an estimate of its base
            bits = base.numerator.bit_length() + base.denominator.bit_length()
            if base == 0 and power < 0 or bits * max(abs(power), 1) > MAX_EXACT_BITS:
                raise _Outside
            return _checked(base ** power)
        if abs(power) > 64 or base == 0:
            raise _Outside
        return _inexact(base ** power)

    def smooth(self, expr):
        start = len(self.forms)
        x = self.value(expr.args[0])
        if len(self.forms) > start:
            raise _Outside  # a function of a form: SymPy may simplify it (log e^r = r)
        if x == 0 or abs(x) > MAX_ARGUMENT:
            raise _Outside  # σ(0) = 1/2, tanh 0 = 0, e^0 = 1: SymPy keeps them exact
        self.note((type(expr), x))
        if isinstance(expr, sp.log) and isinstance(x, Fraction) and x > 0 and x != 1 \
                and abs(x - 1) < Fraction(1, 2 ** (GUARD_BITS // 2)):
            raise _Outside  # exactly near 1: its working-precision copy would lose it
        x = _mpf(x)
        if isinstance(expr, sp.log):
            # log is ill-conditioned near 1 (log(tanh 37) = -1.5e-32 keeps only the
            # digits of tanh 37 beyond its 32nd): SymPy raises its precision for those
            if x <= 0 or x == 1 or mpmath.mag(x - 1) < -GUARD_BITS // 2:
                raise _Outside
            return _inexact(mpmath.log(x))
        if isinstance(expr, sp.tanh):
            return _inexact(mpmath.tanh(x))
        if isinstance(expr, sigmoid):
            return _inexact(1 / (1 + mpmath.exp(-x)))
        if isinstance(expr, softplus):
            return _inexact(x + mpmath.log1p(mpmath.exp(-x)) if x > 0 else mpmath.log1p(mpmath.exp(x)))
        return _inexact(mpmath.exp(x))

    def piecewise(self, expr):
        """ReLU, [x > 0], leaky ReLU and |x|, as SymPy evaluates them: ReLU of x <= 0 and
        the bracket are exact (0 or 1) even when x is not."""
        x = self.value(expr.args[0])
        if isinstance(expr, relu):
            return x if x > 0 else Fraction(0)
        if isinstance(expr, step):
            return Fraction(1 if x > 0 else 0)
        if isinstance(expr, sp.Abs):
            return abs(x)
        if x > 0:
            return x
        return _product([self.value(expr.args[1]), x])


def _sum(values: list):
    if len(values) == 1:
        return values[0]
    exact = [v for v in values if isinstance(v, Fraction)]
    inexact = [v for v in values if not isinstance(v, Fraction)]
    total = _checked(sum(exact, Fraction(0)))
    if not inexact:
        return total
    parts = inexact + ([_mpf(total)] if total else [])
    result = mpmath.fsum(parts)
    largest = max(mpmath.mag(p) for p in parts)
    if result == 0 or mpmath.mag(result) < largest - GUARD_BITS // 2:
        raise _Outside  # cancelled: SymPy's evalf raises its precision until it is right
    return _inexact(result)


def _product(values: list):
    if any(isinstance(v, Fraction) and v == 0 for v in values):
        return Fraction(0)  # SymPy: 0 times anything finite is exactly 0
    exact = Fraction(1)
    inexact = []
    for v in values:
        if isinstance(v, Fraction):
            exact = _checked(exact * v)
        else:
            inexact.append(v)
    if not inexact:
        return exact
    return _inexact(mpmath.fprod(inexact + ([_mpf(exact)] if exact != 1 else [])))


def _number(result) -> sp.Expr:
    if isinstance(result, Fraction):
        return sp.Rational(result.numerator, result.denominator)
    # sp.Float(result, PRECISION), without its parsing of the precision and the value
    return sp.Float._new(mpmath.libmp.mpf_pos(result._mpf_, BITS, mpmath.libmp.round_nearest), BITS)


def _fraction(number) -> Fraction:
    return _checked(Fraction(int(number.p), int(number.q)))


_MPF: dict = {}  # Fraction -> mpf at the working precision: inputs and rates recur


def _mpf(x):
    if not isinstance(x, Fraction):
        return x
    result = _MPF.get(x)
    if result is None:
        if len(_MPF) > 10_000:
            _MPF.clear()
        result = _MPF[x] = mpmath.mpf(x.numerator) / x.denominator
    return result


def _checked(number: Fraction) -> Fraction:
    """Refuse fractions longer than bounds lets an exact power be: far below its 10^±10000
    limit on any value, so nothing bounds refuses can pass here."""
    if number.numerator.bit_length() > MAX_EXACT_BITS or number.denominator.bit_length() > MAX_EXACT_BITS:
        raise _Outside
    return number


def _inexact(x):
    """Keep inexact values well inside a double's range of exponents and bounds' limits."""
    if x != 0 and not -2000 < mpmath.mag(x) < 2000:
        raise _Outside
    return x
