"""A derivative on request (`ask:`) in a network with conv, pooling, flatten, batchnorm or
rnn layers: ∂A/∂B for two of its quantities, named as the JSON names them (x, K1, z1, a2,
gamma2, mu2, xhat2, h1, Whh1, yhat, their entries z1_1_2_3, and an rnn quantity's time step
h1_3), worked as the graph form works one: backwards from A over the scalar graph, one line
per quantity between them, ∂A/∂n = Σ_c ∂A/∂c · ∂c/∂n over the quantities c that use n.

These layers are not products of one weight matrix and one activation, so the dense form's
chain of layer Jacobians (derivatives.py) does not fit them; the scalar graph is where their
rules (a kernel's sum, a window's max, x̂'s use of μ and σ², hₜ's use of hₜ₋₁) are written.
Where A is the loss the backward pass has already written ∂L/∂c of every quantity c, so
only B's own lines are written, from those. A tensor's derivative keeps the shapes: a
scalar's by a map is the map's shape, a Jacobian A's shape then B's (as torch's).

Nothing here prints; values are checked against torch in tests/test_ask_typed.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .derivatives_base import Operand, _Locals, _sample_fraction, _fraction, backwards, consumers_of
from .graph import subscript

#: The most lines a worked Jacobian writes; past it, only B's own lines (the rest are the
#: same sums, one level up).
MAX_LINES = 40


@dataclass(frozen=True)
class Accumulated:
    """One sample's work: the lines (derivatives.Line), the value shaped, and the value as
    the rows of one matrix to show (a map's rows, a Jacobian's A entries by B's)."""

    name: tuple  # (LaTeX, Unicode) of ∂A/∂B for this sample
    lines: tuple
    value: object
    shown: tuple
    note: tuple | None = None  # (LaTeX, Unicode): how a Jacobian's rows and columns read


def typed(network) -> bool:
    """Whether a network has a layer the dense chain of Jacobians does not cover."""
    from .layered.compile import LayerView

    return any(not isinstance(layer, LayerView) for layer in network.layers)


def shape_of(entries) -> tuple:
    if not isinstance(entries, tuple):
        return ()
    return (len(entries),) + shape_of(entries[0]) if entries else (0,)


def operands(solution) -> dict:
    """Every tensor by its JSON name, each entry by its own, an rnn quantity's time steps."""
    net = solution.network
    graph = solution.scalar.graph
    names = graph.names
    out: dict = {}

    def add(tensor, kind):
        whole = Operand(tensor.plain, tensor.latex, tensor.unicode, tuple(tensor.symbols),
                        shape_of(tensor.entries), kind, None, tensor)
        out.setdefault(tensor.plain, whole)
        for s in tensor.symbols:
            n = names[s]
            out.setdefault(n.plain, Operand(n.plain, n.latex, n.unicode, (s,), (), kind, None, tensor))

    add(net.x, "input")
    # an rnn network's quantities are T × units: each row a time step
    timed = any(getattr(layer, "type", None) == "rnn" for layer in net.layers)
    for layer in net.layers:
        for tensor in layer.parameters():
            add(tensor, "param")
        for tensor in layer.computed():
            add(tensor, "node")
            if timed:
                _time_steps(out, tensor)
    if graph.loss is not None:
        n = names[graph.loss.symbol]
        loss = Operand(n.plain, n.latex, n.unicode, (graph.loss.symbol,), (), "loss")
        for alias in (n.plain, "L", "l"):
            out.setdefault(alias, loss)
        add(net.y, "target")
    return out


def _time_steps(out: dict, tensor) -> None:
    """h1_3: the row of time step 3 (a vector), where a row has several entries (with one
    unit, h1_3 is the entry itself)."""
    if not tensor.matrix or len(tensor.entries) < 2 or len(tensor.entries[0]) < 2:
        return  # one row (a dense layer's with output: last) is the vector itself
    first = int(str(tensor.entries[0][0]).split("[")[1].split(",")[0])  # z1[1,2]: step 1
    for t, row in enumerate(tensor.entries, start=first):
        latex = f"{{{tensor.latex}}}" if "_" in tensor.latex else tensor.latex
        uni = f"({tensor.unicode})" if "_" in tensor.latex else tensor.unicode
        plain = f"{tensor.plain}_{t}"
        out.setdefault(plain, Operand(plain, f"{latex}_{{{t}}}", uni + subscript(str(t)),
                                      tuple(row), (len(row),), "node", None, tensor))


def work(solution, A: Operand, B: Operand, env: dict, k: int, m: int) -> Accumulated:
    scalar = solution.scalar
    graph, names = scalar.graph, scalar.graph.names
    local = _Locals(graph, env, k if m > 1 else None)
    order = [n.symbol for n in graph.nodes]
    consumers = consumers_of(graph)
    wanted = list(B.symbols)
    mine = set(wanted)
    after = set(wanted)  # what depends on B
    for s in order:
        if local.by_symbol[s].expr.free_symbols & after:
            after.add(s)
    loss = A.kind == "loss"
    sample = k if m > 1 and loss else None
    rows, lines = [], []
    for a in A.symbols:
        top = scalar.sample_loss if loss else a
        before = {a}  # what a depends on
        for s in reversed(order):
            if s in before:
                before |= local.by_symbol[s].expr.free_symbols
        path = [s for s in reversed(order) if s in after and s in before and s != a]
        path += [b for b in wanted if b not in local.by_symbol and b in before]
        worked = backwards(path, a, top, consumers, local, env, names, sample, tidy=True)
        own = [(s in mine, line, s) for s, line in worked]
        adjoint = {s: line.value for s, line in worked}
        lines.append(own)
        rows.append([adjoint.get(b, sp.Integer(0)) for b in wanted])
    # the loss's ∂L/∂c are the backward pass's: only B's lines are new; a long Jacobian's
    # lines are B's too
    every = not loss and sum(len(own) for own in lines) <= MAX_LINES
    # B's lines in B's order (x₁,₁ first), where none of B's entries is computed from
    # another (hₜ is from hₜ₋₁: backwards, in the order they are worked)
    place = {b: i for i, b in enumerate(wanted)}
    if not any(local.by_symbol[b].expr.free_symbols & after for b in wanted if b in local.by_symbol):
        lines = [[p for p in own if not p[0]] + sorted((p for p in own if p[0]),
                                                       key=lambda p: place[p[2]]) for own in lines]
    kept = tuple(line for own in lines for is_b, line, _ in own if is_b or every)
    name = _sample_fraction(scalar, A, B, k) if m > 1 else _fraction(A, B)
    return Accumulated(name, kept, shaped(rows, A, B), shown_rows(rows, A, B), _reading(A, B))


def _reading(A: Operand, B: Operand) -> tuple | None:
    """A Jacobian's layout in words, where A and B both have several entries."""
    if len(A.symbols) < 2 or len(B.symbols) < 2:
        return None
    order = ", each in PyTorch's order (row by row)" if len(A.shape) > 1 or len(B.shape) > 1 else ""
    return (f"Rows: the entries of ${A.latex}$, columns: those of ${B.latex}${order}",
            f"Rows: the entries of {A.unicode}, columns: those of {B.unicode}{order}")


def _nest(flat: list, shape: tuple):
    if not shape:
        return flat[0]
    step = len(flat) // shape[0]
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def shaped(rows, A: Operand, B: Operand):
    """Rows (A's entries by B's) in A's shape then B's: a scalar's by a map is a map."""
    return _nest([_nest(row, B.shape) for row in rows], A.shape) if A.shape else _nest(rows[0], B.shape)


def shown_rows(rows, A: Operand, B: Operand) -> tuple:
    """One matrix to show: a scalar's derivative by a tensor in the tensor's rows (all but
    its last index down the side: a map's channels one under the other), a tensor's by a
    scalar a column, else the Jacobian, A's entries by B's."""
    if not A.shape:
        row = rows[0]
        if len(B.shape) < 2:
            return (tuple(row),)
        width = B.shape[-1]
        return tuple(tuple(row[i:i + width]) for i in range(0, len(row), width))
    return tuple(tuple(r) for r in rows)

