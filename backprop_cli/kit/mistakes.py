"""The common mistakes' values for a quiz: what a student who makes one of `backprop
check`'s mistakes (check/mistakes.py, the one table) throughout the computation would enter
for each asked number, with that mistake's sentence. Moodle takes them as extra answers,
worth nothing, whose feedback names the mistake.

Computed by check's own marker (the chain recomputed under each mistake's rules, from the
right numbers), so a quiz and `backprop check` diagnose alike.
"""

from __future__ import annotations

import math

from .checks import tolerance


def mistake_values(result) -> dict:
    """slot key ('gradients.W1_1_2', 'loss') -> [(value, sentence)], each value apart from
    the right one and from one another by more than a quiz's tolerance of either."""
    from ..check.marking import Marker
    from ..check.mistakes import MISTAKES
    from ..check.slots import build

    model = build(result)
    marker = Marker(model, {})
    marker.run()
    out = {}
    for key, slot in model.slots.items():
        found: list = []

        def add(value, sentence):
            if value is None or not math.isfinite(value):
                return
            value = float(f"{value:.12g}")  # 225.8, not 225.80000000000004
            if all(abs(value - v) > tolerance(v) + tolerance(value)
                   for v in [slot.value] + [f[0] for f in found]):
                found.append((value, sentence))

        for mistake in MISTAKES:
            if mistake.code == "sign" and slot.value:
                add(-slot.value, mistake.sentence)
            for i in range(len(mistake.rules)):
                add(marker.chained((mistake.code, i), False).get(key), mistake.sentence)
        if found:
            out[key] = found
    return out


def slot_key(key: str) -> str:
    """The asked entry's key (gradients.W1.1.2) as check names its slot (gradients.W1_1_2)."""
    parts = key.split(".")
    digits = []
    while len(parts) > 1 and parts[-1].isdigit() and not parts[-2] in ("samples", "updates"):
        digits.insert(0, parts.pop())
    return ".".join(parts) + "".join(f"_{d}" for d in digits)
