"""The order of a worked solution, shared by every renderer: sections of steps.

Nothing is computed here: the engine's Steps are grouped and each is turned into the
strings a renderer shows (the general rule, the numbers substituted, the value).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..engine import Pass, Solution, Step
from ..settings import Settings  # noqa: F401  (renderers import it from here)
from .printers import latex, unicode


@dataclass(frozen=True)
class Section:
    title: str
    steps: tuple = ()
    subtitle: str | None = None  # e.g. the sample's values
    level: int = 1  # 1: section, 2: subsection


def sections(solution: Solution) -> list[Section]:
    """Forward, loss, backward, gradients, updates; per sample where there are several."""
    out: list[Section] = []
    first = solution.first
    out.extend(_pass_sections(solution, first, heading="Forward pass"))
    for update in solution.updates:
        out.append(Section(f"Gradient-descent step {update.iteration}", update.steps))
        following = [p for p in solution.passes if p.iteration == update.iteration]
        if following:
            out.extend(_pass_sections(solution, following[0],
                                      heading=f"Forward pass after step {update.iteration}"))
    return out


def _pass_sections(solution: Solution, current: Pass, heading: str) -> list[Section]:
    out = []
    several = len(current.samples) > 1
    for sample in current.samples:
        title = f"{heading}, sample {sample.index}" if several else heading
        out.append(Section(title, sample.forward, subtitle=_given(solution, sample) if several else None,
                           level=1))
    reduce_loss = [s for s in current.reduce if s.lhs == solution.loss_symbol]
    if reduce_loss:
        out.append(Section("Loss over the data", tuple(reduce_loss)))
    if any(sample.backward for sample in current.samples):
        for sample in current.samples:
            title = "Backward pass" + (f", sample {sample.index}" if several else "")
            if current.iteration:
                title += f" (after step {current.iteration})"
            out.append(Section(title, sample.backward))
        reduce_grads = [s for s in current.reduce if s.lhs != solution.loss_symbol]
        if reduce_grads:
            reduction = "mean" if solution.graph.reduction == "mean" else "sum"
            out.append(Section(f"Gradients over the data ({reduction} of the samples)",
                               tuple(reduce_grads)))
    return out


def _given(solution: Solution, sample) -> str:
    names = solution.graph.names.names
    return ", ".join(f"{unicode(s, names=names)} = {unicode(v, names=names, decimals=True)}"
                     for s, v in known(sample.given).items())


def known(values: dict) -> dict:
    """The entries that are numbers (a symbolic input is not 'given' a value)."""
    return {s: v for s, v in values.items() if v.is_number}


@dataclass(frozen=True)
class Line:
    """One step as strings: `lhs relation rhs[0] = rhs[1] = ...`."""

    lhs: str
    relation: str
    rhs: tuple


def step_line(step: Step, names: dict, digits: int, kind: str) -> Line:
    """The step's successive forms as text (`kind` 'unicode') or LaTeX (`kind` 'latex')."""
    printer = latex if kind == "latex" else unicode
    chain = step.phase != "forward" and step.phase != "loss"
    extra = {"mul_symbol": "dot"} if (kind == "latex" and chain) else {}
    parts = [printer(form, names=names, digits=digits, **extra) for form in step.forms]
    if step.values and (step.forms[-1].free_symbols & set(step.values)):
        parts.append(printer(step.forms[-1], names=names, values=step.values, digits=digits,
                             decimals=True))
    if step.show_value:
        parts.append(printer(step.value, names=names, digits=digits, decimals=True, **extra))
    deduped = []
    for part in parts:
        if not deduped or deduped[-1] != part:
            deduped.append(part)
    relation = {"=": "=", "←": "\\leftarrow" if kind == "latex" else "←"}[step.relation]
    return Line(printer(step.lhs, names=names, digits=digits), relation, tuple(deduped))


def step_latex(step: Step, names: dict, digits: int) -> str:
    """The whole step as one LaTeX formula (for JSON and one-line use)."""
    line = step_line(step, names, digits, "latex")
    return f"{line.lhs} {line.relation} " + " = ".join(line.rhs)


def gradient_rows(solution: Solution, digits: int, kind: str) -> list[tuple[str, str, str]]:
    """(parameter, its value, dL/dparameter) for the table of gradients."""
    printer = latex if kind == "latex" else unicode
    names = solution.graph.names.names
    first = solution.first
    rows = []
    for p in solution.graph.params:
        if p not in first.gradients:
            continue
        value = first.params[p]
        rows.append((printer(p, names=names),
                     printer(value, names=names, digits=digits, decimals=True) if value.is_number else "",
                     printer(first.gradients[p], names=names, digits=digits, decimals=True)))
    return rows


def width(text: str) -> int:
    """Columns `text` takes in a terminal: combining accents (the hat of ŷ) take none."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    space = " " * max(columns - width(text), 0)
    return space + text if right else text + space
