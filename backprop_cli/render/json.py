"""The solution for programs: the JSON contract documented in the README.

Numbers are full double precision (beyond a double's range: text with 17 digits); where a
value is symbolic it is a formula string in parameters and inputs only, written with SymPy
built-ins so `sympy.sympify` reads it back.
"""

from __future__ import annotations

import json
import builtins
import math
import sys
from functools import lru_cache

import sympy as sp
from sympy.printing.str import StrPrinter

from ..calculus.softmax import to_exp
from ..functions import to_elementary
from ..sheet.model import Table, Worksheet
from .pieces import form_latex
from ..settings import Settings
from .worked import one_latex, rule_text

FORMAT_VERSION = 1


def number(value, names: dict | None = None):
    """A float when the value is a number, else a formula string in plain names."""
    if value is None:
        return None
    if value.is_number:
        number = float(value)
        if math.isfinite(number) and (abs(number) >= sys.float_info.min or value.is_zero):
            return number
        # Beyond the range of a double (a saturated unit's 1/(1 - yhat) can be e^800, an
        # underflowed loss e^-800): the number as text, which sympify reads exactly and
        # float() reads as inf or 0; a double would say inf, or 0 for a value that is not.
        return sp.sstr(sp.Float(value, 17))
    names = names or {}
    plain = {s: sp.Symbol(names[s].plain, real=True) for s in value.free_symbols
             if s in names and names[s].plain != s.name}
    return formula_text(to_elementary(value.xreplace(plain)))


def formula_text(expr) -> str:
    """`expr` as text that plain `sympy.sympify` reads back to it: a symbol whose name
    sympify would take for one of its own (E, I, S, N, gamma, ln, max, ...) is written
    Symbol('E')."""
    return _Plain().doprint(expr)


class _Plain(StrPrinter):
    def _print_Symbol(self, expr):
        return f"Symbol('{expr.name}')" if expr.name in _sympify_names() else expr.name


@lru_cache(maxsize=1)
def _sympify_names() -> frozenset:
    """The names sympify resolves to something other than a new symbol: SymPy's
    `from sympy import *` and Python's builtins (fixed text here, never a spec's)."""
    names: dict = {}
    exec("from sympy import *", names)  # noqa: S102
    return frozenset(names) | frozenset(vars(builtins))


def solution_data(sheet: Worksheet, solution, settings: Settings,
                  entries: bool = True) -> dict:
    """The JSON contract's fields; `entries=False` leaves out the values of gradients,
    sample quantities and updated parameters, which the layered form writes as matrices
    (writing a symbolic one out costs seconds: not twice)."""
    graph = solution.graph
    names = graph.names.names
    first = solution.first
    plain = lambda s: names[s].plain if s in names else str(s)  # noqa: E731
    steps = [{"phase": line.phase, "name": plain(line.lhs), "sample": line.sample,
              "latex": one_latex(line, "graph", names, settings.digits),
              "value": number(line.value, names)} for _, line in sheet.steps]
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
        if graph.batches is not None:  # batch_size: the samples (1-based) this step used
            updates[-1]["batch"] = [i + 1 for i in graph.batches[update.iteration - 1]]
        if update.state:  # the optimizer's state after the step (velocity, m, v, ...)
            updates[-1]["state"] = {name: {plain(p): number(v, names) for p, v in values.items()}
                                    if entries else {} for name, values in update.state.items()}
    data = {
        "format": FORMAT_VERSION,
        "title": graph.title,
        "loss": number(first.full_loss, names) if first.loss is not None else None,
        "gradients": gradients,
        "samples": samples,
        "steps": steps,
        "updates": updates,
        "warnings": [w.text for w in sheet.warnings],
    }
    if getattr(solution, "sums", None) is not None:  # samples: m, formulas with Sum
        data["sums"] = _sums(solution.sums, names)
    return data


def render_json(sheet: Worksheet, settings: Settings) -> str:
    data = {"calculus": calculus_data, "network": network_data}.get(
        sheet.form, lambda sheet, settings: solution_data(sheet, sheet.solution, settings))
    result = data(sheet, settings)
    result["answers"] = answers_data(sheet.solution, sheet.names)
    # allow_nan=False: the output is always valid JSON (no Infinity or NaN).
    return json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def answers_data(solution, names: dict) -> list:
    """What the homework asks (ask:; without it the loss and every gradient), in order:
    the quantity as asked, its key in the answers vocabulary, label, text and value."""
    from ..answers import answers_of

    return [{"name": a.name, "key": a.key, "label": a.label, "text": a.text,
             "value": _nested(a.value, names)} for a in answers_of(solution)]


def _nested(value, names: dict):
    if isinstance(value, (list, tuple)):
        return [_nested(v, names) for v in value]
    return number(value, names)


# --- the layered form: vectors and matrices as nested lists ------------------------------------


def _tensor_values(tensor, values: dict, names: dict, entries=None):
    """Nested lists of a vector, matrix, kernel or feature map."""
    entries = tensor.entries if entries is None else entries
    return [_tensor_values(tensor, values, names, e) if isinstance(e, tuple) else number(values[e], names)
            for e in entries]


