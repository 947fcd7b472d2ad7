"""A layered-form solution laid out as a Worksheet: the network given, its derivation in
matrix notation, the worked passes in matrix notation (layered/matrix.py) and/or entry by
entry (the graph form's layout of the scalar solution), the gradients as matrices.

This is the stage after solving: the matrix layout reads the engine's solution.
"""

from __future__ import annotations

from dataclasses import replace

from ..graph import LEARNING_RATE
from ..layered.matrix import Notation, general_work, matrix_work
from ..layered.solve import NetworkSolution
from ..engine import Step
from . import graph as scalar_sheet
from .conv import conv_work, shaped
from .conv_given import architecture, conv_diagram, input_piece, tensor_items
from .conv_rules import general as conv_general
from . import typed_layers
from .diagram import network_diagram
from ..vocab import LOSSES
from .model import (Architecture, Gradients, Losses, LossRule, Mat, Named, Section,
                    Tensors, Vectors, Worksheet)
from .updates import all_samples, loss_places, training

GENERAL = "The network in matrix form"
SCALAR = "Entry by entry (scalar view)"


def build_network_sheet(solution: NetworkSolution, view: str = "matrix",
                        matrix_lines: bool = True) -> Worksheet:
    """`matrix_lines=False` leaves out the worked passes in matrix notation, for outputs
    that show only the worked lines (the JSON, a notebook): laying them out is a third of
    a large network's JSON time."""
    problem = solution.problem
    scalar = solution.scalar
    if typed_layers.typed(problem):  # batchnorm, rnn: their own notation (sheet/typed_layers.py)
        return typed_layers.build_typed_sheet(solution, view, matrix_lines)
    if scalar is not None and scalar.graph.batches is not None:
        # batch_size: each pass has its own samples; the matrix layout's batch is the whole
        # data, so the passes are worked entry by entry
        matrix_lines, view = False, "scalar"
    if shaped(problem):  # conv, pooling, flatten: their maps, then every entry (sheet/conv.py)
        work = conv_work(solution.network, scalar, solution.input_adjoints) if matrix_lines else \
            replace(general_work(problem), general=conv_general(problem),
                    names=scalar.graph.names.names)
        view = "both" if view == "matrix" else view
    elif scalar is None or not matrix_lines:
        work = general_work(problem)
        if scalar is not None:
            work = replace(work, names=scalar.graph.names.names)
    else:
        work = matrix_work(solution.network, scalar)
    sections = [Section(GENERAL, tuple(work.general), level=0)]  # Tables and Derivations
    worked = scalar_sheet.sections(scalar) if scalar is not None else []
    if scalar is not None:
        if view in ("matrix", "both") and matrix_lines:
            sections += [Section(block.title, tuple(_lines(block.lines)), matrix=True)
                         for block in work.blocks]
        if view in ("scalar", "both"):
            if view == "both":
                sections.append(Section(SCALAR, level=0))
            sections += worked
    return Worksheet(form="network", title=problem.title, notes=problem.notes,
                     warnings=scalar_sheet.warnings(solution.warnings), given=given(solution),
                     sections=tuple(sections), summary=summary(solution),
                     names=work.names, steps=scalar_sheet.steps(worked), solution=solution,
                     diagram=conv_diagram(solution) if shaped(problem) else network_diagram(solution))


def _lines(lines) -> list:
    """The matrix layout's lines, the engine's Steps among them as worked lines."""
    return [scalar_sheet.worked_line(line) if isinstance(line, Step) else line for line in lines]


def _rows(tensor, convention: str) -> tuple:
    """A tensor's entry symbols as rows: a bias is a column (a row in the row convention)."""
    if tensor.matrix:
        return tensor.entries
    return (tuple(tensor.entries),) if convention == "row" else tuple((e,) for e in tensor.entries)


def _vector(values, convention: str) -> Mat:
    if convention == "row" or len(values) == 1:
        return Mat((tuple(values),))
    return Mat(tuple((v,) for v in values))


def given(solution: NetworkSolution) -> tuple:
    problem = solution.problem
    out = [architecture(problem)] if shaped(problem) else [Architecture(problem.inputs, tuple((layer.units, layer.activation, layer.alpha)
                                              for layer in problem.layers),
                        problem.convention, any(layer.bias for layer in problem.layers),
                        (problem.pre, problem.post))]


    if problem.loss:
        names = Notation(problem, batch=False)
        # with a penalty, the loss L = ℓ + R: the rule given here is ℓ's alone
        total = names.sample_loss if problem.regularization is not None and len(problem.data) == 1 \
            else names.loss
        out.append(LossRule(Named(*LOSSES[problem.loss].formula), len(problem.data), problem.reduction,
                            loss=total, sample_loss=names.sample_loss))
    if solution.scalar is None:
        return tuple(out)
    graph = solution.scalar.graph
    tensors = []
    for tensor in solution.network.tensors():
        name = Named(tensor.latex, tensor.unicode)
        if all(graph.param_values[s] is None for s in tensor.symbols):
            tensors.append((name, None))
            continue
        if shaped(problem):  # a kernel: one map per filter and channel
            tensors += tensor_items(tensor, lambda s: graph.param_values[s]
                                    if graph.param_values[s] is not None else s)
            continue
        rows = _rows(tensor, problem.convention)
        tensors.append((name, Mat(tuple(tuple(graph.param_values[s] if graph.param_values[s] is not None else s
                                              for s in row) for row in rows))))
    out.append(Tensors(tuple(tensors)))
    samples = []
    for k, given_values in all_samples(solution.scalar):
        given_values = dict(given_values)
        x = [given_values.get(s, s) for s in solution.network.x.symbols]
        y = [given_values.get(s, s) for s in solution.network.y.entries] if problem.loss else None
        samples.append((input_piece(x, problem.shape) if shaped(problem) else _vector(x, problem.convention),
                        _vector(y, problem.convention) if y is not None else None,
                        problem.data[k - 1].label))
    names = Notation(problem, batch=False)
    out.append(Vectors(tuple(samples), names=(Named("x", "x"), Named("y", "y")) if shaped(problem)
                       else (names.x, names.y)))  # maps are not bold
    if graph.lr is not None:
        out.append(training(graph, symbol=LEARNING_RATE))
    return tuple(out)


def summary(solution: NetworkSolution) -> tuple:
    if solution.scalar is None:
        return ()
    out = []
    first = solution.scalar.first
    if first.gradients and all(v.is_number for v in first.gradients.values()):
        items = tuple(item for t in solution.network.tensors() for item in (
            tensor_items(t, first.gradients.get, tall=True) if shaped(solution.problem) else
            [(Named(t.latex, t.unicode), Mat(tuple(tuple(first.gradients[e] for e in row)
                                                   for row in _rows(t, solution.problem.convention))))]))
        places = loss_places(solution.scalar.graph, ())
        out.append(Gradients(items, trained=bool(solution.scalar.updates),
                             loss=Notation(solution.problem, batch=False).loss,
                             place=places[0] if places else ""))
    if first.loss is not None and first.loss.is_number:
        after = scalar_sheet.losses_after(solution.scalar)
        out.append(Losses(solution.scalar.loss_symbol, first.loss, after,
                          loss_places(solution.scalar.graph, after)))
    return tuple(out)
