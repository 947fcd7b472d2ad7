"""What the matrix view of a network with a batchnorm or rnn layer shares (the layouts:
typed_batch.py, typed_sequence.py), which writes its worked passes in the course's matrix
notation, with numbers: batch normalization over the batch as m × n matrices, a row per
sample (CS231n, assignment 2: μ, σ², X̂, Z = γ ⊙ X̂ + β, then back through X̂, σ² and μ);
a recurrent layer time step by time step (zₜ, hₜ, ŷₜ forward; ∂ℓ/∂hₜ, δₜ backward, and the
gradients as sums of one contribution per time step).

Every number is the engine's: node values, the adjoints of its backward steps (∂ℓ/∂x̂,
∂ℓ/∂σ², δₜ, ...), its local derivatives f'(z) and its gradients and updates. A product
written out ([δₜ][xₜᵀ]) is never evaluated here: its value is the engine's, on the right.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..graph import LEARNING_RATE
from ..layered.matrix import Notation
from ..vocab import ACTIVATIONS
from . import graph as scalar_sheet
from .model import Mat, MatrixLine, Named, Op, Scalar

#: A sum over the time steps is written term by term up to this many steps (its value
#: is the engine's either way).
MAX_TERMS = 4


class TypedWork:
    """What both layouts share: the engine's values and adjoints, matrices of them."""

    def __init__(self, solution):
        self.solution = solution
        self.sol = solution.scalar
        self.net = solution.network
        self.problem = solution.problem
        self.graph = self.sol.graph
        names = self.graph.names  # the derivative lookups below add names: a copy
        self.naming = replace(names, names=dict(names.names), _derivatives=dict(names._derivatives),
                              _by_symbols=dict(names._by_symbols))
        self.m = len(self.graph.samples)
        # the layers' quantities, which the matrix lines give (the samples' losses ℓ[i] are
        # the engine's own lines, loss_lines)
        self.computed = {s for layer in self.net.layers for t in layer.computed() for s in t.symbols
                         if t is not getattr(layer, "losses", None)}

    def value(self, current, k):
        sample = current.samples[k - 1]
        env = dict(sample.given)
        env.update(current.params)
        env.update(sample.values)
        return lambda s: env[s]

    def adjoint(self, current, k):
        steps = {step.lhs: step.value for step in current.samples[k - 1].backward}
        index = k if self.m > 1 else None
        top = self.sol.sample_loss
        return lambda s: steps.get(self.naming.derivative(top, s, index), sp.Integer(0))

    def local(self, current, k, layer, t=None):
        """f'(z) of a layer's units (row t of a per-step layer), the engine's, or None."""
        known = current.samples[k - 1].local_derivatives
        a = layer.a.entries if t is None else layer.a.entries[t]
        z = layer.z.entries if t is None else layer.z.entries[t]
        rows = a if t is None else (a,)
        zs = z if t is None else (z,)
        out = tuple(tuple(known.get((ai, zi)) for ai, zi in zip(ra, rz)) for ra, rz in zip(rows, zs))
        return None if any(v is None for row in out for v in row) else Mat(out)

    def penalised(self, current) -> list:
        """With regularization:, each gradient with ∂R/∂w added, entry by entry, before the
        step that uses it (the backward pass's matrices are the loss ℓ's part), as the
        dense form's matrix view writes them."""
        if self.graph.penalty is None:
            return []
        return [s for s in current.reduce if s.phase == "reduce" and s.lhs != self.sol.loss_symbol]

    def total_lines(self, current) -> list:
        """The loss over the samples, and with a penalty R and L = ℓ + R: the engine's lines."""
        return [scalar_sheet.worked_line(s) for s in current.reduce
                if s.lhs == self.sol.loss_symbol or s.phase == "penalty"]

    def data_loss(self, total: Named) -> Named:
        """What the backward pass's matrices differentiate: L, or with a penalty the loss's
        data part ℓ (L = ℓ + R adds ∂R/∂w to the weights' gradients after)."""
        if self.graph.penalty is None:
            return total
        name = self.graph.sample_loss_name
        return Named(name.latex, name.unicode)

    def loss_lines(self, current, k) -> list:
        """The engine's loss lines (ℓ of a sample or a time step, L), not the layers'."""
        return [scalar_sheet.worked_line(s) for s in current.samples[k - 1].forward
                if s.lhs not in self.computed]

    def update(self, current, update) -> list:
        """W ← W − η ∂L/∂W with the engine's numbers; an optimizer with state or a penalty:
        the engine's lines entry by entry."""
        if self.graph.penalty is not None or len(update.steps) != len(update.params) or \
                any(st.lhs not in update.params for st in update.steps):
            return [scalar_sheet.worked_line(s) for s in self.penalised(current) + list(update.steps)]
        lines = []
        loss = Notation(self.problem, batch=False).loss
        for tensor in self.net.tensors():
            named = Named(tensor.latex, tensor.unicode)
            old, grad, new = (self.shaped(tensor, lambda s, d=d: d[s])
                              for d in (current.params, current.gradients, update.params))
            lines.append(MatrixLine((named,), (
                (named, Op("−"), Scalar(LEARNING_RATE), _d(loss, named)),
                (old, Op("−"), Scalar(self.graph.lr), grad), (new,)), relation="←"))
        return lines

    def shaped(self, tensor, value) -> Mat:
        if tensor.matrix:
            return Mat(tuple(tuple(value(s) for s in row) for row in tensor.entries))
        return self.vector(tuple(value(s) for s in tensor.entries))

    def vector(self, values) -> Mat:
        return Mat(tuple((v,) for v in values))


def _d(top: Named, bottom: Named) -> Named:
    return Named(f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}",
                 f"∂{top.unicode}/∂{bottom.unicode}")


def _t(mat: Mat) -> Mat:
    return Mat(tuple(zip(*mat.rows)))


def _applied(activation: str, z: Named) -> Named:
    f = ACTIVATIONS[activation].symbol
    return Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})")


def _fprime(activation: str, z: Named) -> Named:
    if activation == "relu":
        return Named(f"\\left[{z.latex} > 0\\right]", f"[{z.unicode} > 0]")
    f = ACTIVATIONS[activation].symbol
    return Named(f"{f[0]}'\\left({z.latex}\\right)", f"{f[1]}′({z.unicode})")

