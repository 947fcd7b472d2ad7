"""A graph-form Solution laid out as a Worksheet: the given formulas and values, then
forward, loss, backward, gradients and updates, per sample where there are several.

Nothing is computed here: the engine's Steps become worked lines as they are.
"""

from __future__ import annotations

import sympy as sp

from ..engine import Pass, Solution, Step
from .diagram import graph_diagram
from .model import (Definitions, GradientTable, Losses, Parameters, Samples, Section,
                    Warning, Worked, Worksheet)
from .updates import (all_samples, gradients_title, loss_places, loss_title, pass_heading, step_title,
                      training)


def build_graph_sheet(solution: Solution) -> Worksheet:
    graph = solution.graph
    worked = tuple(sections(solution))
    return Worksheet(form="graph", title=graph.title, notes=graph.notes,
                     warnings=warnings(solution.warnings), given=given(solution),
                     sections=worked, summary=summary(solution), names=graph.names.names,
                     steps=steps(worked), solution=solution,
                     diagram=graph_diagram(graph, solution.sample_loss))


def steps(sections) -> tuple:
    """(section title, worked line) for every line, in order."""
    return tuple((s.title, line) for s in sections for line in s.blocks if isinstance(line, Worked))


def warnings(texts) -> tuple:
    """The engine's warnings as data: a Notice keeps the symbols it names."""
    return tuple(Warning(str(text), getattr(text, "parts", (str(text),))) for text in texts)


def given(solution: Solution) -> tuple:
    graph = solution.graph
    equations = tuple((n.symbol, n.written if n.written is not None else n.display)
                      for n in graph.nodes if n.given and n is not graph.loss)
    loss = (graph.loss.symbol, solution.sample_loss, graph.loss.written) if graph.loss is not None else None
    out = [Definitions(equations, loss, several=len(graph.samples) > 1, reduction=graph.reduction),
           Parameters(tuple(graph.param_values.items())),
           Samples(_own_symbols(solution))]
    if graph.lr is not None:
        out.append(training(graph))
    return tuple(out)


def _own_symbols(solution: Solution) -> tuple:
    """Every sample's data (updates.all_samples); with several samples a symbolic entry is
    written as that sample's own symbol, y⁽¹⁾, the name the lines combining them give it."""
    several = len(solution.graph.samples) > 1
    return tuple((i, tuple((s, solution.graph.names.of_sample(s, i) if several and v == s else v)
                           for s, v in given)) for i, given in all_samples(solution))


def sections(solution: Solution) -> list[Section]:
    """Forward, loss, backward, gradients, updates; per sample where there are several."""
    out: list[Section] = []
    out.extend(_pass_sections(solution, solution.first,
                              heading=pass_heading("Forward pass", solution.first, solution.graph)))
    if solution.sums is not None:  # samples: m: the loss, gradients and step in Σᵢ
        sums = solution.sums
        out.append(Section("Over the samples", worked(sums.loss + sums.gradients)))
        if sums.update:
            out.append(Section("Gradient-descent step", worked(sums.update)))
    for update in solution.updates:
        out.append(Section(step_title(solution.graph, update.iteration), worked(update.steps)))
        following = [p for p in solution.passes if p.iteration == update.iteration]
        if following:
            out.extend(_pass_sections(solution, following[0], heading=pass_heading(
                f"Forward pass after step {update.iteration}", following[0], solution.graph)))
    return out


def _pass_sections(solution: Solution, current: Pass, heading: str) -> list[Section]:
    out = []
    several = len(current.samples) > 1 or solution.graph.batches is not None
    for sample in current.samples:
        title = f"{heading}, sample {sample.index}" if several else heading
        out.append(Section(title, worked(sample.forward),
                           subtitle=tuple(known(sample.given).items()) if several else ()))
    reduce_loss = [s for s in current.reduce if s.lhs == solution.loss_symbol or s.phase == "penalty"]
    if reduce_loss:
        out.append(Section(loss_title(current, solution.graph), worked(reduce_loss)))
    if any(sample.backward for sample in current.samples):
        for sample in current.samples:
            # as the forward pass's headings: "Backward pass after step 1, sample 2"
            title = "Backward pass" + (f" after step {current.iteration}" if current.iteration else "") \
                + (f", sample {sample.index}" if several else "")
            out.append(Section(title, worked(sample.backward)))
        reduce_grads = [s for s in current.reduce if s not in reduce_loss]
        if reduce_grads:
            out.append(Section(gradients_title(solution.graph, several, current), worked(reduce_grads)))
    return out


def worked(steps) -> tuple:
    return tuple(worked_line(step) for step in steps)


def worked_line(step: Step) -> Worked:
    """An engine Step as a worked line: the numbers go into its last form."""
    last = step.forms[-1]
    # a form that is one quantity (a = z, ∂L/∂w = ∂ℓ⁽¹⁾/∂w) takes its number as the value:
    # "= (−0.8) = −0.8" would say it twice
    substituted = last if step.values and not isinstance(last, sp.Symbol) and \
        (last.free_symbols & set(step.values)) else None
    return Worked(lhs=step.lhs, forms=tuple(step.forms), substituted=substituted,
                  values=step.values if substituted is not None else {}, value=step.value,
                  show_value=step.show_value, relation=step.relation, sample=step.sample,
                  phase=step.phase, dotted=step.phase not in ("forward", "loss"), said=step.said,
                  note=step.note)


def known(values: dict) -> dict:
    """The entries that are numbers (a symbolic input is not 'given' a value)."""
    return {s: v for s, v in values.items() if v.is_number}


def summary(solution: Solution) -> tuple:
    out = []
    if solution.sums is not None:  # one sample's symbols: the Σ lines are the result
        return ()
    first = solution.first
    combined = combined_gradients(solution, first)
    rows = tuple((p, first.params[p], combined.get(p, first.gradients[p]))
                 for p in solution.graph.params if p in first.gradients)
    if rows:
        places = loss_places(solution.graph, ())
        out.append(GradientTable(rows, solution.loss_symbol, trained=bool(solution.updates),
                                 place=places[0] if places else ""))
    if first.loss is not None and first.loss.is_number:
        after = losses_after(solution)
        out.append(Losses(solution.loss_symbol, first.loss, after, loss_places(solution.graph, after)))
    return tuple(out)


def combined_gradients(solution: Solution, current: Pass) -> dict:
    """parameter -> its gradient as the line combining the samples writes it: where it is
    symbolic, each sample's quantities carry their sample (h⁽¹⁾, ŷ⁽²⁾), as in that line."""
    if len(current.samples) < 2:
        return {}
    lines = {step.lhs: step.value for step in current.reduce}
    derivative = solution.graph.names.derivative
    return {p: lines[derivative(solution.loss_symbol, p)] for p, value in current.gradients.items()
            if not value.is_number and derivative(solution.loss_symbol, p) in lines}


def losses_after(solution) -> tuple:
    """(k, the loss after step k) for each step whose pass was worked."""
    out = []
    for update in solution.updates:
        after = [p for p in solution.passes if p.iteration == update.iteration]
        if after and after[0].loss is not None:
            out.append((update.iteration, after[0].loss))
    return tuple(out)
