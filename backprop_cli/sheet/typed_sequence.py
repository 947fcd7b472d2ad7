"""A recurrent layer's passes in matrix notation, time step by time step, as a course writes
backpropagation through time: forward zₜ = Wₓₕ xₜ + Wₕₕ hₜ₋₁ + bₕ, hₜ = f(zₜ) and the
dense layers' ŷₜ (and ℓₜ); backward, from t = T down, ∂ℓ/∂hₜ as the output's part plus
what t + 1 carries back (Wₕₕᵀ δₜ₊₁), δₜ, and each gradient as the sum of its per-step
contributions (δₜ xₜᵀ, δₜ hₜ₋₁ᵀ, δₜ). The numbers are the engine's (typed_matrix.py)."""

from __future__ import annotations

import sympy as sp

from ..graph import subscript, superscript
from ..vocab import LOSSES
from .model import Mat, MatrixLine, Named, Op, Scalar, Section
from .typed_matrix import MAX_TERMS, TypedWork, _applied, _d, _fprime, _t

#: whose derivatives the passes write: a sample's own loss ℓ where several samples meet;
#: with one sample the loss L itself, and written so (as for dense layers)
OWN, TOTAL = Named("\\ell", "ℓ"), Named("L", "L")


def _at(latex: str, uni: str, t) -> Named:
    """A quantity at time step t: h_{2}, z^{(2)}_{3} (t may be the letter t or t+1)."""
    sub = subscript(str(t)) if str(t).isdigit() else ("ₜ₊₁" if t == "t+1" else "ₜ")
    return Named(f"{{{latex}}}_{{{t}}}" if "_" in latex else f"{latex}_{{{t}}}", uni + sub)


