"""A derivative on request: ∂A/∂B for any two quantities of a solved graph or layered
problem (`ask: ['d(h2_1)/d(W2)', 'dL/dx']`), worked as the chain rule is taught.

The graph form accumulates backwards from A, one line per quantity on a path from B to A
(∂A/∂n = Σ ∂A/∂c · ∂c/∂n over the quantities c that use n). The layered form multiplies
the local Jacobians of the layers between them, ∂A/∂B = ∂A/∂T · ∂T/∂S ⋯ ∂U/∂B (rows: A's
entries, columns: B's), and for a weight matrix W writes ∂A/∂W = (∂A/∂z)ᵀ a, the outer
product with the layer's input. Each local derivative is taken from the node's own
formula and evaluated at the sample's values; where the problem is symbolic it stays in
the problem's names ([z > 0], W₁,₂, h₁). Derivatives of the loss over several samples are
rows, one per sample, scaled as the loss is (1/m for the mean).

Nothing here prints. Values are checked against torch in tests/test_ask.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivatives_base import Line, Operand, Refused, _fraction, _Locals, _sample_fraction, backwards, consumers_of

__all__ = ["Line", "Operand", "Refused", "work"]

#: The largest Jacobian a request may ask for (entries), so that a typo in a wide network
#: does not write a page of zeros.
MAX_ENTRIES = 5000


@dataclass(frozen=True)
class Chain:
    """Layered form, one sample: ∂A/∂B = F₁ · F₂ ⋯ = result, each factor (LaTeX, Unicode,
    rows); `outer`: a weight's last step ((∂A/∂z name, column rows), (a name, row rows))."""

    name: tuple  # (LaTeX, Unicode) of ∂A/∂B for this sample
    factors: tuple
    result: tuple  # rows
    outer: tuple | None = None
    middle: tuple | None = None  # (LaTeX, Unicode) of ∂A/∂z, when `outer` follows a chain


@dataclass(frozen=True)
class Asked:
    """A worked derivative: its key and symbol, its value, and the work of each sample."""

    key: str
    symbol: tuple  # (LaTeX, Unicode)
    value: object  # a SymPy value or nested lists of them
    form: str  # graph, network or typed (derivatives_typed.py)
    samples: tuple  # (sample or None, lines or Chain, that sample's value shaped)
    scale: sp.Expr | None = None  # the loss's factor over the samples (1/m), if any
    batch: bool = False  # one row per sample
    summed: bool = False  # a parameter's gradient: the samples' rows added


