"""Activation functions as SymPy functions, with the derivatives a textbook uses.

SymPy has no sigmoid or ReLU, and its Heaviside(0) is 1/2; the conventions here are
PyTorch's: relu'(0) = 0, leaky_relu'(0) = alpha, |x|'(0) = 0, and a tie of n arguments
of max or min shares the derivative, 1/n each.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from sympy import Function, S


def _real_number(x):
    """x as a comparable real number, or None while it is symbolic."""
    if x.is_number and x.is_comparable:
        return x
    return None


GUARD_BITS = 64


def _argument(x, prec: int):
    """The argument of sigmoid or softplus as an mpf's tuple, or None while symbolic: evaluated
    once (a nest costs one evaluation per level), with GUARD_BITS more bits: sigma(x) and
    softplus(x) keep the relative precision of x less the bits of |x|, and every |x| whose
    sigma is within the range of values (bounds.py: 10^-10000) has fewer than 64."""
    value = x.evalf(mpmath.libmp.prec_to_dps(prec + GUARD_BITS))
    if not value.is_Float:
        return None
    return value._mpf_  # made an mpf inside the caller's workprec: mpf() rounds to the context


class sigmoid(Function):
    """The logistic function 1 / (1 + e^-x)."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Half

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))

    def _eval_evalf(self, prec):
        # The argument once, then mpmath (its exponent is unbounded, so sigma(-800) is tiny,
        # not an overflow). Not 1/(1 + exp(-x)) to SymPy's evalf: its sum retries at a
        # higher precision, each retry evaluating the argument again, so a nest of 35
        # sigmoids took 2^35 evaluations.
        x = _argument(self.args[0], prec)
        if x is None:
            return None  # symbolic or not real: leave it to SymPy
        with mpmath.workprec(prec + GUARD_BITS):
            value = 1 / (1 + mpmath.exp(-mpmath.mpf(x)))
        return sp.Float._new(value._mpf_, prec)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


#: SymPy's own tanh, here so that every activation a formula calls is functions.<name>.
tanh = sp.tanh


class step(Function):
    """The Iverson bracket [x > 0]: the derivative of ReLU, 0 at the kink."""

    @classmethod
    def eval(cls, x):
        v = _real_number(x)
        if v is not None:
            return S.One if v > 0 else S.Zero
        if x.is_positive:
            return S.One
        if x.is_nonpositive:
            return S.Zero

    def fdiff(self, argindex=1):
        return S.Zero

    def _eval_is_real(self):
        return True


class relu(Function):
    """max(x, 0), exact on rational arguments."""

    @classmethod
    def eval(cls, x):
        v = _real_number(x)
        if v is not None:
            return x if v > 0 else S.Zero
        if x.is_nonnegative:
            return x
        if x.is_nonpositive:
            return S.Zero

    def fdiff(self, argindex=1):
        return step(self.args[0])

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(x, 0)

    def _eval_is_real(self):
        return self.args[0].is_real


class leaky_relu(Function):
    """x for x > 0, alpha x otherwise (PyTorch's default alpha is 0.01)."""

    nargs = 2

    @classmethod
    def eval(cls, x, alpha):
        v = _real_number(x)
        if v is not None and alpha.is_number:
            return x if v > 0 else alpha * x

    def fdiff(self, argindex=1):
        x, alpha = self.args
        if argindex == 1:
            return step(x) + alpha * (1 - step(x))
        return x * (1 - step(x))

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(Function):
    """log(1 + e^x), whose derivative is the sigmoid."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.log(2)

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sp.log(1 + sp.exp(x))

    def _eval_evalf(self, prec):
        # log(1 + e^x) written so that neither end loses its digits: softplus(-800) is
        # e^-800 (log(1 + e^-800) would round 1 + e^-800 to 1 and give 0), softplus(800)
        # is 800 + log(1 + e^-800).
        x = _argument(self.args[0], prec)
        if x is None:
            return None  # symbolic or not real: leave it to SymPy
        with mpmath.workprec(prec + GUARD_BITS):
            x = mpmath.mpf(x)
            value = mpmath.log1p(mpmath.exp(x)) if x <= 0 else x + mpmath.log1p(mpmath.exp(-x))
        return sp.Float._new(value._mpf_, prec)

    def _eval_is_real(self):
        return self.args[0].is_real


class _IndexedCall:
    """f(k, z1, ..., zK), whose first argument k (counted from 1) picks one of the others:
    softmax's output k, the share of max or min that goes to argument k."""

    __slots__ = ()

    @property
    def index(self) -> int:
        """k, counted from 1."""
        return int(self.args[0])

    @property
    def arguments(self) -> tuple:
        """z1, ..., zK."""
        return self.args[1:]


class softmax(_IndexedCall, Function):
    """softmax(k, z1, ..., zK) = exp(z_k) / (exp(z1) + ... + exp(zK)), k counted from 1.

    Its derivative is the textbook one, written in softmax itself:
    d softmax_k / d z_j = softmax_k ([k = j] - softmax_j).
    """

    @classmethod
    def eval(cls, k, *z):
        if not (k.is_Integer and 1 <= int(k) <= len(z)):
            raise ValueError("softmax(k, z1, ..., zK) needs 1 <= k <= K")

    def fdiff(self, argindex=2):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        k, z = int(self.args[0]), self.args[1:]
        j = argindex - 1
        return self * (int(k == j) - softmax(j, *z))

    def _eval_rewrite_as_exp(self, k, *z, **kwargs):
        return sp.exp(z[int(k) - 1]) / sp.Add(*[sp.exp(v) for v in z])

    def _eval_evalf(self, prec):
        # exp(z_k - max z) keeps the terms small; mpmath would not overflow anyway.
        k, z = int(self.args[0]), self.args[1:]
        if not all(v.is_number and v.is_comparable for v in z):
            return None
        top = max(z, key=lambda v: v.evalf(30))
        shifted = sp.exp(z[k - 1] - top) / sp.Add(*[sp.exp(v - top) for v in z])
        return shifted._eval_evalf(prec)

    def _eval_is_real(self):
        return all(v.is_real for v in self.args[1:]) or None

    def _eval_is_positive(self):
        return all(v.is_real for v in self.args[1:]) or None


