"""The optimizers: one entry each, so that momentum or Adam later is one more entry.

An entry lists its settings (`optimizer: {type: sgd, lr: 0.1, steps: 1}`) with their
defaults, says how its update is written, and computes one step of one parameter: `step`
symbolically (a formula in the old value, the rate and the gradient) and `numeric` for
numbers (None when it cannot; then `step` is evaluated). Both forms that update
parameters (the engine's optimizer steps and the calculus form's update:) take it from
here.

Nothing is imported from SymPy until a step is taken: the spec reads the settings here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

REQUIRED = object()  # a setting without a default


@dataclass(frozen=True)
class Setting:
    name: str
    default: object  # REQUIRED when the spec must give it
    what: str


@dataclass(frozen=True)
class UpdateRule:
    name: str
    description: str
    settings: tuple[Setting, ...]
    written: tuple[str, str]  # the update of a parameter w, (LaTeX, Unicode)
    form: Callable  # (w, eta, dL/dw symbol) -> the update as written (unevaluated)
    step: Callable  # (old, lr, gradient) -> the new value, as a formula
    numeric: Callable  # (old, lr, gradient) -> the new value for numbers, or None

    def default(self, name: str):
        return next(s.default for s in self.settings if s.name == name)


def _descent_form(w, eta, gradient):
    """w − η ∂L/∂w, as written; built from its parts (a layer's update writes thousands)."""
    import sympy as sp

    return sp.Add._from_args((w, sp.Mul._from_args((sp.S.NegativeOne, eta, gradient))))


def _descent_step(old, lr, gradient):
    return old - lr * gradient


def _descent_numeric(old, lr, gradient):
    from ..arith import descent  # exact, or rounded once with mpmath

    return descent(old, lr, gradient)


#: The first entry is the default `type:`.
OPTIMIZERS = {rule.name: rule for rule in (
    UpdateRule("sgd", "plain gradient descent",
               (Setting("lr", REQUIRED, "the learning rate η (a number, or null for the symbol)"),
                Setting("steps", 1, "how many steps to take")),
               ("w \\leftarrow w - \\eta \\frac{\\partial L}{\\partial w}", "w ← w − η ∂L/∂w"),
               _descent_form, _descent_step, _descent_numeric),
)}

DEFAULT = next(iter(OPTIMIZERS))
