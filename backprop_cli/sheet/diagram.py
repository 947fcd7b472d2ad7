"""The network of a graph-form or layered-form solution as a Diagram: which units stand in
which column, and which edges join them, labelled with the parameter each multiplies.

Only structure is read here (the formulas as written, the layers' sizes); where each unit
is drawn is render/diagram.py's business.
"""

from __future__ import annotations

import sympy as sp

from ..graph import Graph, derive_name, superscript
from .model import Diagram, DiagramEdge, DiagramUnit, Named

#: A layer whose edges are more than this many is drawn with its matrix's name instead
#: of a number on every edge; a column of more units than this shows a few and dots.
LABELLED_EDGES = 9
#: A network of more layers than this is drawn with the matrices' names throughout: its
#: columns stand too close for numbers on every edge to say which edge each belongs to.
LABELLED_LAYERS = 3
#: The graph form: most edges into one column that show their parameter's value too.
NAMED_VALUES = 4
DRAWN_UNITS = 6
_SUBSCRIPT = str.maketrans("0123456789ijkmn", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₘₙ")


# --- the graph form ------------------------------------------------------------------------


def graph_diagram(graph: Graph, sample_loss: sp.Symbol | None) -> Diagram:
    """Inputs in the first column, each node in the column of its depth (the longest path
    from the inputs), the loss last; a target stands just before the loss it enters."""
    order = list(graph.inputs)
    depth = {x: 0 for x in graph.inputs}
    edges, placed, biases = [], [], {}
    params = set(graph.params)
    given = [n for n in graph.nodes if n.given and n is not graph.loss]
    for node in given:
        formula = node.written if node.written is not None else node.display
        used = sorted((s for s in formula.free_symbols if s in depth), key=order.index)
        depth[node.symbol] = 1 + max((depth[s] for s in used), default=0)
        order.append(node.symbol)
        placed.append(DiagramUnit(_key(node.symbol), node.symbol))
        weights = _weights(formula, set(used), params)
        for source in used:
            weight = weights.get(source)
            value = graph.param_values.get(weight) if weight is not None else None
            if weight is not None and weight.is_number:
                weight, value = None, weight
            edges.append(DiagramEdge(_key(source), _key(node.symbol), weight, value))
        for bias in _biases(formula, params) if used else ():  # `a + b` of parameters: no unit
            key = f"b:{depth[node.symbol] - 1}"
            biases[depth[node.symbol] - 1] = DiagramUnit(key, "1", "bias")
            edges.append(DiagramEdge(key, _key(node.symbol), bias, graph.param_values.get(bias)))
    columns = [[DiagramUnit(_key(x), x, "input") for x in graph.inputs]]
    for unit, node in zip(placed, given):
        _column(columns, depth[node.symbol]).append(unit)
    for column, unit in biases.items():  # one bias unit "1" atop a column, as in a layered net
        _column(columns, column).insert(0, unit)
    if graph.loss is not None:
        loss = graph.loss.written if graph.loss.written is not None else graph.loss.display
        last = 1 + max((depth[s] for s in loss.free_symbols if s in depth), default=0)
        targets = [t for t in graph.targets if t in loss.free_symbols]
        for target in targets:
            _column(columns, last - 1).append(DiagramUnit(_key(target), target, "target"))
        _column(columns, last).append(DiagramUnit("loss", sample_loss or graph.loss.symbol, "loss"))
        for source in sorted((s for s in loss.free_symbols if s in depth or s in targets),
                             key=lambda s: (s in targets, order.index(s) if s in order else targets.index(s))):
            edges.append(DiagramEdge(_key(source), "loss"))
    return Diagram(tuple(tuple(c) for c in columns), tuple(_named_only(edges, depth)))


def _named_only(edges: list, depth: dict) -> list:
    """Into a column reached by more than NAMED_VALUES weighted edges, the edges carry the
    parameters' names alone (their values are in the table below the picture): six
    `a₁ = 0.5` between two columns cover each other."""
    column = {_key(symbol): d for symbol, d in depth.items()}
    into: dict = {}
    for edge in edges:
        if edge.label is not None and edge.value is not None:
            into.setdefault(column.get(edge.target), []).append(edge)
    crowded = {id(e) for group in into.values() if len(group) > NAMED_VALUES for e in group}
    return [DiagramEdge(e.source, e.target, e.label, None) if id(e) in crowded else e
            for e in edges]


def _key(symbol: sp.Symbol) -> str:
    return f"s:{symbol.name}"


def _column(columns: list, index: int) -> list:
    while len(columns) <= index:
        columns.append([])
    return columns[index]


def _biases(formula: sp.Expr, params: set) -> list:
    """The parameters added alone to a weighted sum (`w*x + b`, or an activation of one):
    the bias terms, drawn as an edge from a unit "1"."""
    inner = formula.args[0] if isinstance(formula, sp.Function) and formula.args else formula
    if not isinstance(inner, sp.Add):
        return []
    return sorted((t for t in inner.args if t in params), key=lambda t: t.name)


def _weights(formula: sp.Expr, sources: set, params: set) -> dict:
    """source -> the parameter (or number) it is multiplied by, where the formula is a
    weighted sum (or an activation of one) and the source is in one term only, as
    `parameter * source`."""
    inner = formula
    if isinstance(formula, sp.Function) and formula.args:
        inner = formula.args[0]
    terms = inner.args if isinstance(inner, sp.Add) else (inner,)
    found, seen = {}, {}
    for term in terms:
        for source in term.free_symbols & sources:
            seen[source] = seen.get(source, 0) + 1
        if not isinstance(term, sp.Mul) or len(term.args) != 2:
            continue
        a, b = term.args
        for source, weight in ((a, b), (b, a)):
            if source in sources and (weight in params or (weight.is_number and weight.is_positive)):
                found[source] = weight
    return {s: w for s, w in found.items() if seen.get(s) == 1}


# --- the layered form ------------------------------------------------------------------------


def network_diagram(solution) -> Diagram:
    """Layers of units, x to ŷ, with a bias unit ("1") atop a column whose next layer has
    biases; every weight's value on its edge in a small layer of numbers, else the
    matrix's name between the columns."""
    problem = solution.problem
    network = solution.network
    sizes = problem.sizes
    columns, edges, between = [], [], []
    units = [_units(problem, network, 0, sizes[0])]
    for l in range(1, len(sizes)):
        units.append(_units(problem, network, l, sizes[l]))
    for l, drawn in enumerate(units):
        bias = l < len(problem.layers) and problem.layers[l].bias
        column = ([DiagramUnit(f"b{l}", "1", "bias")] if bias else []) + \
            [DiagramUnit(key, label, "dots" if i is None else "input" if l == 0 else "unit")
             for key, label, i in drawn]
        columns.append(tuple(column))
    for l, spec in enumerate(problem.layers, start=1):
        view = network.layers[l - 1] if network is not None else None
        drawn = [(key, i) for key, _, i in units[l] if i is not None]
        before = [(key, j) for key, _, j in units[l - 1] if j is not None]
        # (source, target, the parameter on the edge: None without a network of entries)
        weights = [(source, target, view.W.entries[i][j] if view else None)
                   for target, i in drawn for source, j in before]
        if spec.bias:
            weights += [(f"b{l - 1}", target, view.b.entries[i] if view else None)
                        for target, i in drawn]
        every_unit = len(drawn) == sizes[l] and len(before) == sizes[l - 1]
        labelled = view is not None and every_unit and len(weights) <= LABELLED_EDGES and \
            len(problem.layers) <= LABELLED_LAYERS and \
            all(_value(solution, w) is not None for *_, w in weights)
        edges += [DiagramEdge(source, target, None, _value(solution, w) if labelled else None)
                  for source, target, w in weights]
        between.append(None if labelled else _matrix_name(view, l, spec.bias))
    captions = (None,) + tuple(spec.activation for spec in problem.layers)
    return Diagram(tuple(columns), tuple(edges), captions, tuple(between))


def _value(solution, symbol):
    return solution.scalar.graph.param_values.get(symbol)


def _shown(size) -> list:
    """The 0-based indices of the units drawn, None for the dots: all of a small layer,
    1, 2, …, n of a symbolic or large one."""
    if isinstance(size, int) and size <= DRAWN_UNITS:
        return list(range(size))
    last = size - 1 if isinstance(size, int) else "n"
    return [0, 1, None, last] if isinstance(size, str) else [0, 1, 2, None, last]


def _units(problem, network, l: int, size) -> list:
    """(key, label, index) for each unit drawn in column l (0: the inputs)."""
    out = []
    for i in _shown(size):
        if i is None:
            out.append((f"d{l}", "dots", None))
            continue
        if network is not None:
            tensor = network.x if l == 0 else network.layers[l - 1].a
            out.append((f"u{l}_{i}", tensor.entries[i], i))
        else:
            out.append((f"u{l}_{i}", _symbolic_unit(problem, l, size, i), i))
    return out


def _symbolic_unit(problem, l: int, size, i) -> Named:
    """x₁, a⁽¹⁾ₙ₁, ŷ: a unit of a layer whose size is a symbol."""
    last = l == len(problem.layers)
    if i == "n":
        sub = derive_name(size)
        index_latex, index_uni = sub.latex, size.translate(_SUBSCRIPT)
    else:
        index_latex, index_uni = str(i + 1), str(i + 1).translate(_SUBSCRIPT)
    if last and size == 1:
        return Named("\\hat{y}", "ŷ")
    if l == 0:
        return Named(f"x_{{{index_latex}}}", f"x{index_uni}")
    if last:
        return Named(f"\\hat{{y}}_{{{index_latex}}}", f"ŷ{index_uni}")
    letter = derive_name(problem.post)
    return Named(f"{letter.latex}^{{({l})}}_{{{index_latex}}}",
                 f"{letter.unicode}{superscript(f'({l})')}{index_uni}")


def _matrix_name(view, l: int, bias: bool) -> Named:
    """W⁽ˡ⁾ (and b⁽ˡ⁾) written between two columns."""
    if view is not None:
        names = [(view.W.latex, view.W.unicode)] + ([(view.b.latex, view.b.unicode)] if bias else [])
    else:
        names = [(f"W^{{({l})}}", f"W{superscript(f'({l})')}")] + \
            ([(f"b^{{({l})}}", f"b{superscript(f'({l})')}")] if bias else [])
    return Named(",\\ ".join(n[0] for n in names), ", ".join(n[1] for n in names))
