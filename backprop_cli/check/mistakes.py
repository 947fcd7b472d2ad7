"""The common mistakes `backprop check` recognises: ONE table, in the order they are tried.

Each entry is a stable code (the JSON's `diagnosis`), a sentence for the student, and how
to compute what the mistake would have given:

- `rules`: changed rules of the computation (`Rules`), under which the slot builder
  (slots.py) writes every formula a second time; marking recomputes the chain from the
  student's own numbers (and from the right ones) under them;
- `values`: a function of the marking context (marking.Context) giving the numbers the
  mistake produces directly (the negative, another sample's value, ...);
- `matrix`: a function (given, expected) -> bool, for a vector or matrix given whole.

A new mistake is one entry: a `values` or `matrix` function, or `rules` built from the
hooks Rules already has (a new kind of rule also needs its place in slots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp


@dataclass(frozen=True)
class Rules:
    """A rule of the computation changed the way the mistake changes it."""

    unit_derivative: str | None = None  # 'one': f′(z) left out; 'value': f(z) for f′(z)
    post_as_pre: bool = False  # the pre-activation z where the activation a belongs
    pre_as_post: bool = False  # a unit's derivative taken at a where z belongs: f′(a)
    loss_scale: sp.Expr | None = None  # the loss and its derivative times this (2 or ½)
    reduction_flip: bool = False  # sum where the loss averages the samples, or the reverse
    update: str | None = None  # 'plus': w + η·g; 'no_lr': w − g


@dataclass(frozen=True)
class Mistake:
    code: str
    sentence: str
    rules: tuple = ()
    values: Callable | None = None
    matrix: Callable | None = None  # expected -> the matrix the mistake gives, or None


def _transposed(expected):
    """The matrix with rows and columns swapped (None: not a matrix, or symmetric)."""
    if not expected or not isinstance(expected[0], list):
        return None
    flipped = [list(col) for col in zip(*expected)]
    return flipped if flipped != expected else None


MISTAKES = (
    Mistake("sign", "The sign is wrong: this is the negative of the right value.",
            values=lambda c: [-c.expected, -c.own]),
    Mistake("update_sign", "The step goes uphill: w + η·g where the update is w − η·g.",
            rules=(Rules(update="plus"),)),
    Mistake("no_learning_rate", "The learning rate is left out: w − g where the update is "
            "w − η·g.", rules=(Rules(update="no_lr"),)),
    Mistake("mean_vs_sum", "The samples are summed where the loss averages them, or averaged "
            "where it sums them.", rules=(Rules(reduction_flip=True),)),  # before factor_2: 2 samples

    Mistake("factor_2", "A factor 2 is lost or doubled: the 2 that comes down from a square, "
            "or the ½ in front of it.",
            rules=(Rules(loss_scale=sp.Rational(1, 2)), Rules(loss_scale=sp.Integer(2)))),
    Mistake("no_activation_derivative", "The activation's derivative (σ′, tanh′, ReLU′) is left "
            "out of the chain rule.", rules=(Rules(unit_derivative="one"),)),
    Mistake("activation_not_derivative", "The activation σ(z) is used where its derivative "
            "σ′(z) belongs.", rules=(Rules(unit_derivative="value"),)),
    Mistake("pre_vs_post_activation", "A pre-activation z is used where the activation a belongs, "
            "or a where z belongs.",
            rules=(Rules(post_as_pre=True), Rules(pre_as_post=True)),
            values=lambda c: c.partners()),
    Mistake("wrong_sample", "This is the value for another sample.",
            values=lambda c: c.other_samples()),
    Mistake("wrong_unit", "This is the value of another unit or entry: the indices are mixed up.",
            values=lambda c: c.siblings()),
    Mistake("transposed", "The matrix is transposed: its rows and columns are swapped.",
            matrix=_transposed),
    Mistake("decimal_point", "The decimal point is misplaced: the digits are right, the power "
            "of ten is not.",
            values=lambda c: [c.expected * 10.0 ** k for k in (-3, -2, -1, 1, 2, 3)]),
)

BY_CODE = {m.code: m for m in MISTAKES}

#: The variants a slot's formulas are written under: (code, index) -> Rules.
VARIANTS = {(m.code, i): rules for m in MISTAKES for i, rules in enumerate(m.rules)}
