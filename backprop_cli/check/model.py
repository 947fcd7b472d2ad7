"""The slots of a problem: each number a student can give (Slot), with its right value and
the formulas that make it from earlier slots, and the Model that holds them in solution
order (built by slots.py and calculus.py, read by answers, marking and results)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .evaluate import compile_float, slot_symbol

S = slot_symbol


@dataclass
class Slot:
    key: str  # the public key: 'samples.1.h1', 'gradients.w1' (a layered entry's: W1_1_2)
    name: str  # the quantity's public name: 'h1', 'dL/dw1'
    value: float  # the right value
    phase: str
    sample: int | None = None
    step: int = 0
    formulas: dict = field(default_factory=dict)  # 'base' or (code, i) -> f(env) -> float
    line: object = None  # the worked line (sheet model) that shows it, or None
    partners: tuple = ()  # the other side of its unit: z of a = f(z), a of z
    inputs: tuple = ()  # the slot keys its formula reads


@dataclass
class Model:
    form: str  # the printer's notation: 'graph' or 'calculus'
    kind: str  # 'graph', 'network' or 'calculus'
    slots: dict = field(default_factory=dict)  # key -> Slot, in solution order
    #: a vector's or matrix's key -> (its name, nested lists of slot keys): layered, `at`
    tensors: dict = field(default_factory=dict)
    symbolic: set = field(default_factory=set)  # keys whose value is a formula, not a number
    names: dict = field(default_factory=dict)  # Symbol -> Name, to print worked lines
    formulas: object = None  # a calculus problem's Jacobian formulas (formulas.Formulas)

    def add(self, slot: Slot, value) -> Slot | None:
        if not getattr(value, "is_number", True) or value is None:
            self.symbolic.add(slot.key)
            return None
        slot.value = float(value)
        self.slots[slot.key] = slot
        return slot


def set_formulas(slot: Slot, variants: dict) -> None:
    """Compile the base formula and each variant that differs from it."""
    base = variants.pop("base")
    slot.formulas["base"] = compile_float(base)
    slot.inputs = tuple(sorted(s.name[1:] for s in sp.sympify(base).free_symbols
                               if s.name.startswith("\u00a7")))
    for code, expr in variants.items():
        if expr is not None and expr != base:
            slot.formulas[code] = compile_float(expr)
