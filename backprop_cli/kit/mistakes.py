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
    """An asked entry's key ('loss', 'at.df/dx', 'gradients.W1.1.2', as kit/asked.entries
    names it) -> [(value, sentence)], each value apart from the right one and from one
    another by more than a quiz's tolerance of either."""
    from ..check.marking import Marker
    from ..check.mistakes import MISTAKES
    from ..check.slots import build

    model = build(result)
    marker = Marker(model, {})  # no student numbers: each mistake made throughout, from the start
    public = _public_keys(model)
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
        if found:  # by the slot's own key (loss, at.df/dx) and as a tensor's entry, if one
            out[key] = found
            if key in public:
                out[public[key]] = found
    return out


def _public_keys(model) -> dict:
    """check's slot key -> the public key of the entry it is: a vector's or matrix's
    entries by their 1-based place (gradients.W1.1.2), as the answers files name them."""
    out = {}

    def walk(keys, where: str):
        for i, item in enumerate(keys, 1):
            if isinstance(item, list):
                walk(item, f"{where}.{i}")
            else:
                out[item] = f"{where}.{i}"

    for key, (_, keys) in model.tensors.items():
        walk(keys, key)
    return out