def network_data(sheet: Worksheet, settings: Settings) -> dict:
    solution = sheet.solution
    general = _general_strings(sheet)
    if solution.scalar is None:
        return {"format": 1, "title": solution.problem.title, "loss": None, "gradients": {},
                "samples": [], "steps": [], "updates": [], "warnings": [], "matrix_form": general}
    data = solution_data(sheet, solution.scalar, settings, entries=False)
    net = solution.network
    names = sheet.names
    first = solution.scalar.first
    full = {p: (first.gradients[p] if first.gradients[p].is_number else first.full_gradients[p])
            for p in first.gradients}
    data["gradients"] = {t.plain: _tensor_values(t, full, names) for t in net.tensors()} if full else {}
    samples = []
    for sample, old in zip(first.samples, data["samples"]):
        values = {s: (v if v.is_number else sample.full[s]) for s, v in sample.values.items()}
        tensors = [t for layer in net.layers for t in layer.computed()]
        samples.append({"values": {t.plain: _tensor_values(t, values, names) for t in tensors},
                        "loss": old["loss"]})
    data["samples"] = samples
    # a batchnorm network's graph sample is a mini-batch: "batch" names the data's samples
    rows = net.mini_batches
    for update, entry in zip(solution.scalar.updates, data["updates"]):
        entry["params"] = {t.plain: _tensor_values(t, update.full_params, names) for t in net.tensors()}
        if "batch" in entry and rows is not None:
            entry["batch"] = [r + 1 for k in entry["batch"] for r in rows[k - 1]]
        if update.state:
            entry["state"] = {name: {t.plain: _tensor_values(t, values, names) for t in net.tensors()}
                              for name, values in update.state.items()}
    data["matrix_form"] = general
    return data


def _general_strings(sheet: Worksheet) -> dict:
    """The general derivation's tables (no numbers) in LaTeX."""
    tables = [t for section in sheet.sections if section.title == "The network in matrix form"
              for t in section.blocks if isinstance(t, Table)]
    out = {}
    for table in tables:
        key = "forward" if table.title.startswith("Forward") else "backward"
        out[key] = [[form_latex(cell, {}, 5) for cell in row] for row in table.rows]
    return out


# --- the calculus form ---------------------------------------------------------------------------


def _formula(expr, names: dict) -> str:
    """A formula string in the variables' plain names that `sympy.sympify` reads back."""
    expr = to_elementary(to_exp(expr))
    plain = {s: sp.Symbol(names[s].plain) for s in expr.free_symbols if s in names}
    return formula_text(expr.xreplace(plain))


def _value(value, names: dict):
    return number(value) if value.is_number else _formula(value, names)


def _sums(sums, names: dict) -> dict:
    """samples: m: the loss, each gradient and each step as formulas with Sum((...), (i, 1, m))
    in the base variables, each sample's data a function of i, x0(i)."""
    text = lambda e: formula_text(to_elementary(e))  # noqa: E731
    out = {"samples": names[sums.count].plain, "index": "i", "reduction": sums.reduction,
           "data": [names[s].plain for s in sums.data], "loss": text(sums.formulas["loss"]),
           "gradients": {w: text(g) for w, g in sums.formulas["gradients"].items()}}
    if "update" in sums.formulas:
        out["update"] = {w: text(u) for w, u in sums.formulas["update"].items()}
    return out


def calculus_data(sheet: Worksheet, settings: Settings) -> dict:
    solution = sheet.solution
    names = solution.names
    plain = lambda s: names[s].plain  # noqa: E731
    functions = solution.texts["function"]
    data = {
        "format": FORMAT_VERSION,
        "title": solution.title,
        "function": functions[0] if solution.gradient and len(functions) == 1 else list(functions),
        "define": dict(solution.texts["define"]),
        "components": [plain(c) for c in solution.components],
        "variables": [plain(v) for v in solution.variables],
        "wrt": [plain(w) for w in solution.wrt],
        "jacobian": [[_formula(v, names) for v in row] for row in solution.expanded],
    }
    if solution.point is not None:
        data["point"] = {plain(v): number(n) for v, n in solution.point.values}
        data["at"] = [[number(v) for v in row] for row in solution.point.matrix]
    if solution.update is not None:
        update = solution.update
        data["update"] = {
            "lr": number(update.lr) if update.lr.is_number else names[update.lr].plain,
            "formulas": {plain(w): _formula(f, names) for w, f in update.formulas},
        }
        if update.values is not None:
            data["update"]["values"] = {plain(w): _value(v, names) for w, v in update.values}
    if solution.sums is not None:  # samples: m, formulas with Sum over i = 1..m
        data["sums"] = _sums(solution.sums, names)
    data["steps"] = [{"section": title,
                      "name": names[line.lhs].plain if line.lhs in names else str(line.lhs),
                      "rule": rule_text(line.rule, "unicode"),
                      "latex": one_latex(line, "calculus", names, settings.digits)}
                     for title, line in sheet.steps]
    data["warnings"] = [w.text for w in sheet.warnings]
    return data
