"""A calculus problem's numbers as slots: the values at the point (the inner functions',
then the Jacobian's entries, which the chain rule writes in the inner values) and the
gradient step w − η ∂f/∂w, each from the student's own earlier numbers."""

from __future__ import annotations

import sympy as sp

from .mistakes import VARIANTS
from .model import S, Model, Slot, set_formulas as _formulas


def calculus_slots(sol, model: Model) -> None:
    """The values at the point (the inner functions', then the Jacobian's entries), and
    the gradient step w − η ∂f/∂w from the student's own entries."""
    from ..sheet.calculus import worked

    names = sol.names
    plain = lambda s: names[s].plain  # noqa: E731
    entry = lambda i, j: f"d{plain(sol.components[i])}/d{plain(sol.wrt[j])}"  # noqa: E731
    point = sol.point
    if point is None:
        return
    for line in point.inner:
        if line.lhs in names:
            model.add(Slot(f"at.{plain(line.lhs)}", plain(line.lhs), 0.0, "point",
                           line=worked(line)), line.value)
    lines = list(point.lines)
    width = len(sol.wrt)
    # by the chain rule, each entry is a formula in the inner functions' values: a student's
    # own (wrong) x = g(t) carries into ∂f/∂t
    chain = getattr(sol, "chain", None)
    inner = {u: S(f"at.{plain(u)}") for u in (chain.inner if chain else ())
             if f"at.{plain(u)}" in model.slots}
    inner.update({v: x for v, x in point.values})
    matrix = []
    for i, row in enumerate(point.matrix):
        keys = []
        for j, value in enumerate(row):
            n = i * width + j
            line = worked(lines[n]) if len(lines) == len(point.matrix) * width else None
            slot = model.add(Slot(f"at.{entry(i, j)}", entry(i, j), 0.0, "point", line=line),
                             value)
            if slot is not None and chain is not None:
                _formulas(slot, {"base": sp.sympify(chain.product[i][j]).xreplace(inner)})
            keys.append(f"at.{entry(i, j)}")
        matrix.append(keys)
    model.tensors["at"] = ("at", matrix)
    update = sol.update
    if update is None or not update.values or not update.lr.is_number:
        return
    at = dict(point.values)
    update_lines = {line.lhs: line for line in update.lines}
    for j, (w, value) in enumerate(update.values):
        slot = model.add(Slot(f"update.values.{plain(w)}", plain(w), 0.0, "update",
                              line=worked(update_lines[w]) if w in update_lines else None), value)
        if slot is None:
            continue
        g = S(f"at.{entry(0, list(sol.wrt).index(w))}")
        x = at.get(w, w)
        variants = {"base": x - update.lr * g}
        for code, rules in VARIANTS.items():
            if rules.update == "plus":
                variants[code] = x + update.lr * g
            elif rules.update == "no_lr":
                variants[code] = x - g
        _formulas(slot, variants)
