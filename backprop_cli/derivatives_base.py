"""What derivatives.py (a dense network's, the graph form's) and derivatives_typed.py (a
network with conv, pooling, batchnorm or rnn layers) share: the refusal, an operand, a
worked line, a fraction's name and the local derivatives of the scalar graph."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .numeric import evaluate


class Refused(Exception):
    """A request that cannot be answered, with what to ask instead."""


@dataclass(frozen=True)
class Line:
    """Graph form: ∂A/∂n = rule = written (values put in) = value."""

    lhs: sp.Symbol
    rule: sp.Expr
    written: sp.Expr
    values: dict
    value: sp.Expr


@dataclass(frozen=True)
class Operand:
    plain: str  # the canonical public name: a2, W2, a2_1, L, x
    latex: str
    unicode: str
    symbols: tuple  # the scalar symbols, flat
    shape: tuple  # () scalar, (n,) vector, (r, c) matrix
    kind: str  # loss, node, param, input, target
    position: int | None = None  # layered: place in x, z1, a1, ..., yhat, loss
    tensor: object = None  # layered: the Tensor it is (or is an entry of)


def _sample_fraction(scalar, A: Operand, B: Operand, k: int) -> tuple:
    """One sample's ∂A/∂B where several meet: ∂ℓ⁽²⁾/∂h⁽²⁾, ∂ŷ[²]/∂x[²]."""
    names = scalar.graph.names
    top = names._marked(names[scalar.sample_loss] if A.kind == "loss" else A, k)
    bottom = (B.latex, B.unicode) if B.kind == "param" else names._marked(B, k)
    return (f"\\frac{{\\partial {top[0]}}}{{\\partial {bottom[0]}}}", f"∂{top[1]}/∂{bottom[1]}")


def _fraction(A: Operand, B: Operand, sample: int | None = None) -> tuple:
    mark = (f"^{{[{sample}]}}", f"[{sample}]") if sample is not None else ("", "")
    return (f"\\frac{{\\partial {A.latex}{mark[0]}}}{{\\partial {B.latex}{mark[0]}}}",
            f"∂{A.unicode}{mark[1]}/∂{B.unicode}{mark[1]}")


class _Locals:
    """∂node/∂s, written in the nodes' names and evaluated where the numbers are known."""

    def __init__(self, graph, env: dict, sample: int | None = None):
        self.by_symbol = {n.symbol: n for n in graph.nodes}
        self.rewrite = {n.expr: n.symbol for n in graph.nodes if not n.expr.is_Atom}
        self.env = env
        # several samples, symbolic: each sample's own ŷ⁽²⁾, x₁⁽²⁾ in what stays a symbol
        self.marks = {} if sample is None else {
            s: graph.names.of_sample(s, sample) for s in
            [n.symbol for n in graph.nodes] + list(graph.inputs) + list(graph.targets)}

    def written(self, node_symbol, s) -> sp.Expr:
        """∂node/∂s in the nodes' names, nothing put in (2(ŷ − y), [z > 0], w₂)."""
        d = sp.diff(self.by_symbol[node_symbol].expr, s)
        return d if d.is_Atom else sp.factor_terms(d.xreplace(self.rewrite))

    def __call__(self, node_symbol, s) -> sp.Expr:
        expr = self.by_symbol[node_symbol].expr
        if s not in expr.free_symbols:
            return sp.Integer(0)
        d = sp.diff(expr, s)
        if not (d.free_symbols - self.env.keys()):
            return evaluate(d, self.env, f"∂{node_symbol}/∂{s}")
        if not d.is_Atom:
            d = sp.factor_terms(d.xreplace(self.rewrite))
        d = d.xreplace({k: v for k, v in self.env.items() if k in d.free_symbols})
        return d.xreplace({k: v for k, v in self.marks.items() if k in d.free_symbols})


def backwards(path, a, top, consumers: dict, local: "_Locals", env: dict, names, sample,
              tidy: bool = False) -> list:
    """∂top/∂s for each s of `path`, from a backwards: (s, its Line), each the sum over
    the quantities c that use s of ∂top/∂c · ∂c/∂s, written in their names and numbers.
    `tidy`: a formula's common factors taken out."""
    adjoint, symbol, out = {a: sp.Integer(1)}, {a: top}, []
    for s in path:
        rule, written, value, shown = [], [], [], {}
        for c in consumers.get(s, ()):
            if c not in adjoint:
                continue
            d, form = local(c, s), local.written(c, s)
            shown.update({v: env[v] for v in form.free_symbols if v in env})
            if c == a:
                rule.append(form)
                written.append(form)
            else:
                rule.append(sp.Mul(symbol[c], names.derivative(c, s), evaluate=False))
                written.append(sp.Mul(symbol[c], form, evaluate=False))
                if adjoint[c].is_number:
                    shown[symbol[c]] = adjoint[c]
            value.append(adjoint[c] * d)
        lhs = names.derivative(top, s, sample)
        total = sp.Add(*value)
        if tidy and not total.is_number:
            total = sp.factor_terms(total)
        adjoint[s], symbol[s] = total, lhs
        out.append((s, Line(lhs, written_sum(rule), written_sum(written), shown, total)))
    return out


def written_sum(terms):
    """The terms as written, unevaluated; 0 for none."""
    if not terms:
        return sp.Integer(0)
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def consumers_of(graph) -> dict:
    """symbol -> the nodes whose formulas use it, in the graph's order."""
    consumers: dict = {}
    for n in graph.nodes:
        for s in n.expr.free_symbols:
            consumers.setdefault(s, []).append(n.symbol)
    return consumers
