"""The network of a solution with a batchnorm or rnn layer as a Diagram (drawn by
render/diagram.py as the dense network's is).

Batch normalization: layers of units as network_diagram draws them, the batch-norm layer a
column of its own, captioned so; its unit j normalizes unit j of the layer before it alone
(over the batch), so its edges go one to one, and γ, β are named between the columns where
a dense layer has W, b. A recurrent layer: unrolled over a sample's time steps, a column
per step (x at the bottom, h above it, the dense layers' outputs on top), xₜ → hₜ labelled
W_xh, hₜ₋₁ → hₜ labelled W_hh from h₀ on, hₜ → ŷₜ labelled with the dense layer's W;
beyond MAX_STEPS steps the first two, dots and the last.

Only structure is read here: the layers' sizes and the parameters' given values.
"""

from __future__ import annotations

from ..graph import superscript
from ..vocab import ACTIVATIONS
from .diagram import LABELLED_EDGES, LABELLED_LAYERS, _shown, _symbolic_unit
from .model import Diagram, DiagramEdge, DiagramUnit, Named
from .typed_sequence import _at

#: An rnn unrolled over more time steps than this is drawn with its first two, dots and
#: its last (MAX_STEPS of the spec is 20: twenty columns would not fit a page).
MAX_STEPS = 5


def typed_diagram(solution) -> Diagram | None:
    kinds = [getattr(layer, "type", "dense") for layer in solution.problem.layers]
    if "batchnorm" in kinds:
        return batchnorm_diagram(solution)
    if "rnn" in kinds:
        return rnn_diagram(solution)
    return None


# --- batch normalization -------------------------------------------------------------------


def batchnorm_diagram(solution) -> Diagram:
    problem, network = solution.problem, solution.network
    values = solution.scalar.graph.param_values
    sizes = problem.sizes
    layers = problem.layers
    dense = lambda l: l <= len(layers) and getattr(layers[l - 1], "type", "dense") == "dense"  # noqa: E731
    units = [[(f"u{l}_{i}" if i is not None else f"d{l}", i) for i in _shown(sizes[l])]
             for l in range(len(sizes))]
    columns = []
    for l, drawn in enumerate(units):
        bias = dense(l + 1) and layers[l].bias
        columns.append(tuple(([DiagramUnit(f"b{l}", "1", "bias")] if bias else []) + [
            DiagramUnit(key, "dots" if i is None else _symbolic_unit(problem, l, sizes[l], i),
                        "dots" if i is None else "input" if l == 0 else "unit") for key, i in drawn]))
    edges, between, captions = [], [], [None]
    for l, spec in enumerate(layers, start=1):
        view = network.layers[l - 1]
        drawn = [(key, i) for key, i in units[l] if i is not None]
        before = [(key, j) for key, j in units[l - 1] if j is not None]
        word = ACTIVATIONS[spec.activation].word[0]
        if not dense(l):  # batch norm: unit j from unit j alone; γ, β between the columns
            edges += [DiagramEdge(source, target) for source, j in before for target, i in drawn if i == j]
            gamma, beta = view.params
            between.append(Named(f"{gamma.latex},\\ {beta.latex}", f"{gamma.unicode}, {beta.unicode}"))
            captions.append("batch norm" + ("" if spec.activation == "identity" else f", {word}"))
            continue
        W = view.params[0]
        b = view.params[1] if len(view.params) > 1 else None
        weights = [(source, target, W.entries[i][j]) for target, i in drawn for source, j in before]
        if b is not None:
            weights += [(f"b{l - 1}", target, b.entries[i]) for target, i in drawn]
        every_unit = len(drawn) == sizes[l] and len(before) == sizes[l - 1]
        labelled = every_unit and len(weights) <= LABELLED_EDGES and len(layers) <= LABELLED_LAYERS and \
            all(values.get(w) is not None for *_, w in weights)
        edges += [DiagramEdge(source, target, None, values.get(w) if labelled else None)
                  for source, target, w in weights]
        names = [W] + ([b] if b is not None else [])
        between.append(None if labelled else Named(",\\ ".join(t.latex for t in names),
                                                   ", ".join(t.unicode for t in names)))
        captions.append(spec.activation)
    return Diagram(tuple(columns), tuple(edges), tuple(captions), tuple(between))


# --- the recurrent layer -------------------------------------------------------------------


def rnn_diagram(solution) -> Diagram:
    """A column per time step drawn, top to bottom: the dense layers' outputs (the last
    ŷₜ; at T alone with output: last), hₜ, xₜ; h₀ in a column of its own before them."""
    problem, network = solution.problem, solution.network
    rnn, after = network.layers[0], network.layers[1:]
    T = len(rnn.z.entries)
    every = problem.layers[0].output == "all"
    Wxh, Whh = rnn.params[0], rnn.params[1]
    named = lambda tensor: Named(tensor.latex, tensor.unicode)  # noqa: E731
    L = len(problem.layers)
    steps = list(range(1, T + 1)) if T <= MAX_STEPS else [1, 2, None, T]
    rows = len(after) + 2  # the dense layers' outputs, h, x

    def output(l, t) -> Named:
        if l == L:
            return _at("\\hat{y}", "ŷ", t)
        return _at(f"{problem.post}^{{({l})}}", f"{problem.post}{superscript(f'({l})')}", t)

    def column(t) -> tuple:
        if t is None:  # the steps left out: dots on h's row
            return tuple(DiagramUnit(f"gap{r}", "", "space") if r != rows - 2 else
                         DiagramUnit("dots", Named("\\cdots", "⋯"), "dots") for r in range(rows))
        top = [DiagramUnit(f"a{layer.index}_{t}", output(layer.index, t)) if every or t == T else
               DiagramUnit(f"none{layer.index}_{t}", "", "space") for layer in reversed(after)]
        return tuple(top + [DiagramUnit(f"h{t}", _at("h", "h", t)),
                            DiagramUnit(f"x{t}", _at("x", "x", t), "input")])

    first = tuple(DiagramUnit(f"start{r}", "", "space") for r in range(rows - 2)) + \
        (DiagramUnit("h0", _at("h", "h", 0)), DiagramUnit("start_x", "", "space"))
    columns = [first] + [column(t) for t in steps]
    edges = []
    previous = "h0"
    for t in steps:
        if t is None:
            edges.append(DiagramEdge(previous, "dots", named(Whh)))
            previous = "dots"
            continue
        edges.append(DiagramEdge(f"x{t}", f"h{t}", named(Wxh)))
        edges.append(DiagramEdge(previous, f"h{t}", named(Whh)))
        previous = f"h{t}"
        if every or t == T:
            source = f"h{t}"
            for layer in after:
                edges.append(DiagramEdge(source, f"a{layer.index}_{t}", named(layer.params[0])))
                source = f"a{layer.index}_{t}"
    h0 = problem.layers[0].h0
    start = "$h_0 = 0$" if h0 is None or not any(h0) else None
    captions = (start,) + tuple(None if t is None else f"$t = {t}$" for t in steps)
    return Diagram(tuple(columns), tuple(edges), captions, ())