def work(solution, top: str, bottom: str, sample: int | None) -> Asked:
    kind = getattr(solution, "kind", "graph")
    scalar = solution.scalar if kind == "network" else solution
    if scalar is None:
        raise Refused("with symbolic sizes there are no entries to differentiate; give every "
                      "layer a number of units")
    graph = scalar.graph
    # conv, pooling, batchnorm, rnn: worked over the scalar graph (derivatives_typed.py)
    from . import derivatives_typed as typed

    shaped_net = kind == "network" and typed.typed(solution.network)
    operands = typed.operands(solution) if shaped_net else \
        _network_operands(solution) if kind == "network" else _graph_operands(scalar)
    shape = typed.shaped if shaped_net else _shaped
    A, B = _operand(operands, top), _operand(operands, bottom)
    if B.kind == "loss":
        raise Refused(f"'{bottom}' is the loss; ask for the derivative of the loss with respect "
                      f"to something, like d({top})/d(...)")
    if A.symbols == B.symbols:
        raise Refused(f"d({top})/d({bottom}) is the derivative of a quantity by itself, the "
                      f"identity; ask for a later quantity's, like d(L)/d({bottom})")
    if B.kind == "target":
        raise Refused(f"'{bottom}' is a target; ask for a derivative with respect to an input, "
                      f"a parameter or a node")
    # the wrong way round (B computed from A) is refused; a quantity A does not use has 0
    if A.kind in ("param", "input", "target") or _depends(graph, B.symbols, A.symbols):
        raise Refused(f"'{top}' does not depend on '{bottom}'; ask for the derivative of a later "
                      f"quantity, like d(L)/d({bottom})")
    if len(A.symbols) * len(B.symbols) > MAX_ENTRIES:
        raise Refused(f"d({top})/d({bottom}) has {len(A.symbols) * len(B.symbols)} entries; the "
                      f"limit is {MAX_ENTRIES}: ask for an entry, like d({A.plain}_1)/d({bottom})")
    passes = {s.index: s for s in scalar.first.samples}  # with batch_size: step 1's batch
    m = len(graph.samples)
    loss_plain = graph.names[graph.loss.symbol].plain if graph.loss is not None else "L"
    if sample is not None and not 1 <= sample <= m:
        raise Refused(f"there is no sample {sample}; the samples are 1 to {m}")
    if sample is not None and sample not in passes:
        raise Refused(f"sample {sample} is not in the first step's batch (samples "
                      f"{', '.join(map(str, passes))}); ask for one of those")
    summed = A.kind == "loss" and B.kind == "param" and sample is None
    # a gradient over the data is the engine's, worked in its backward pass; only where it
    # is symbolic over several samples is it summed here, each sample in its own symbols
    # (the engine's one formula leaves ŷ unmarked)
    numeric = all(scalar.first.gradients.get(s, sp.Integer(0)).is_number for s in B.symbols)
    if summed and (m == 1 or numeric or graph.penalty is not None or graph.batches is not None):
        # the gradient over the data, the engine's (penalty and all), in the names it writes
        grads = scalar.first.gradients
        value = shape([[grads.get(s, sp.Integer(0)) for s in B.symbols]], A, B)
        return Asked(f"gradients.{B.plain}", _fraction(A, B), value, kind, ())
    if sample is None and m > 1 and A.kind != "loss":
        raise Refused(f"the problem has {m} samples; say which, like samples.1.d({top})/d({bottom})")
    if graph.batches is not None and sample is None and A.kind == "loss":
        raise Refused("with batch_size the loss changes from step to step; ask for one sample's, "
                      f"like samples.1.d({top})/d({bottom})")
    chosen = [sample] if sample is not None else ([1] if m == 1 else list(range(1, m + 1)))
    by_sample = []
    for k in chosen:
        env = _env(scalar, passes[k])
        if shaped_net:
            one = typed.work(solution, A, B, env, k, m)
        else:
            one = _graph_work(scalar, A, B, env, k, m) if kind == "graph" else \
                _chain_work(solution, A, B, env, k, m)
        by_sample.append((k if m > 1 else None, one,
                          one.value if shaped_net else _value_of(one, A, B, kind)))
    values = [value for _, _, value in by_sample]
    kind = "typed" if shaped_net else kind  # the form of the work
    if A.kind != "loss":
        top_plain = A.plain
    elif m == 1 or sample is None:
        top_plain = loss_plain
    else:
        top_plain = f"{graph.names[scalar.sample_loss].plain}({sample})"
    if sample is None and m > 1:  # the loss over the data: one row per sample, scaled
        scale = sp.Rational(1, m) if graph.reduction == "mean" else sp.Integer(1)
        value = [_scaled(v, scale) for v in values]
        if summed:  # a parameter's: the samples' terms added, each sample's own symbols
            total = _added(value)
            return Asked(f"gradients.{B.plain}", _fraction(A, B), total, kind, tuple(by_sample),
                         scale if scale != 1 else None, batch=True, summed=True)
        # one row per sample: a column of numbers, or a vector a row
        value = [v if isinstance(v, list) else [v] for v in value]
        return Asked(f"derivatives.d{top_plain}/d{B.plain}", _fraction(A, B), value, kind,
                     tuple(by_sample), scale if scale != 1 else None, batch=True)
    k = chosen[0]
    symbol = _sample_fraction(scalar, A, B, k) if m > 1 else _fraction(A, B)
    return Asked(f"samples.{k}.d{top_plain}/d{B.plain}", symbol, values[0], kind,
                 tuple(by_sample))


def _depends(graph, tops, bottoms) -> bool:
    """Whether any of `tops` is computed from any of `bottoms`."""
    found = set(bottoms)
    for node in graph.nodes:
        if node.expr.free_symbols & found:
            found.add(node.symbol)
    return any(t in found for t in tops)


def _added(values):
    if isinstance(values[0], list):
        return [_added([v[i] for v in values]) for i in range(len(values[0]))]
    return _tidy(sp.Add(*values))


def _scaled(value, scale):
    if isinstance(value, list):
        return [_scaled(v, scale) for v in value]
    return value * scale


# -- what a name means ---------------------------------------------------------------------

def _operand(operands: dict, name: str) -> Operand:
    if name in operands:
        return operands[name]
    from .suggest import did_you_mean

    hint = did_you_mean(name, list(operands)) or f" (the quantities: {', '.join(list(operands)[:12])})"
    raise Refused(f"'{name}' is not a quantity of this problem{hint}")


