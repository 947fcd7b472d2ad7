"""A network with feature maps in the given part: its description (1×4×4 input → conv2d 2×2:
1×3×3 ReLU → ...), a sample's input map, a kernel as one matrix per filter and channel, and
the network drawn map by map.
"""

from __future__ import annotations

from .conv_rules import CONV_TYPES, LONG, channel, layer_name
from ..vocab import ACTIVATIONS
from .model import Mat, Named


def architecture(problem):
    """1×4×4 input → conv2d 2×2 (1 filter): 1×3×3 ReLU → maxpool2d 2×2: 1×2×2 → ..."""
    from .model import Architecture
    words = [(f"${_dims(problem.shape, True)}$ input", f"{_dims(problem.shape)} input")]
    for layer in problem.layers:
        kind = getattr(layer, "type", "dense")
        act = ACTIVATIONS[layer.activation].word
        if kind in CONV_TYPES:
            k = f"{layer.kernel}" if kind == "conv1d" else f"{layer.kernel}×{layer.kernel}"
            moves = ", ".join(t for t in (f"stride {layer.stride}" if layer.stride > 1 else "",
                                          f"padding {layer.padding}" if layer.padding else "") if t)
            head = f"{kind} {k}" + (f" ({moves})" if moves else "")
            tail = "" if layer.activation == "identity" else " {}"
            words.append((f"{head}: ${_dims(layer.shape, True)}$" + tail.format(act[0]),
                          f"{head}: {_dims(layer.shape)}" + tail.format(act[1])))
        elif kind in ("maxpool2d", "avgpool2d"):
            moves = f" (stride {layer.stride})" if layer.stride != layer.kernel else ""
            words.append((f"{kind} {layer.kernel}×{layer.kernel}{moves}: ${_dims(layer.shape, True)}$",
                          f"{kind} {layer.kernel}×{layer.kernel}{moves}: {_dims(layer.shape)}"))
        elif kind == "flatten":
            words.append((f"flatten: {layer.units}", f"flatten: {layer.units}"))
        else:
            words.append((f"{layer.units} {act[0]}", f"{layer.units} {act[1]}"))
    return Architecture(problem.inputs, tuple((layer.units, layer.activation, None)
                                              for layer in problem.layers),
                        problem.convention, any(layer.bias for layer in problem.layers),
                        (problem.pre, problem.post), words=tuple(words))


def _dims(shape, tex=False) -> str:
    return ("\\times" if tex else "×").join(map(str, shape))


def input_piece(x: list, shape: tuple):
    """A sample's input map: its one channel as a matrix; several channels are written
    channel by channel in the feature maps."""
    if shape[0] > 1:
        return Named(f"\\text{{{shape[0]} channels of }} {_dims(shape[1:], True)}\\text{{ (below)}}",
                     f"{shape[0]} channels of {_dims(shape[1:])} (below)")
    if len(shape) == 2:
        return Mat((tuple(x),))
    h, w = shape[1:]
    return Mat(tuple(tuple(x[i * w:(i + 1) * w]) for i in range(h)))


def tensor_items(tensor, value_of, tall: bool = False) -> list:
    """(name, Mat) of a parameter: a kernel as one map per filter and channel (K⁽¹⁾ of one,
    K⁽¹⁾₁,₂ of several), a vector as a row, a matrix as it is (`tall`: a long row as a
    column, its transpose: a gradient's entries are too wide for a row)."""
    name = Named(tensor.latex, tensor.unicode)
    entries = tensor.entries
    if not tensor.matrix:
        return [(name, Mat((tuple(value_of(s) for s in entries),)))]
    if not isinstance(entries[0][0], tuple):
        if tall and len(entries) == 1 and len(entries[0]) > LONG:  # a long row: its transpose
            return [(name.T, Mat(tuple((value_of(s),) for s in entries[0])))]
        return [(name, Mat(tuple(tuple(value_of(s) for s in row) for row in entries)))]
    items = []
    for f, channels in enumerate(entries):
        for c, kernel in enumerate(channels):
            rows = kernel if isinstance(kernel[0], tuple) else (kernel,)
            label = name if len(entries) == 1 and len(channels) == 1 else \
                channel(name, f if len(entries) > 1 or len(channels) > 1 else None,
                         c if len(channels) > 1 else None)
            items.append((label, Mat(tuple(tuple(value_of(s) for s in row) for row in rows))))
    return items


# --- the diagram ------------------------------------------------------------------------------

def conv_diagram(solution):
    """The network drawn map by map: one circle per channel of a map (x₁, a⁽¹⁾₂), a flat
    layer's units as the dense diagram draws them (a few and dots when long), an edge from
    every map a layer reads to every map it makes, and what joins two columns written
    between them: the kernel K⁽ˡ⁾ (and b⁽ˡ⁾), the pooling, vec, W⁽ˡ⁾ (and b⁽ˡ⁾)."""
    from .model import Diagram, DiagramEdge, DiagramUnit
    problem, network = solution.problem, solution.network
    columns = [_maps_column(Named("x", "x"), problem.shape, "input", 0)]
    edges, between, captions = [], [], [None]
    for view in network.layers:
        l, spec = view.index, getattr(view, "spec", None)
        last = l == len(network.layers)
        kind = spec.type if spec is not None else "dense"
        if spec is not None and kind != "flatten":
            name = Named("\\hat{y}", "ŷ") if last else layer_name(problem, problem.post, l)
            column = _maps_column(name, spec.shape, "unit", l)
        else:
            entries = view.a.symbols
            shown = list(range(len(entries))) if len(entries) <= 6 else [0, 1, 2, None, len(entries) - 1]
            column = [DiagramUnit(f"d{l}", "dots", "dots") if i is None else
                      DiagramUnit(f"u{l}_{i}", entries[i], "unit") for i in shown]
        before = [u.key for u in columns[-1] if u.kind != "dots"]
        after = [u.key for u in column if u.kind != "dots"]
        pairs = [(s, t) for t in after for s in before]
        if kind in ("maxpool2d", "avgpool2d"):
            pairs = list(zip(before, after))  # a channel's windows: its own map only
        edges += [DiagramEdge(s, t) for s, t in pairs]
        columns.append(column)
        if kind in CONV_TYPES or kind == "dense":
            letter = "K" if kind in CONV_TYPES else "W"
            joined = [layer_name(problem, letter, l)] + ([layer_name(problem, "b", l)] if view.b is not None else [])
            between.append(Named(",\\ ".join(n.latex for n in joined), ", ".join(n.unicode for n in joined)))
        else:
            word = "vec" if kind == "flatten" else kind[:7]
            between.append(Named(f"\\operatorname{{{word}}}", word))
        captions.append(view.activation if view.activation != "identity" or kind == "dense" else None)
    return Diagram(tuple(tuple(c) for c in columns), tuple(edges), tuple(captions), tuple(between))


def _maps_column(name: Named, shape: tuple, kind: str, l: int) -> list:
    from .model import DiagramUnit
    channels = shape[0]
    return [DiagramUnit(f"m{l}_{c}", name if channels == 1 else channel(name, c), kind)
            for c in range(channels)]
