"""Every quantity a solution knows, in order, under its one public name.

A quantity has a `name`, the one the JSON's worked steps use (`z1`, `yhat`, `l(2)`,
`dl(2)/dw1`, `dL/dw1`, `L`), and a `key`, the place it has in the JSON contract and in a
student's answers file (`samples.2.z1`, `samples.2.loss`, `gradients.w1`, `loss`,
`updates.1.params.w1`, `updates.1.loss`). The key is unique; the name says what the
quantity is. Values are the engine's, never recomputed: SymPy numbers, nested lists of them
(a layered problem's vectors and matrices), or SymPy expressions where something is symbolic.

    key                               what
    loss                              the loss L over the data
    gradients.<p>                     ∂L/∂p over the data
    samples.<k>.<name>                a forward value of sample k (k from 1)
    samples.<k>.loss                  the loss of sample k
    samples.<k>.<dl(k)/dq>            a backward quantity of sample k (dL/dq with one sample)
    updates.<t>.params.<p>            p after optimizer step t (t from 1)
    updates.<t>.state.<s>.<p>         the optimizer's state s of p after step t (velocity,
                                      m, v, square_avg, momentum_buffer, sum)
    updates.<t>.loss                  the loss after step t
    updates.<t>.samples.<k>.<name>    a quantity of sample k after step t
    derivatives.<df/dx>               a calculus problem's partial derivative (a formula)
    at.<name>                         its value at the point, and the inner functions' values
    update.formulas.<x>, update.values.<x>   a calculus problem's gradient-descent step

Nothing here computes, prints or imports a renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp


@dataclass(frozen=True)
class Quantity:
    key: str  # where it is: 'samples.2.z1', 'gradients.w1', 'loss', 'updates.1.params.w1'
    name: str  # what it is: 'z1', 'dl(2)/dw1', 'dL/dw1', 'L'
    value: Any  # a SymPy number, a nested list of them, or a SymPy expression
    phase: str  # forward, loss, backward, gradient, update, derivative, point
    sample: int | None = None  # 1-based, for a quantity of one sample
    step: int = 0  # optimizer steps taken before it: 0 at the given parameters


def quantities(solution) -> list[Quantity]:
    """The quantities of a solution of any form, in the order a worked solution shows them."""
    kind = getattr(solution, "kind", "graph")
    if kind == "calculus":
        return _calculus(solution)
    if kind == "network":
        return _network(solution)
    return _graph(solution)


# -- the graph form ----------------------------------------------------------------------------

def _graph(solution) -> list[Quantity]:
    names = solution.graph.names.names
    plain = lambda s: names[s].plain if s in names else str(s)  # noqa: E731
    _full = _in_plain_names(names)
    loss = solution.graph.loss
    out: list[Quantity] = []
    for current in solution.passes:
        t = current.iteration
        if t:
            update = solution.updates[t - 1]
            out += [Quantity(f"updates.{t}.params.{plain(p)}", plain(p),
                             _full(update.params[p], update.full_params[p]), "update", step=t)
                    for p in update.params]
            out += [Quantity(f"updates.{t}.state.{name}.{plain(p)}", plain(p), _full(v, None),
                             "update", step=t)
                    for name, values in update.state.items() for p, v in values.items()]
        prefix = f"updates.{t}." if t else ""
        for sample in current.samples:
            k = sample.index
            for st in sample.forward:
                is_loss = st.phase == "loss"
                symbol = loss.symbol if is_loss else st.lhs
                where = "loss" if is_loss else plain(st.lhs)
                out.append(Quantity(f"{prefix}samples.{k}.{where}", plain(st.lhs),
                                    _full(st.value, sample.full[symbol]), st.phase, k, t))
        if current.loss is not None:
            out.append(Quantity(f"updates.{t}.loss" if t else "loss", plain(loss.symbol),
                                _full(current.loss, current.full_loss), "loss", step=t))
        for sample in current.samples:
            out += [Quantity(f"{prefix}samples.{sample.index}.{plain(st.lhs)}", plain(st.lhs),
                             _full(st.value, None), st.phase, sample.index, t)
                    for st in sample.backward]
        for p, value in current.gradients.items():
            name = plain(solution.graph.names.derivative(loss.symbol, p))
            out.append(Quantity(f"{prefix}gradients.{plain(p)}", name,
                                _full(value, current.full_gradients[p]), "gradient", step=t))
    return out


def _in_plain_names(names: dict):
    """full(value, expanded): the value, or where it is symbolic, `expanded` (the same in
    the problem's own parameters and inputs, where the engine has it), its symbols named as
    the JSON names them (W1_1_2, not the engine's W1[1,2]), real like the engine's."""
    renamed: dict = {}

    def full(value, expanded):
        if value.is_number:
            return value
        expr = expanded if expanded is not None else value
        for s in expr.free_symbols - renamed.keys():
            renamed[s] = sp.Symbol(names[s].plain, real=True) if s in names and \
                names[s].plain != s.name else s
        return expr.xreplace({s: renamed[s] for s in expr.free_symbols})

    return full


# -- the layered form: the same quantities, entries gathered into vectors and matrices ------------

def _network(solution) -> list[Quantity]:
    """The scalar solution's quantities, each vector or matrix whole where its first entry
    comes (z1 for z1_1 ... z1_3, dl(1)/dW1 for dl(1)/dW1_1_1 ...); an entry the backward pass
    never reached is 0."""
    if solution.scalar is None:  # symbolic sizes: there are no entries to give values
        return []
    names = solution.scalar.graph.names.names
    net = solution.network
    tensor_of = {}  # an entry's public name -> its vector or matrix
    for tensor in [t for layer in net.layers for t in layer.computed()] + net.tensors():
        for s in tensor.symbols:  # the first: a flatten layer's vector is its map's entries
            tensor_of.setdefault(names[s].plain, tensor)
    scalar = _graph(solution.scalar)
    value = {q.key: q.value for q in scalar}
    out: list[Quantity] = []
    done = set()
    for q in scalar:
        head, _, last = q.key.rpartition(".")
        top, slash, entry = q.name.rpartition("/d")
        tensor = tensor_of.get(entry)
        if tensor is None:  # a loss
            out.append(q)
            continue
        stem = last[:len(last) - len(entry)]  # 'dl(1)/d' of 'dl(1)/dz1_2', '' of 'z1_2'
        key = f"{head}.{stem}{tensor.plain}" if head else f"{stem}{tensor.plain}"
        if key in done:
            continue
        done.add(key)
        reached = lambda s: value.get(f"{head}.{stem}{names[s].plain}", sp.Integer(0))  # noqa: E731
        out.append(Quantity(key, f"{top}{slash}{tensor.plain}", _gather(tensor, reached),
                            q.phase, q.sample, q.step))
    return out


def _gather(tensor, value_of, entries=None):
    """Nested lists of a vector, matrix, kernel or feature map."""
    entries = tensor.entries if entries is None else entries
    return [_gather(tensor, value_of, e) if isinstance(e, tuple) else value_of(e) for e in entries]


# -- the calculus form ---------------------------------------------------------------------------

def _calculus(solution) -> list[Quantity]:
    names = solution.names
    plain = lambda s: names[s].plain  # noqa: E731
    named = _in_plain_names(names)
    entry = lambda i, j: f"d{plain(solution.components[i])}/d{plain(solution.wrt[j])}"  # noqa: E731
    out = [Quantity(f"derivatives.{entry(i, j)}", entry(i, j), named(value, None), "derivative")
           for i, row in enumerate(solution.expanded) for j, value in enumerate(row)]
    if solution.point is not None:
        out += [Quantity(f"at.{plain(line.lhs)}", plain(line.lhs), line.value, "point")
                for line in solution.point.inner if line.lhs in names]
        out += [Quantity(f"at.{entry(i, j)}", entry(i, j), value, "point")
                for i, row in enumerate(solution.point.matrix) for j, value in enumerate(row)]
    if solution.update is not None:
        out += [Quantity(f"update.formulas.{plain(w)}", plain(w), named(f, None), "update")
                for w, f in solution.update.formulas]
        out += [Quantity(f"update.values.{plain(w)}", plain(w), named(v, None), "update")
                for w, v in solution.update.values or ()]
    return out