class SequenceWork(TypedWork):
    def __init__(self, solution):
        super().__init__(solution)
        self.rnn, self.dense = self.net.layers[0], self.net.layers[1:]
        self.T = len(self.rnn.z.entries)
        self.every = self.problem.layers[0].output == "all"
        self.Wxh, self.Whh = self.rnn.params[0], self.rnn.params[1]
        self.b = self.rnn.params[2] if len(self.rnn.params) > 2 else None
        n_x = len(self.net.x.symbols)
        self.h0 = tuple(self.graph.inputs[n_x:])  # h₀'s entries when given (not 0)
        self.own = OWN if self.m > 1 or self.graph.penalty is not None else TOTAL

    # names -------------------------------------------------------------------------
    def name(self, l, letter, t):
        """z⁽ˡ⁾ₜ, a⁽ˡ⁾ₜ (ŷₜ for the last layer), δ⁽ˡ⁾ₜ of a dense layer after the rnn."""
        if letter == "a" and l == len(self.net.layers):
            return _at("\\hat{y}", "ŷ", t)
        tex = {"z": self.problem.pre, "a": self.problem.post, "δ": "\\delta"}[letter]
        uni = {"z": self.problem.pre, "a": self.problem.post, "δ": "δ"}[letter]
        return _at(f"{tex}^{{({l})}}", f"{uni}{_sup(l)}", t)

    def param(self, tensor) -> Named:
        return Named(tensor.latex, tensor.unicode)

    def rows(self, tensor, value, r) -> Mat:
        """Row r of a per-step quantity (time step r + 1, or the one row of output: last),
        as a column vector."""
        return self.vector(tuple(value(s) for s in tensor.entries[r]))

    def steps(self):
        """(t, row) of the dense layers' time steps: every step, or the last."""
        return [(t, t - 1) for t in range(1, self.T + 1)] if self.every else [(self.T, 0)]

    # forward ---------------------------------------------------------------------------
    def forward(self, current, after) -> list:
        out = []
        for k in range(1, self.m + 1):
            value = self.value(current, k)
            losses = self.loss_lines(current, k)
            lines = []
            rows = dict(self.steps())
            for t in range(1, self.T + 1):
                lines += self.recurrence(t, value)
                if t in rows:
                    lines += self.dense_forward(t, rows[t], value)
                    if self.every and len(losses) > 1:
                        lines.append(losses.pop(0))
            lines += losses
            if k == self.m and (self.m > 1 or self.graph.penalty is not None):
                lines += self.total_lines(current)
            of = f", sample {k}" if self.m > 1 else ""
            out.append(Section("Forward pass" + after + of, tuple(lines), matrix=True))
        return out

    def worked(self, step):
        from . import graph as scalar_sheet

        return scalar_sheet.worked_line(step)

    def recurrence(self, t, value) -> list:
        x, z, h = _at("x", "x", t), _at("z", "z", t), _at("h", "h", t)
        Wxh, Whh = self.param(self.Wxh), self.param(self.Whh)
        general = [Wxh, x]
        explicit = [self.shaped(self.Wxh, value), self.rows(self.net.x, value, t - 1)]
        if t > 1 or self.h0:
            before = self.rows(self.rnn.a, value, t - 2) if t > 1 else self.vector(tuple(value(s) for s in self.h0))
            general += [Op("+"), Whh, _at("h", "h", t - 1)]
            explicit += [Op("+"), self.shaped(self.Whh, value), before]
        if self.b is not None:
            general += [Op("+"), self.param(self.b)]
            explicit += [Op("+"), self.shaped(self.b, value)]
        note = ("$h_0 = 0$: no $W_{hh}$ term", "h₀ = 0: no Wₕₕ term") if t == 1 and not self.h0 else None
        return [MatrixLine((z,), (tuple(general), tuple(explicit), (self.rows(self.rnn.z, value, t - 1),)),
                           note=note),
                MatrixLine((h,), ((_applied(self.rnn.activation, z),), (self.rows(self.rnn.a, value, t - 1),)))]

    def dense_forward(self, t, r, value) -> list:
        lines = []
        prev = _at("h", "h", t)
        for layer in self.dense:
            l = layer.index
            W, b = layer.params[0], (layer.params[1] if len(layer.params) > 1 else None)
            z, a = self.name(l, "z", t), self.name(l, "a", t)
            general = [self.param(W), prev] + ([Op("+"), self.param(b)] if b is not None else [])
            explicit = [self.shaped(W, value), self.rows(layer.previous, value, r)] + \
                ([Op("+"), self.shaped(b, value)] if b is not None else [])
            lines.append(MatrixLine((z,), (tuple(general), tuple(explicit), (self.rows(layer.z, value, r),))))
            form = z if layer.activation == "identity" else _applied(layer.activation, z)
            lines.append(MatrixLine((a,), ((form,), (self.rows(layer.a, value, r),))))
            prev = a
        return lines

    # backward --------------------------------------------------------------------------
    def backward(self, current) -> list:
        out = []
        for k in range(1, self.m + 1):
            value, g = self.value(current, k), self.adjoint(current, k)
            lines = []
            rows = dict(self.steps())
            for t in range(self.T, 0, -1):
                if t in rows:
                    lines += self.dense_backward(current, k, t, rows[t], value, g)
                lines += self.hidden_backward(current, k, t, t in rows, value, g)
            lines += self.gradients(value, g)
            of = f", sample {k}" if self.m > 1 else ""
            out.append(Section("Backpropagation through time" + of, tuple(lines), matrix=True))
        if self.m > 1 and self.graph.penalty is None:
            out.append(Section("Over the samples", tuple(self.combined(current)), matrix=True))
        return out

    def combined(self, current) -> list:
        """∂L/∂P = (1/m)(∂ℓ[¹]/∂P + … ) (the sum with reduction: sum): each sample's own
        gradient (above) and the engine's gradient."""
        mean = self.graph.reduction == "mean"
        loss = TOTAL
        lines = []
        for tensor in self.net.tensors():
            P = self.param(tensor)
            general, explicit = [], []
            for k in range(1, self.m + 1):
                own = Named(f"\\ell^{{[{k}]}}", f"ℓ[{superscript(str(k))}]")
                general += ([Op("+")] if k > 1 else []) + [_d(own, P)]
                explicit += ([Op("+")] if k > 1 else []) + [self.shaped(tensor, self.adjoint(current, k))]
            if mean:
                general = [Named("\\tfrac{1}{m}", "(1/m)"), Op("(")] + general + [Op(")")]
                explicit = [Scalar(sp.Rational(1, self.m), exact=True), Op("(")] + explicit + [Op(")")]
            lines.append(MatrixLine((_d(loss, P),), (tuple(general), tuple(explicit),
                                                     (self.shaped(tensor, lambda s: current.gradients[s]),))))
        return lines

    def dense_backward(self, current, k, t, r, value, g) -> list:
        lines = []
        for layer in reversed(self.dense):
            l = layer.index
            z, a, delta = self.name(l, "z", t), self.name(l, "a", t), self.name(l, "δ", t)
            result = (self.rows(layer.z, g, r),)
            if l == len(self.net.layers):
                forms = [(_d(self.own, z),)]
                loss = LOSSES.get(self.problem.loss)
                if loss is not None and (loss.cancellation(layer.activation) or
                                         layer.activation == "identity" and loss.derivative[1] == "ŷ − y"):
                    y = _at("y", "y", t) if self.every else Named("y", "y")  # one target: y
                    forms += [(a, Op("−"), y), (self.rows(layer.a, value, r), Op("−"),
                                                self.rows(self.net.y, value, r))]
                lines.append(MatrixLine((delta,), tuple(forms) + (result,)))
                continue
            nxt = self.net.layers[l]
            W = nxt.params[0]
            d_next = self.name(l + 1, "δ", t)
            lines.append(MatrixLine((_d(self.own, a),), ((self.param(W).T, d_next),
                                                     (_t(self.shaped(W, value)), self.rows(nxt.z, g, r)),
                                                     (self.rows(layer.a, g, r),))))
            lines.append(self.delta_line(current, k, layer, t, r, delta, _d(self.own, a), z, g))
        return lines

    def delta_line(self, current, k, layer, t, r, delta, above, z, g) -> MatrixLine:
        """δ = ∂ℓ/∂a ⊙ f'(z) with the engine's f'(z) entries."""
        result = (self.rows(layer.z, g, r),)
        if layer.activation == "identity":
            return MatrixLine((delta,), ((above,), result))
        f = _fprime(layer.activation, z)
        if layer is self.rnn and layer.activation == "tanh":  # as the rule above writes it
            f = Named(f"\\left(1 - {_at('h', 'h', t).latex}^2\\right)", f"(1 − {_at('h', 'h', t).unicode}²)")
        local = self.local(current, k, layer, r)
        forms = ((above, Op("⊙"), f),)
        if local is not None:
            forms += ((self.rows(layer.a, g, r), Op("⊙"), _t(local)),)
        return MatrixLine((delta,), forms + (result,))

    def hidden_backward(self, current, k, t, local, value, g) -> list:
        h, z, delta = _at("h", "h", t), _at("z", "z", t), _at("\\delta", "δ", t)
        general, explicit = [], []
        if local:
            first = self.dense[0]
            r = t - 1 if self.every else 0
            general += [self.param(first.params[0]).T, self.name(first.index, "δ", t)]
            explicit += [_t(self.shaped(first.params[0], value)), self.rows(first.z, g, r)]
        if t < self.T:
            general += ([Op("+")] if general else []) + [self.param(self.Whh).T, _at("\\delta", "δ", t + 1)]
            explicit += ([Op("+")] if explicit else []) + [_t(self.shaped(self.Whh, value)),
                                                           self.rows(self.rnn.z, g, t)]
        parts = ["the output's part" if local else "", "what $t + 1$ carries back" if t < self.T else ""]
        said = " plus ".join(p for p in parts if p)
        note = (said, said.replace("$t + 1$", "t + 1")) if t == self.T or t == self.T - 1 else None
        lines = [MatrixLine((_d(self.own, h),), (tuple(general), tuple(explicit),
                                             (self.rows(self.rnn.a, g, t - 1),)), note=note)]
        lines.append(self.delta_line(current, k, self.rnn, t, t - 1, delta, _d(self.own, h), z, g))
        return lines

    def gradients(self, value, g) -> list:
        lines = []
        steps = self.steps()
        for layer in reversed(self.dense):
            l = layer.index
            W, b = layer.params[0], (layer.params[1] if len(layer.params) > 1 else None)
            prev = (lambda t: _at("h", "h", t)) if l == 2 else (lambda t, l=l: self.name(l - 1, "a", t))
            terms = [((self.name(l, "δ", t), prev(t).T), (self.rows(layer.z, g, r), _t(self.rows(layer.previous, value, r))))
                     for t, r in steps]
            lines.append(self.sum_line(self.param(W), terms, self.shaped(W, g)))
            if b is not None:
                terms = [((self.name(l, "δ", t),), (self.rows(layer.z, g, r),)) for t, r in steps]
                lines.append(self.sum_line(self.param(b), terms, self.shaped(b, g)))
        T = range(1, self.T + 1)
        terms = [((_at("\\delta", "δ", t), _at("x", "x", t).T),
                  (self.rows(self.rnn.z, g, t - 1), _t(self.rows(self.net.x, value, t - 1)))) for t in T]
        lines.append(self.sum_line(self.param(self.Wxh), terms, self.shaped(self.Wxh, g)))
        terms = [((_at("\\delta", "δ", t), _at("h", "h", t - 1).T),
                  (self.rows(self.rnn.z, g, t - 1),
                   _t(self.rows(self.rnn.a, value, t - 2) if t > 1 else
                      self.vector(tuple(value(s) for s in self.h0))))) for t in T if t > 1 or self.h0]
        note = ("$h_0 = 0$: no term for $t = 1$", "h₀ = 0: no term for t = 1") if not self.h0 else None
        lines.append(self.sum_line(self.param(self.Whh), terms, self.shaped(self.Whh, g), note=note))
        if self.b is not None:
            terms = [((_at("\\delta", "δ", t),), (self.rows(self.rnn.z, g, t - 1),)) for t in T]
            lines.append(self.sum_line(self.param(self.b), terms, self.shaped(self.b, g)))
        return lines

    def sum_line(self, param: Named, terms, result: Mat, note=None) -> MatrixLine:
        """∂ℓ/∂P = its contribution at each time step, + ..., with each written out (its
        factors, the engine's numbers) = the engine's gradient; for a long sequence only
        the result."""
        general, explicit = (), ()
        for k, (names, mats) in enumerate(terms):
            general += ((Op("+"),) if k else ()) + names
            explicit += ((Op("+"),) if k else ()) + mats
        forms = (general, explicit) if len(terms) <= MAX_TERMS else (general[:len(terms[0][0])] + (
            Op("+"), Named("\\dots", "…"), Op("+")) + terms[-1][0],)
        if len(terms) == 1 and len(terms[0][1]) == 1:  # δ itself: its matrix is the result
            forms = (general,)
        return MatrixLine((_d(self.own, param),), forms + ((result,),), note=note)


def _sup(l: int) -> str:
    return superscript(f"({l})")