def _graph_operands(scalar) -> dict:
    graph, names = scalar.graph, scalar.graph.names
    out = {}
    for kind, symbols in (("input", graph.inputs), ("target", graph.targets),
                          ("param", graph.params),
                          ("node", [n.symbol for n in graph.nodes if n is not graph.loss])):
        for s in symbols:
            n = names[s]
            out[n.plain] = Operand(n.plain, n.latex, n.unicode, (s,), (), kind)
    if graph.loss is not None:
        n = names[graph.loss.symbol]
        loss = Operand(n.plain, n.latex, n.unicode, (graph.loss.symbol,), (), "loss")
        for alias in {n.plain, "L", "l", names[scalar.sample_loss].plain}:
            out.setdefault(alias, loss)
    return out


def _network_operands(solution) -> dict:
    """x, W1, b1, z1, a1 (and h1 in the notation's letters), yhat, their entries, the loss."""
    net, problem = solution.network, solution.problem
    graph = solution.scalar.graph
    names = graph.names
    out = {}
    L = len(net.layers)

    def add(tensor, kind, position, aliases=()):
        shape = (len(tensor.entries), len(tensor.entries[0])) if tensor.matrix else (len(tensor.entries),)
        whole = Operand(tensor.plain, tensor.latex, tensor.unicode, tuple(tensor.symbols), shape,
                        kind, position, tensor)
        for alias in (tensor.plain,) + tuple(aliases):
            out.setdefault(alias, whole)
        for s in tensor.symbols:
            n = names[s]
            entry = Operand(n.plain, n.latex, n.unicode, (s,), (), kind, position, tensor)
            out.setdefault(n.plain, entry)
            for alias in aliases:
                if n.plain.startswith(tensor.plain + "_"):
                    out.setdefault(alias + n.plain[len(tensor.plain):], entry)

    add(net.x, "input", 0)
    for layer in net.layers:
        l = layer.index
        add(layer.W, "param", 2 * l - 1)
        if layer.b is not None:
            add(layer.b, "param", 2 * l - 1)
        add(layer.z, "node", 2 * l - 1, (f"{problem.pre}{l}",))
        add(layer.a, "node", 2 * l, (f"{problem.post}{l}", f"a{l}") if l < L else
            (f"{problem.post}{l}", "f", "output"))
    if graph.loss is not None:
        n = names[graph.loss.symbol]
        loss = Operand(n.plain, n.latex, n.unicode, (graph.loss.symbol,), (), "loss", 2 * L + 1)
        for alias in (n.plain, "L", "l"):
            out.setdefault(alias, loss)
        add(net.y, "target", None)
    return out


# -- values --------------------------------------------------------------------------------

def _env(scalar, sample) -> dict:
    """Symbol -> number for one sample: the parameters, its inputs and targets, its nodes."""
    env = {p: v for p, v in scalar.first.params.items() if v.is_number}
    env.update({s: v for s, v in sample.given.items() if v.is_number})
    env.update({s: v for s, v in sample.values.items() if v.is_number})
    return env


def _value_of(one, A: Operand, B: Operand, kind: str):
    """The answer's value from one sample's work: shaped by A and B (a scalar by a matrix
    is the matrix's shape, a vector by a vector a Jacobian, rows A's entries)."""
    if kind == "graph":
        return one[-1].value
    rows = one[-1].result if isinstance(one, tuple) else one.result
    return _shaped([list(r) for r in rows], A, B)


def _shaped(rows, A: Operand, B: Operand):
    flat_b = len(B.shape) == 2
    if not A.shape:  # one row
        row = rows[0]
        if flat_b:
            cols = B.shape[1]
            return [row[i * cols:(i + 1) * cols] for i in range(B.shape[0])]
        return row[0] if not B.shape else row
    if not B.shape:
        return [r[0] for r in rows]
    if flat_b:
        cols = B.shape[1]
        return [[r[i * cols:(i + 1) * cols] for i in range(B.shape[0])] for r in rows]
    return rows


# -- the graph form: backwards from A -----------------------------------------------------

