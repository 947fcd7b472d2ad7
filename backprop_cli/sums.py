"""samples: m in the graph form: one sample of symbols, its loss summed over m samples.

The engine works one sample's forward and backward pass in symbols (the sample's loss is
ℓ); here every quantity of that sample (its inputs, targets and nodes) is marked with the
sample, x⁽ⁱ⁾, and the loss, each gradient and the gradient-descent step are written as the
seeds write them: L = (1/m) Σᵢ ℓ⁽ⁱ⁾, ∂L/∂w = (1/m) Σᵢ ∂ℓ⁽ⁱ⁾/∂w = (1/m) Σᵢ (...), w ← w −
η (1/m) Σᵢ (...). For programs each is also a formula in the parameters with SymPy's Sum
and each sample's inputs and targets written as functions of i, x1(i) (the JSON's `sums`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .calculus.sums import SampleSum, WrittenSum, _replaced
from .engine import Solution, Step
from .functions import to_elementary
from .graph import Name


@dataclass(frozen=True)
class GraphSums:
    count: sp.Symbol  # m
    reduction: str
    data: tuple  # the inputs and targets, each sample's own
    loss: tuple  # Steps: L = (1/m) Σᵢ ℓ⁽ⁱ⁾
    gradients: tuple  # Steps: ∂L/∂w = (1/m) Σᵢ ∂ℓ⁽ⁱ⁾/∂w = ...
    update: tuple  # Steps: w ← w − η (1/m) Σᵢ (...)
    formulas: dict  # "loss" / "gradients" / "update" -> SymPy formulas in plain names


def graph_sums(solution: Solution) -> GraphSums:
    graph = solution.graph
    names = graph.names
    count = graph.samples_symbol
    index = sp.Symbol("i:sample", integer=True)
    names.add(index, Name("i", "i", "i"))
    mean = sp.Integer(graph.reduction == "mean")
    first = solution.first
    sample = first.samples[0]
    own = set(graph.inputs) | set(graph.targets) | {n.symbol for n in graph.nodes}
    marks = {s: _marked(names, s) for s in own | {solution.sample_loss}}

    def over(body, kind=SampleSum, *factor):
        return kind(_replaced(body, marks), index, count, mean, *factor)

    written = over(graph.loss.display, WrittenSum)
    loss = (Step("reduce", solution.loss_symbol, (over(solution.sample_loss), written), {},
                 written, show_value=False),)
    steps = {st.lhs: st for st in sample.backward}
    gradients, update = [], []
    for p in graph.params:
        each = names.derivative(solution.sample_loss, p)
        found = steps.get(each)
        value = found.value if found is not None else sp.Integer(0)
        total = names.derivative(solution.loss_symbol, p)
        shown_each = _marked(names, each, derivative=(names[marks[solution.sample_loss]], names[p]))
        summed = over(value)
        gradients.append(Step("reduce", total, (SampleSum(shown_each, index, count, mean), summed),
                              {}, summed, show_value=False))
        if graph.lr is not None:
            rate = graph.lr if not graph.lr.is_number else sp.Float(graph.lr, 15)
            eta = next(s for s in names.names if s.name == "eta:lr")
            general = sp.Add(p, sp.Mul(-1, eta, total, evaluate=False), evaluate=False)
            stepped = sp.Add(p, sp.Mul(-1, over(value, SampleSum, rate), evaluate=False),
                             evaluate=False)
            update.append(Step("update", p, (general, stepped), {}, stepped,
                               relation="←", show_value=False))
    return GraphSums(count, graph.reduction, tuple(graph.inputs) + tuple(graph.targets),
                     loss, tuple(gradients), tuple(update), _formulas(solution, mean == 1))


def _formulas(solution: Solution, mean: bool) -> dict:
    """Sum over i = 1..m of the loss and gradients in parameters, inputs and targets, each
    input and target a function of i (x1(i)), in the names a program reads."""
    graph = solution.graph
    names = graph.names
    first = solution.first
    i = sp.Symbol("i", integer=True, positive=True)
    m = sp.Symbol(names[graph.samples_symbol].plain, integer=True, positive=True)
    per = {s: sp.Function(names[s].plain)(i) for s in tuple(graph.inputs) + tuple(graph.targets)}

    def total(body):
        body = to_elementary(body).xreplace(per)
        plain = {s: sp.Symbol(names[s].plain) for s in body.free_symbols if s in names and s != i}
        summed = sp.Sum(body.xreplace(plain), (i, 1, m))
        return summed / m if mean else summed

    out = {"loss": total(first.samples[0].full[graph.loss.symbol]),
           "gradients": {names[p].plain: total(first.full_gradients.get(p, sp.Integer(0)))
                         for p in graph.params}}
    if graph.lr is not None:
        lr = sp.Symbol(names[graph.lr].plain) if not graph.lr.is_number else graph.lr
        out["update"] = {w: sp.Symbol(w) - lr * g for w, g in out["gradients"].items()}
    return out


def _marked(names, symbol: sp.Symbol, derivative=None) -> sp.Symbol:
    """x₁ -> x₁⁽ⁱ⁾ (x_{1}^{(i)}; for programs x1(i)); ∂ℓ/∂w -> ∂ℓ⁽ⁱ⁾/∂w."""
    if derivative is not None:
        top, bottom = derivative
        return names.add(sp.Symbol(f"{symbol.name}@i", real=True), Name(
            f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}",
            f"∂{top.unicode}/∂{bottom.unicode}", f"d{top.plain}/d{bottom.plain}"))
    n = names[symbol]
    latex = f"{n.latex}{{}}^{{(i)}}" if "^" in n.latex else f"{n.latex}^{{(i)}}"
    return names.add(sp.Symbol(f"{symbol.name}@i", real=True), Name(latex, f"{n.unicode}⁽ⁱ⁾",
                                                                     f"{n.plain}(i)"))
