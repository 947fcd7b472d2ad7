"""How each given number is redrawn: the spec's `variants:` block, or the default.

    variants:
      w0: {range: [-2, 2], decimals: 1}   # this parameter (every entry of a matrix),
      x1: {range: [1, 5]}                  # input or target, in every sample
      y: fixed                             # never redrawn
      others: fixed                        # the names not listed (default: around)

The default (`around`): a number is redrawn on the grid of the decimals it is written
with, its size between half and one and a half times its own, widened to at least two
steps of its last digit either way, never below one step, and with its sign: 0.3 becomes
one of 0.1 ... 0.5, -2 one of -4 ... -1. A zero stays zero: in a given problem a zero is
almost always a choice (a bias that starts at 0, an input switched off), not a number.
An explicit range may cross zero; its numbers are drawn uniformly on the grid of
`decimals` (default: as the number is written).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import SpecError
from .numbers import Given, written

KEYS = ("range", "decimals")
MAX_DECIMALS = 6


@dataclass(frozen=True)
class Rule:
    fixed: bool = False
    low: object = None  # an explicit range (Fractions), or None: around the written number
    high: object = None
    decimals: int | None = None


def read_rules(block, names: set) -> tuple[dict, Rule]:
    """The `variants:` block (a mapping or None) as {name: Rule} and the rule of others."""
    if block is None:
        return {}, Rule()
    if not isinstance(block, dict):
        raise SpecError("variants: is a mapping from a parameter, input or target name to "
                        "'fixed' or {range: [low, high], decimals: n}", field="variants")
    rules = {}
    for name, value in block.items():
        field = f"variants.{name}"
        if name != "others" and name not in names:
            raise SpecError(f"'{name}' is not a parameter, input or target with numbers; the "
                            f"names are {', '.join(sorted(names))}", field=field)
        rules[name] = _rule(value, field, others=name == "others")
    return rules, rules.pop("others", Rule())


def _rule(value, field: str, others: bool) -> Rule:
    if value == "fixed":
        return Rule(fixed=True)
    if others and value == "around":
        return Rule()
    if not isinstance(value, dict):
        words = "'fixed' or 'around'" if others else "'fixed' or {range: [low, high], decimals: n}"
        raise SpecError(f"write {words}", field=field)
    unknown = sorted(set(value) - set(KEYS))
    if unknown:
        raise SpecError(f"unknown key '{unknown[0]}'; the keys are range and decimals",
                        field=f"{field}.{unknown[0]}")
    low = high = None
    if "range" in value:
        span = value["range"]
        if not (isinstance(span, list) and len(span) == 2 and all(_is_number(v) for v in span)
                and span[0] < span[1]):
            raise SpecError("range is [low, high], two numbers with low < high",
                            field=f"{field}.range")
        low, high = span
    decimals = value.get("decimals")
    if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool)
                                 or not 0 <= decimals <= MAX_DECIMALS):
        raise SpecError(f"decimals is a whole number from 0 to {MAX_DECIMALS}",
                        field=f"{field}.decimals")
    return Rule(low=low, high=high, decimals=decimals)


def _is_number(value) -> bool:
    from fractions import Fraction

    return isinstance(value, (int, Fraction, float)) and not isinstance(value, bool)


def grid(g: Given, rule: Rule) -> tuple[int, int, int, bool] | None:
    """(decimals, lowest units, highest units, negative) a number is drawn from, the
    units being steps of 10^-decimals; None: it is not redrawn."""
    if rule.fixed:
        return None
    decimals = g.decimals if rule.decimals is None else rule.decimals
    scale = 10 ** decimals
    if rule.low is not None:
        low, high = math.ceil(rule.low * scale), math.floor(rule.high * scale)
        if low > high:
            raise SpecError(f"the range [{rule.low}, {rule.high}] holds no number with "
                            f"{decimals} decimals", field=f"variants.{g.name}.range")
        return decimals, low, high, False
    size = abs(g.value) * scale
    if size == 0:
        return None  # zero stays zero (see above)
    units = max(1, round(size))
    return decimals, max(1, min(units - 2, math.floor(units / 2))), \
        max(units + 2, math.ceil(3 * units / 2)), g.value < 0


def draw(rng, plan: list) -> list[str]:
    """One number per given number, as text: `plan` is each one's grid or its own text."""
    out = []
    for item in plan:
        if isinstance(item, str):
            out.append(item)
            continue
        decimals, low, high, negative = item
        units = int(rng.integers(low, high + 1))
        out.append(written(-units if negative else units, decimals))
    return out
