"""What a worked line says of a max or min whose arguments are numbers: which argument
wins, and so which way the gradient goes (PyTorch's subgradient, functions.py): "the first
argument wins, so ∂m/∂a = 1 and ∂m/∂b = 0", or, on a tie, how it is split.

Said as parts, like a warning's: plain text and SymPy expressions, which each renderer
prints in its own way. Nothing is printed here.
"""

from __future__ import annotations

import sympy as sp

from .functions import maximum, minimum

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth")


def ordinal(k: int) -> str:
    return _ORDINALS[k - 1] if k <= len(_ORDINALS) else f"{k}th"


def winners(selection, values: list) -> list[int]:
    """The arguments (from 1) whose value is the max (min) of `values`; [] while one is
    not a number."""
    if not all(v.is_number and v.is_comparable for v in values):
        return []
    best = (max if isinstance(selection, maximum) else min)(values)
    return [k for k, v in enumerate(values, start=1) if v == best]


def said(expr, node, value_of, derivative) -> tuple:
    """The parts of the sentence for each max and min in `expr` (the formula of `node`):
    `value_of(argument)` is its number (or an expression while symbolic), `derivative(a,
    b)` the symbol ∂a/∂b. Empty when there is none, or its arguments are not numbers."""
    parts: list = []
    for selection in sorted(expr.atoms(maximum, minimum), key=sp.default_sort_key):
        won = winners(selection, [value_of(a) for a in selection.args])
        if not won:
            continue
        if parts:
            parts.append("; ")
        if selection != expr:  # inside a larger formula: which max it is
            word = "max" if isinstance(selection, maximum) else "min"
            parts += [f"in {word}("] + [p for a in selection.args for p in (a, ", ")][:-1] + [") "]
        names = " and ".join(ordinal(k) for k in won)
        parts.append(f"the {names} argument{'s tie' if len(won) > 1 else ' wins'}")
        arguments = selection.args
        if selection == expr and all(a.is_Symbol for a in arguments) and len(set(arguments)) == len(arguments):
            share = sp.Integer(1) / len(won)
            parts.append(", so ")
            for k, a in enumerate(arguments, start=1):
                if k > 1:
                    parts.append(" and " if k == len(arguments) else ", ")
                parts += [derivative(node, a), " = ", share if k in won else sp.Integer(0)]
        if len(won) > 1:
            parts.append(", split evenly as PyTorch does")
    return tuple(parts)