def _graph_work(scalar, A: Operand, B: Operand, env: dict, k: int, m: int) -> tuple:
    """∂A/∂n for each n on a path from B to A, from A backwards (A's own sample's)."""
    graph, names = scalar.graph, scalar.graph.names
    a, b = A.symbols[0], B.symbols[0]
    local = _Locals(graph, env, k if m > 1 else None)
    order = [n.symbol for n in graph.nodes]
    consumers = consumers_of(graph)
    after = {b}  # what depends on b
    for s in order:
        if local.by_symbol[s].expr.free_symbols & after:
            after.add(s)
    top = scalar.sample_loss if A.kind == "loss" else a
    sample = k if m > 1 and A.kind == "loss" else None
    if a not in after:  # A does not use B: its derivative is 0
        zero = sp.Integer(0)
        return (Line(names.derivative(top, b, sample), zero, zero, {}, zero),)
    before = {a}  # what a depends on
    for s in reversed(order):
        if s in before:
            before |= local.by_symbol[s].expr.free_symbols
    path = [s for s in reversed(order) if s in after and s in before and s != a]
    if b not in local.by_symbol:
        path.append(b)
    return tuple(line for _, line in backwards(path, a, top, consumers, local, env, names, sample))


# -- the layered form: a product of local Jacobians -----------------------------------------

def _chain_work(solution, A: Operand, B: Operand, env: dict, k: int, m: int) -> Chain:
    net = solution.network
    local = _Locals(solution.scalar.graph, env, k if m > 1 else None)
    sequence = [net.x] + [t for layer in net.layers for t in (layer.z, layer.a)]
    weight = B.kind == "param"
    start = B.position  # a weight's: its layer's z
    if A.position is None or A.position < start:
        raise Refused(f"'{A.plain}' does not depend on '{B.plain}'; ask for the derivative "
                      f"of a later quantity, like d(L)/d({B.plain})")
    factors = []
    rows = list(A.symbols)
    for p in range(A.position, start, -1):  # ∂T_p/∂T_(p-1), from A down to B
        lower = sequence[p - 1]
        upper = (A.latex, A.unicode) if p == A.position else (sequence[p].latex, sequence[p].unicode)
        if p == A.position and A.kind == "loss" and m > 1:  # one sample's loss, ℓ
            n = solution.scalar.graph.names[solution.scalar.sample_loss]
            upper = (n.latex, n.unicode)
        matrix = tuple(tuple(local(r, c) for c in lower.symbols) for r in rows)
        factors.append(((f"\\frac{{\\partial {upper[0]}}}{{\\partial {lower.latex}}}",
                         f"∂{upper[1]}/∂{lower.unicode}"), matrix))
        rows = list(lower.symbols)
    below = sequence[start].symbols  # the columns of the product
    product = _product([f[1] for f in factors]) if factors else \
        tuple(tuple(sp.Integer(int(r == c)) for c in below) for r in A.symbols)
    name = _sample_fraction(solution.scalar, A, B, k) if m > 1 else _fraction(A, B)
    if not weight:
        columns = [below.index(s) for s in B.symbols]
        return Chain(name, tuple(factors), tuple(tuple(row[j] for j in columns) for row in product))
    # ∂A/∂W_jk = ∂A/∂z_j · a_k (in either convention); ∂A/∂b_j = ∂A/∂z_j
    layer = net.layers[(start + 1) // 2 - 1]
    inputs = [env.get(s, local.marks.get(s, s)) for s in layer.previous.symbols]
    result = []
    for row in product:
        entries = [row[j] * a for j in range(len(row)) for a in inputs] \
            if B.tensor is layer.W else list(row)
        picked = dict(zip(B.tensor.symbols, entries))
        result.append(tuple(picked[s] for s in B.symbols))
    outer = None
    if B.tensor is layer.W and len(A.symbols) == 1:
        previous = (layer.previous.latex, layer.previous.unicode) if m == 1 else \
            solution.scalar.graph.names._marked(_whole(layer.previous), k)
        outer = (tuple((e,) for e in product[0]), (*previous, (tuple(inputs),)))
    middle = _sample_fraction(solution.scalar, A, _whole(layer.z), k) if m > 1 else \
        _fraction(A, _whole(layer.z))
    return Chain(name, tuple(factors), tuple(result), outer, middle)


def _whole(tensor) -> Operand:
    return Operand(tensor.plain, tensor.latex, tensor.unicode, tuple(tensor.symbols),
                   (len(tensor.entries),), "node", None, tensor)


def _product(matrices) -> tuple:
    result = sp.Matrix(matrices[0])
    for matrix in matrices[1:]:
        result = result * sp.Matrix(matrix)
    return tuple(tuple(_tidy(result[i, j]) for j in range(result.cols)) for i in range(result.rows))


def _tidy(value):
    return value if value.is_number else sp.factor_terms(value)
