"""The solution for programs: the JSON contract documented in the README.

Numbers are full double precision (beyond a double's range: text with 17 digits); where a
value is symbolic it is a formula string in parameters and inputs only, written with SymPy
built-ins so `sympy.sympify` reads it back.
"""

from __future__ import annotations

import json
import math

import sympy as sp

from ..engine import Solution
from ..functions import to_elementary
from .layout import Settings, sections, step_latex

FORMAT_VERSION = 1


def number(value, names: dict | None = None):
    """A float when the value is a number, else a formula string in plain names."""
    if value is None:
        return None
    if value.is_number:
        number = float(value)
        if math.isfinite(number):
            return number
        # Beyond the range of a double (a saturated unit's 1/(1 - yhat) can be e^800): the
        # number as text, which sympify reads exactly and float() reads as inf.
        return sp.sstr(sp.Float(value, 17))
    names = names or {}
    plain = {s: sp.Symbol(names[s].plain, real=True) for s in value.free_symbols
             if s in names and names[s].plain != s.name}
    return sp.sstr(to_elementary(value.xreplace(plain)))


def solution_data(solution: Solution, settings: Settings, entries: bool = True) -> dict:
    """The JSON contract's fields; `entries=False` leaves out the values of gradients,
    sample quantities and updated parameters, which the layered form writes as matrices
    (writing a symbolic one out costs seconds: not twice)."""
    graph = solution.graph
    names = graph.names.names
    first = solution.first
    plain = lambda s: names[s].plain if s in names else str(s)  # noqa: E731
    steps = []
    for section in sections(solution):
        for step in section.steps:
            steps.append({
                "phase": step.phase,
                "name": plain(step.lhs),
                "sample": step.sample,
                "latex": step_latex(step, names, settings.digits),
                "value": number(step.value, names),
            })
    samples = []
    for sample in first.samples:
        values = {plain(s): number(sample.values[s] if sample.values[s].is_number else sample.full[s], names)
                  for s in sample.values if graph.loss is None or s != graph.loss.symbol} \
            if entries else {}
        samples.append({"values": values, "loss": number(sample.full[graph.loss.symbol], names)
                        if graph.loss is not None else None})
    gradients = {plain(p): number(first.gradients[p] if first.gradients[p].is_number
                                  else first.full_gradients[p], names)
                 for p in first.gradients} if entries else {}
    updates = []
    for update in solution.updates:
        after = [p for p in solution.passes if p.iteration == update.iteration]
        updates.append({"step": update.iteration,
                        "params": {plain(p): number(v, names) for p, v in update.full_params.items()}
                        if entries else {},
                        "loss": number(after[0].loss) if after else None})
    return {
        "format": FORMAT_VERSION,
        "title": graph.title,
        "loss": number(first.full_loss, names) if first.loss is not None else None,
        "gradients": gradients,
        "samples": samples,
        "steps": steps,
        "updates": updates,
        "warnings": list(solution.warnings),
    }


def render_json(solution: Solution, settings: Settings) -> str:
    # allow_nan=False: the output is always valid JSON (no Infinity or NaN).
    return json.dumps(solution_data(solution, settings), indent=2, ensure_ascii=False,
                      allow_nan=False) + "\n"
