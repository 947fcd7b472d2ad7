"""Batch normalization's passes in matrix notation (CS231n, assignment 2): every quantity of
the batch an m × n matrix, a row per sample (X, A, X̂, Z, Ŷ), the statistics and γ, β rows
of one entry per unit; forward μ, σ², X̂, Z = γ ⊙ X̂ + β, the loss; backward ∂L/∂Ŷ, ∂L/∂Z,
∂L/∂γ, ∂L/∂β, then through X̂, σ² and μ to the layer's input and on through the dense
layers before it. The numbers are the engine's (typed_matrix.py)."""

from __future__ import annotations

import sympy as sp

from ..graph import superscript
from ..layered.matrix import Notation
from ..vocab import LOSSES
from .model import Mat, MatrixLine, Named, Op, Section
from .typed_matrix import TypedWork, _applied, _d, _fprime, _t

ROWS = ("a row per sample", "a row per sample")


class BatchWork(TypedWork):
    def __init__(self, solution):
        super().__init__(solution)
        self.n = Notation(self.problem, batch=True)
        self.L = len(self.net.layers)
        self.loss = self.data_loss(self.n.loss)  # ℓ with a penalty: L = ℓ + R
        self.rows = len(self.problem.data)  # the batch: the graph's one sample holds all of it
        self.bn = {t for layer in self.net.layers if layer.type == "batchnorm" for t in layer.params}

    def shaped(self, tensor, value) -> Mat:
        """γ and β as rows of one entry per unit (as μ and σ²); W and b as torch shapes them."""
        if tensor in self.bn:
            return Mat((tuple(value(s) for s in tensor.entries),))
        return super().shaped(tensor, value)

    def mat(self, tensor, value) -> Mat:
        """A batch quantity, m × n (row i sample i's), or a per-unit row (μ, σ², γ, β)."""
        if tensor.matrix:
            return Mat(tuple(tuple(value(s) for s in row) for row in tensor.entries))
        return Mat((tuple(value(s) for s in tensor.entries),))

    def names(self, layer):
        """(μ, σ², X̂, γ, β) of a batchnorm layer, as the engine's naming writes them."""
        mu, var, xhat = layer.mu, layer.var, layer.xhat
        gamma, beta = layer.params
        X = Named(xhat.latex.replace("\\hat{x}", "\\hat{X}"), xhat.unicode.replace("x̂", "X̂"))
        return tuple(Named(t.latex, t.unicode) for t in (mu, var)) + (X,) + \
            tuple(Named(t.latex, t.unicode) for t in (gamma, beta))

    @staticmethod
    def per_sample(letter: str, l: int) -> Named:
        """Sample i's row of a quantity, as the batch-norm rules above write it: a⁽¹⁾[i]
        (x[i] for the network's input), z⁽²⁾[i], x̂⁽²⁾[i]."""
        if letter == "a" and l == 0:
            return Named("x[i]", "x[i]")
        tex = {"a": "a", "z": "z", "x̂": "\\hat{x}"}[letter]
        return Named(f"{tex}^{{({l})}}[i]", superscript(f"{letter}⁽{l}⁾") + "[i]")

    # --- forward ------------------------------------------------------------------------
    def forward(self, current, after) -> list:
        value = self.value(current, 1)
        n, lines = self.n, []
        for layer in self.net.layers:
            l = layer.index
            prev, Z, A = n.a(l - 1), n.z(l), n.a(l)
            if layer.type == "batchnorm":
                mu, var, X, gamma, beta = self.names(layer)
                a, xi = self.per_sample("a", l - 1), self.per_sample("x̂", l)
                lines.append(MatrixLine((mu,), (
                    (Named(f"\\tfrac{{1}}{{m}} \\sum_i {a.latex}", f"(1/m) Σᵢ {a.unicode}"),),
                    (self.mat(layer.mu, value),)), note=(
                        "the mean of each column (unit) over the batch's $m$ rows",
                        "the mean of each column (unit) over the batch's m rows")))
                lines.append(MatrixLine((var,), (
                    (Named(f"\\tfrac{{1}}{{m}} \\sum_i \\left({a.latex} - {mu.latex}\\right)^2",
                           f"(1/m) Σᵢ ({a.unicode} − {mu.unicode})²"),),
                    (self.mat(layer.var, value),))))
                lines.append(MatrixLine((X,), (
                    (Named(f"\\left({prev.latex} - {mu.latex}\\right) \\oslash "
                           f"\\sqrt{{{var.latex} + \\epsilon}}",
                           f"({prev.unicode} − {mu.unicode}) ⊘ √({var.unicode} + ε)"),),
                    (self.mat(layer.xhat, value),)), note=(
                        f"row $i$ is ${xi.latex}$: $\\mu$ and $\\sigma^2$ taken from every row",
                        f"row i is {xi.unicode}: μ and σ² taken from every row")))
                lines.append(MatrixLine((Z,), ((gamma, Op("⊙"), X, Op("+"), beta),
                                               (self.mat(layer.z, value),)), note=(
                    "$\\gamma$ and $\\beta$ scale and shift every row", "γ and β scale and shift every row")))
            else:
                W, b = layer.params[0], (layer.params[1] if len(layer.params) > 1 else None)
                general = [prev, n.W(l).T]
                explicit = [self.mat(layer.previous, value), _t(self.mat(W, value))]
                if b is not None:
                    general += [Op("+"), n.ones, n.b(l).T]
                    explicit += [Op("+"), Mat((tuple(value(s) for s in b.entries),) * self.rows)]
                lines.append(MatrixLine((Z,), (tuple(general), tuple(explicit),
                                               (self.mat(layer.z, value),)),
                                        note=ROWS if l == 1 else None))
            form = Z if layer.activation == "identity" else _applied(layer.activation, Z)
            lines.append(MatrixLine((A,), ((form,), (self.mat(layer.a, value),))))
        lines += self.loss_lines(current, 1)
        if self.graph.penalty is not None:
            lines += self.total_lines(current)
        return [Section("Forward pass" + after, tuple(lines), matrix=True)]

    # --- backward -----------------------------------------------------------------------
    def backward(self, current) -> list:
        value, g = self.value(current, 1), self.adjoint(current, 1)
        n, d, lines = self.n, (lambda q: _d(self.loss, q)), []
        Yhat = n.a(self.L)
        tex, uni = LOSSES[self.problem.loss].derivative if self.problem.loss in LOSSES else ("", "")
        tex = tex.replace("\\hat{\\mathbf{y}}", "\\hat{Y}").replace("\\mathbf{y}", "Y")
        uni = uni.replace("ŷ", "\0").replace("y", "Y").replace("\0", "Ŷ")
        mean = self.problem.reduction == "mean" and self.rows > 1
        scale = (Named("\\tfrac{1}{m}", "(1/m)"),) if mean else ()
        wrapped = (Op("("), Named(tex, uni), Op(")")) if scale and " " in uni else (Named(tex, uni),)
        forms = ((scale + wrapped),) if tex and "Y" in uni else ()
        lines.append(MatrixLine((d(Yhat),), forms + ((self.mat(self.net.layers[-1].a, g),),),
                                note=(f"the batch's own loss ${self.loss.latex}$: the $\\tfrac{{1}}{{m}}$ "
                                      f"of its mean is in every row" if mean else "a row per sample",
                                      f"the batch's own loss {self.loss.unicode}: the 1/m of its mean is "
                                      f"in every row" if mean else "a row per sample")))
        for layer in reversed(self.net.layers):
            l = layer.index
            prev, Z, A = n.a(l - 1), n.z(l), n.a(l)
            dA, dZ = self.mat(layer.a, g), self.mat(layer.z, g)
            if layer.activation == "identity":
                lines.append(MatrixLine((d(Z),), ((d(A),), (dZ,))))
            else:
                f = _fprime(layer.activation, Z)
                local = self.local(current, 1, layer)
                forms = ((d(A), Op("⊙"), f),) + (((dA, Op("⊙"), local),) if local is not None else ())
                lines.append(MatrixLine((d(Z),), forms + ((dZ,),)))
            if layer.type == "batchnorm":
                lines += self.batchnorm_backward(layer, value, g)
                continue
            W, b = layer.params[0], (layer.params[1] if len(layer.params) > 1 else None)
            lines.append(MatrixLine((d(n.W(l)),), ((_transposed(d(Z)), prev), (_t(dZ), self.mat(layer.previous, value)),
                                                   (self.mat(W, g),))))
            if b is not None:
                ones = Mat(((sp.Integer(1),),) * self.rows)
                lines.append(MatrixLine((d(n.b(l)),), ((_transposed(d(Z)), n.ones), (_t(dZ), ones),
                                                       (self.vector(tuple(g(s) for s in b.entries)),))))
            if l > 1:
                lines.append(MatrixLine((d(prev),), ((d(Z), n.W(l)), (dZ, self.mat(W, value)),
                                                     (self.mat(layer.previous, g),))))
        return [Section("Backward pass", tuple(lines), matrix=True)]

    def batchnorm_backward(self, layer, value, g) -> list:
        l = layer.index
        mu, var, X, gamma, beta = self.names(layer)
        n, d = self.n, (lambda q: _d(self.loss, q))
        Z, prev = n.z(l), n.a(l - 1)
        a = self.per_sample("a", l - 1)
        dzi = _d(self.loss, self.per_sample("z", l))
        xi = self.per_sample("x̂", l)
        dxi = _d(self.loss, xi)
        root = (f"\\sqrt{{{var.latex} + \\epsilon}}", f"√({var.unicode} + ε)")
        return [
            MatrixLine((d(gamma),), ((Named(f"\\sum_i {dzi.latex} \\odot {xi.latex}",
                                            f"Σᵢ {dzi.unicode} ⊙ {xi.unicode}"),),
                                     (self.mat(layer.params[0], g),))),
            MatrixLine((d(beta),), ((Named(f"\\sum_i {dzi.latex}", f"Σᵢ {dzi.unicode}"),),
                                    (self.mat(layer.params[1], g),))),
            MatrixLine((d(X),), ((d(Z), Op("⊙"), gamma), (self.mat(layer.xhat, g),)),
                       note=("$\\gamma$ multiplies every row", "γ multiplies every row")),
            MatrixLine((d(var),), ((Named(
                f"\\sum_i {dxi.latex} \\odot \\left({a.latex} - {mu.latex}\\right) \\odot "
                f"\\left(-\\tfrac{{1}}{{2}}\\right)\\left({var.latex} + \\epsilon\\right)^{{-3/2}}",
                f"Σᵢ {dxi.unicode} ⊙ ({a.unicode} − {mu.unicode}) ⊙ (−½)({var.unicode} + ε)^(−3/2)"),),
                (self.mat(layer.var, g),))),
            MatrixLine((d(mu),), ((Named(
                f"\\sum_i {dxi.latex} \\odot \\frac{{-1}}{{{root[0]}}}",
                f"Σᵢ {dxi.unicode} ⊙ (−1/{root[1]})"),), (self.mat(layer.mu, g),)), note=(
                    "the term through $\\sigma^2$ is 0: the deviations add up to 0",
                    "the term through σ² is 0: the deviations add up to 0")),
            MatrixLine((d(prev),), ((  # three terms: the renderers may break the line before a +
                Named(f"{d(X).latex} \\oslash {root[0]}", f"{d(X).unicode} ⊘ {root[1]}"), Op("+"),
                Named(f"\\tfrac{{2}}{{m}} \\left({prev.latex} - {mu.latex}\\right) \\odot {d(var).latex}",
                      f"(2/m) ({prev.unicode} − {mu.unicode}) ⊙ {d(var).unicode}"), Op("+"),
                Named(f"\\tfrac{{1}}{{m}} {d(mu).latex}", f"(1/m) {d(mu).unicode}")),
                (self.mat(layer.previous, g),)), note=(
                    "$\\mu$, $\\sigma^2$ and their derivatives taken from every row",
                    "μ, σ² and their derivatives taken from every row")),
        ]


def _transposed(d: Named) -> Named:
    """(∂L/∂Z)ᵀ: a derivative's transpose in brackets (a bare ᵀ would sit on its denominator)."""
    return Named(f"\\left({d.latex}\\right)^{{\\top}}", f"({d.unicode})ᵀ")
