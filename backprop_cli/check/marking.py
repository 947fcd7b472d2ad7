"""Marking a student's numbers: the tolerance, the carried-error logic, the diagnosis.

Each number the student gave is compared with the right value; if it differs, with the
value its own formula gives from the student's OWN earlier numbers (those they gave, and
the ones they did not give worked out from those). A number right given their earlier
numbers is `correct` when those were right (only rounded), and `carried` when one of them
was wrong: the method is right, the mistake was made earlier, and is named. A number wrong
both ways is `incorrect`, and each common mistake (mistakes.py) is tried on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .mistakes import MISTAKES, VARIANTS


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 1e-3
    atol: float = 1e-6
    sigfigs: int | None = None  # mark at this many significant figures instead of rtol

    def close(self, given: float, expected: float, digits: int | None = None) -> bool:
        if not (math.isfinite(given) and math.isfinite(expected)):
            return False
        difference = abs(given - expected)
        if difference <= self.atol:
            return True
        if self.sigfigs is not None:
            return _rounded(given, self.sigfigs) == _rounded(expected, self.sigfigs)
        if difference <= self.rtol * abs(expected):
            return True
        # hand work rounds: 0.0062 for 0.0061919 is right at the two digits written
        return digits is not None and digits >= 2 and \
            _rounded(expected, digits) == _rounded(given, digits)


def _rounded(x: float, digits: int) -> str:
    return f"{x:.{digits - 1}e}"


@dataclass
class Mark:
    key: str
    given: float
    verdict: str  # correct, carried, incorrect
    own: float  # what it is given the student's own earlier numbers
    roots: frozenset = frozenset()  # carried: the wrong answers (slot keys) it follows from
    diagnosis: str | None = None
    detail: str | None = None  # which other quantity a value-mistake found (wrong_sample)
    rounded: bool = False  # right only from the student's own (rounded) earlier numbers


@dataclass
class Marker:
    model: object
    given: dict  # slot key -> the student's float
    digits: dict = field(default_factory=dict)  # slot key -> significant digits written
    tolerance: Tolerance = field(default_factory=Tolerance)
    #: (variant, theirs) -> every slot worked out under it (chained), made once each
    _chains: dict = field(default_factory=dict, init=False, repr=False)

    def run(self) -> dict:
        """slot key -> Mark, for every slot given."""
        slots = self.model.slots
        env, taint, marks = {}, {}, {}
        self.own_env = env
        for key, slot in slots.items():
            formula = slot.formulas.get("base")
            own = formula(env) if formula else slot.value
            roots = frozenset().union(*(taint.get(k, frozenset()) for k in slot.inputs))
            if key not in self.given:
                env[key], taint[key] = own, roots
                continue
            g, digits = self.given[key], self.digits.get(key)
            close = self.tolerance.close
            if close(g, slot.value, digits):
                mark = Mark(key, g, "correct", own)
            elif formula and close(g, own, digits):
                mark = Mark(key, g, "carried" if roots else "correct", own, roots,
                            rounded=not roots)
            else:
                mark = Mark(key, g, "incorrect", own)
                mark.diagnosis, mark.detail = self.diagnose(key, g, own)
            marks[key] = mark
            env[key] = g
            taint[key] = mark.roots if mark.verdict == "carried" else \
                frozenset({key}) if mark.verdict == "incorrect" else frozenset()
        return marks

    # diagnosis ---------------------------------------------------------------------------
    def diagnose(self, key: str, g: float, own: float):
        slot = self.model.slots[key]
        context = Context(self, slot, own)
        close = lambda a, b: self.tolerance.close(a, b, self.digits.get(key))  # noqa: E731
        for mistake in MISTAKES:
            candidates = []
            for i in range(len(mistake.rules)):
                code = (mistake.code, i)
                variant = slot.formulas.get(code) or slot.formulas.get("base")
                if variant is None:
                    continue
                # made here, on their earlier numbers; made throughout the chain, from the
                # numbers they gave, or from the right ones
                candidates += [(variant(self.own_env), None),
                               (variant(self.chained(code, True)), None),
                               (variant(self.chained(code, False)), None)]
            if mistake.values is not None:
                found = mistake.values(context)
                candidates += [c if isinstance(c, tuple) else (c, None) for c in found]
            for value, detail in candidates:
                if math.isfinite(value) and close(g, value) and not close(value, slot.value):
                    return mistake.code, detail
        return None, None

    def chained(self, code, theirs: bool) -> dict:
        """Every slot worked out under the variant `code`, from the student's given numbers
        (`theirs`) or from none; computed once per variant. A slot's own given number is
        never an input of its own formula, so one pass serves every slot."""
        key = (code, theirs)
        if key not in self._chains:
            env = {}
            for k, slot in self.model.slots.items():
                if theirs and k in self.given:
                    env[k] = self.given[k]
                    continue
                formula = slot.formulas.get(code) or slot.formulas.get("base")
                env[k] = formula(env) if formula else slot.value
            self._chains[key] = env
        return self._chains[key]


class Context:
    """What a mistake's `values` function may ask about the number being marked."""

    def __init__(self, marker: Marker, slot, own: float):
        self.marker, self.slot, self.own = marker, slot, own
        self.expected = slot.value

    def partners(self) -> list:
        """The other side of the unit: z's value where a belongs, or a's where z does."""
        slots = self.marker.model.slots
        out = []
        for k in self.slot.partners:
            out += [(slots[k].value, k), (self.marker.own_env.get(k, slots[k].value), k)]
        return out

    def other_samples(self) -> list:
        """The same quantity in the other samples of the same pass."""
        s = self.slot
        if s.sample is None:
            return []
        name = _unsampled(s.name, s.sample)
        return [(o.value, o.key) for o in self.marker.model.slots.values()
                if o.sample not in (None, s.sample) and o.step == s.step and o.phase == s.phase
                and _unsampled(o.name, o.sample) == name]

    def siblings(self) -> list:
        """The same kind of quantity of another unit or entry (z2 for z1), same sample."""
        s = self.slot
        stem = _stem(s.name)
        return [(o.value, o.key) for o in self.marker.model.slots.values()
                if o.key != s.key and o.sample == s.sample and o.step == s.step
                and o.phase == s.phase and _stem(o.name) == stem and o.key not in s.partners]


def _unsampled(name: str, sample: int) -> str:
    return name.replace(f"({sample})", "")


def _stem(name: str) -> str:
    return "".join(ch for ch in name.split("/d")[-1] if not ch.isdigit() and ch != "_") + \
        name.rpartition("/d")[0]


def aggregate(marks: list) -> tuple:
    """(verdict, roots) of an answer made of several entries' marks."""
    verdicts = {m.verdict for m in marks}
    roots = frozenset().union(*(m.roots for m in marks))
    if "incorrect" in verdicts:
        return "incorrect", roots
    if "carried" in verdicts:
        return "carried", roots
    return "correct", roots


__all__ = ["Tolerance", "Marker", "Mark", "aggregate", "VARIANTS"]
