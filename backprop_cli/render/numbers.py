"""Numbers for display: N significant digits, trailing zeros dropped, never computed with.

Values arrive exact (Rational) or with 50 digits (Float); this is the only place they are
rounded, and only for printing.
"""

from __future__ import annotations

from dataclasses import dataclass
import decimal
from decimal import Decimal, localcontext

import mpmath
import sympy as sp


@dataclass(frozen=True)
class Shown:
    """A number ready to print: `mantissa` times 10**exponent (exponent None: no power)."""

    mantissa: str  # without the sign
    exponent: int | None
    negative: bool


def to_decimal(value) -> Decimal:
    value = sp.sympify(value) if not isinstance(value, sp.Basic) else value
    with localcontext() as ctx:
        ctx.prec = 60
        if value.is_Integer:
            return Decimal(int(value))
        if value.is_Rational:
            return Decimal(int(value.p)) / Decimal(int(value.q))
        if value.is_Float and value.is_finite:
            # The Float's binary value, rounded once to 60 digits (through str() it was
            # rounded to 55 digits first: the same printed digits, at twice the cost).
            sign, mantissa, exponent, _ = value._mpf_
            number = Decimal(-mantissa if sign else mantissa)
            return number * (Decimal(2) ** exponent) if exponent >= 0 else \
                number / (Decimal(2) ** -exponent)
        return Decimal(str(sp.Float(value, 55)))


def _shown_far(value, digits: int) -> Shown:
    """A value whose decimal exponent Decimal cannot hold, rounded with mpmath, which
    keeps any exponent: the mantissa to `digits` digits and the power of ten."""
    rough = abs(int(mpmath.log10(abs(mpmath.mpf(sp.Float(value, 15)._mpf_)))))
    # the exponent's own digits are needed too, or the mantissa is off by powers of ten
    with mpmath.workdps(digits + 10 + len(str(rough))):
        number = mpmath.mpf(sp.Float(value, mpmath.mp.dps)._mpf_)
        negative, number = number < 0, abs(number)
        exponent = int(mpmath.floor(mpmath.log10(number)))
        mantissa = number / mpmath.power(10, exponent)
        if mantissa >= 10:  # log10 rounded down across a power of ten
            mantissa, exponent = mantissa / 10, exponent + 1
        text = mpmath.nstr(mantissa, digits, strip_zeros=True, min_fixed=-1, max_fixed=2)
    if text.startswith("10"):  # 9.99995 rounded up to 10
        text, exponent = "1", exponent + 1
    return Shown(_trim(text), exponent, bool(negative))


_SHOWN: dict = {}  # (exact key of the value, digits) -> Shown


def shown(value, digits: int) -> Shown:
    """Round `value` to `digits` significant digits for printing.

    Remembered per exact value (a Float's binary digits and precision, a fraction's
    numerator and denominator): a network's worked lines print the same numbers many
    times (each weight and activation in every line that uses it), and rounding through
    Decimal was a tenth of the JSON output's time for a 64-64-10 network."""
    value = sp.sympify(value) if not isinstance(value, sp.Basic) else value
    if value.is_Float:
        key = ("F", value._mpf_, value._prec, digits)
    elif value.is_Rational:
        key = ("Q", value.p, value.q, digits)
    else:
        return _shown(value, digits)
    result = _SHOWN.get(key)
    if result is None:
        if len(_SHOWN) > 100_000:
            _SHOWN.clear()
        result = _SHOWN[key] = _shown(value, digits)
    return result


def _shown(value, digits: int) -> Shown:
    if value.is_Integer and abs(value) < 10**15:
        return Shown(str(abs(int(value))), None, value < 0)
    try:
        number = to_decimal(value)
    except decimal.Overflow:  # beyond 10^±999999 (σ′(1e30) = e^(-1e30)): in mpmath instead
        return _shown_far(value, digits)
    if number == 0:
        return Shown("0", None, False)
    negative = number < 0
    number = abs(number)
    with localcontext() as ctx:  # a tie rounds up, as by hand: 2.78125 -> 2.7813, not 2.7812
        ctx.rounding = decimal.ROUND_HALF_UP
        mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
        exponent = int(exponent)
        if -5 < exponent < max(digits, 6):
            decimals = max(digits - 1 - exponent, 0)
            text = f"{number:.{decimals}f}"
            return Shown(_trim(text), None, negative)
    return Shown(_trim(mantissa), exponent, negative)


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def plain(value, digits: int) -> str:
    """A number as plain ASCII text: -1.2346e-05, 0.78751."""
    s = shown(value, digits)
    text = s.mantissa + (f"e{s.exponent:+03d}" if s.exponent is not None else "")
    return ("-" if s.negative else "") + text