class _Selection(Function):
    """max or min of two or more arguments, exact on rational arguments."""

    pick = staticmethod(max)

    @classmethod
    def eval(cls, *args):
        if len(args) < 2:
            raise ValueError(f"{cls.__name__} needs two or more arguments")
        values = [_real_number(a) for a in args]
        if all(v is not None for v in values):
            return args[values.index(cls.pick(values))]

    def fdiff(self, argindex=1):
        return self.share(argindex, *self.args)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None


class _Share(_IndexedCall, Function):
    """The derivative of max (min) in its argument k (from 1): PyTorch's subgradient. 1
    for the argument that wins, 0 for the others; on a tie of n arguments each has 1/n,
    as torch.amax and torch.amin over the stacked arguments give (torch.maximum and
    torch.minimum give two tied arguments 1/2 each, the same)."""

    pick = staticmethod(max)

    @classmethod
    def eval(cls, k, *args):
        values = [_real_number(a) for a in args]
        if all(v is not None for v in values):
            best = cls.pick(values)
            winners = [i for i, v in enumerate(values, start=1) if v == best]
            return S.One / len(winners) if int(k) in winners else S.Zero

    def fdiff(self, argindex=1):
        return S.Zero

    def _eval_is_real(self):
        return True


class max_share(_Share):
    """∂ max(a₁, ..., aₙ)/∂a_k, written [a_k = max(a₁, ..., aₙ)]."""


class min_share(_Share):
    """∂ min(a₁, ..., aₙ)/∂a_k, written [a_k = min(a₁, ..., aₙ)]."""

    pick = staticmethod(min)


class maximum(_Selection):
    """max(a₁, ..., aₙ), a formula's max."""

    share = max_share


class minimum(_Selection):
    """min(a₁, ..., aₙ), a formula's min."""

    pick = staticmethod(min)
    share = min_share


def ties(selection) -> list[int]:
    """The arguments (from 1) of a max or min with numbers that share its value, when
    more than one does: where its derivative is split."""
    values = [_real_number(a) for a in selection.args]
    if any(v is None for v in values):
        return []
    best = type(selection).pick(values)
    winners = [i for i, v in enumerate(values, start=1) if v == best]
    return winners if len(winners) > 1 else []


def tie_words(selection, tied: list[int]) -> str:
    """What a warning says of a tie of `selection` (ties()), after naming it."""
    which = "largest" if isinstance(selection, maximum) else "smallest"
    torch = "torch.maximum and torch.amax" if isinstance(selection, maximum) else \
        "torch.minimum and torch.amin"
    numbers = ", ".join(str(k) for k in tied[:-1]) + f" and {tied[-1]}"
    return (f" is at a tie: its arguments {numbers} share the {which} value, where the "
            f"derivative is undefined; it is split evenly, 1/{len(tied)} to each (the "
            f"PyTorch convention, as {torch} do)")


def _share_elementary(k, *args, beats):
    """A share in Piecewise, Heaviside and Eq: Heaviside(a − b, 1/2) for two arguments."""
    k = int(k)
    own = args[k - 1]
    others = [a for i, a in enumerate(args, start=1) if i != k]
    if len(others) == 1:
        difference = own - others[0] if beats is sp.StrictGreaterThan else others[0] - own
        return sp.Heaviside(difference, S.Half)
    tied = 1 + sp.Add(*[sp.Piecewise((1, sp.Eq(a, own)), (0, True)) for a in others])
    return sp.Piecewise((0, sp.Or(*[beats(a, own) for a in others])), (1 / tied, True))


#: Elementary rewrites, so that a formula printed for programs reads back with plain sympify.
ELEMENTARY = {
    sigmoid: lambda x: 1 / (1 + sp.exp(-x)),
    relu: lambda x: sp.Max(x, 0, evaluate=False),  # evaluated, Max factors its argument
    step: lambda x: sp.Heaviside(x, 0),
    leaky_relu: lambda x, a: sp.Piecewise((x, x > 0), (a * x, True)),
    softplus: lambda x: sp.log(1 + sp.exp(x)),
    softmax: lambda k, *z: sp.exp(z[int(k) - 1]) / sp.Add(*[sp.exp(v) for v in z]),
    maximum: lambda *a: sp.Max(*a, evaluate=False),
    minimum: lambda *a: sp.Min(*a, evaluate=False),
    max_share: lambda k, *a: _share_elementary(k, *a, beats=sp.StrictGreaterThan),
    min_share: lambda k, *a: _share_elementary(k, *a, beats=sp.StrictLessThan),
}


def to_elementary(expr: sp.Expr) -> sp.Expr:
    """Replace this module's functions by SymPy built-ins with the same values."""
    return expr.replace(
        lambda e: type(e) in ELEMENTARY, lambda e: ELEMENTARY[type(e)](*e.args)
    )
