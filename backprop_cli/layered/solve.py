"""The layered form's solve stage: the scalar graph compile.py built, solved by the same
engine as the graph form, kept with the layout that says which scalar is which entry."""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..engine import Solution, solve
from ..errors import BackpropError
from ..vocab import LOSSES
from .compile import Network, build_network_graph
from .spec import NetworkProblem


@dataclass(frozen=True)
class NetworkSolution:
    kind = "network"
    problem: NetworkProblem
    network: Network | None  # None with symbolic sizes: there are no entries
    scalar: Solution | None
    answers: tuple = ()  # what the problem asks for (answers.py), set by the pipeline
    #: a network whose first layer is a convolution: ∂ℓ/∂x of each sample of each pass
    #: with a backward pass (x entry -> value), the key's δ ∗full rot180(K) map; else ()
    input_adjoints: tuple = ()

    @property
    def warnings(self) -> tuple:
        return self.scalar.warnings if self.scalar is not None else ()


def solve_network(problem: NetworkProblem) -> NetworkSolution:
    """Build the scalar graph (compile.py) and solve it; with symbolic sizes there is
    nothing to solve. An undefined value of the loss is the `loss:` field's, with the
    loss's own advice."""
    if problem.symbolic_sizes:
        return NetworkSolution(problem, None, None)
    graph, network = build_network_graph(problem)
    try:
        solution = solve(graph)
    except BackpropError as exc:  # the layered form has no nodes: a value is the loss's
        if exc.field is None and exc.subject == "loss":
            exc.field, exc.line = "loss", problem.line_of("loss")
            advice = LOSSES[problem.loss].log_advice
            if advice and exc.cause == "log" and problem.layers[-1].activation != "softmax":
                exc.refine(advice=f"; {advice}")
        raise
    return NetworkSolution(problem, network, solution,
                           input_adjoints=_input_adjoints(network, solution))


def _input_adjoints(network, solution) -> tuple:
    """∂ℓ/∂x = Σ_c ∂ℓ/∂c · ∂c/∂x over the nodes c that read x (the first layer's z), with
    ∂ℓ/∂c the engine's own adjoints: the engine's backward pass stops at the parameters,
    and a conv key asks for ∂L/∂X as a map of numbers."""
    first = network.layers[0] if network.layers else None
    if getattr(getattr(first, "spec", None), "type", None) not in ("conv2d", "conv1d"):
        return ()
    graph = solution.graph
    names = graph.names  # a copy: the lookups below add names the layout must not see
    names = replace(names, names=dict(names.names), _derivatives=dict(names._derivatives),
                    _by_symbols=dict(names._by_symbols))
    xs = set(network.x.symbols)
    readers = [n for n in graph.nodes if n.expr.free_symbols & xs]
    m = len(graph.samples)
    out = []
    for current in solution.passes:
        per_sample = []
        for sample in current.samples:
            if not sample.backward:
                break
            steps = {step.lhs: step.value for step in sample.backward}
            index = sample.index if m > 1 else None
            env = dict(current.params)
            env.update(sample.given)
            total = {x: sp.Integer(0) for x in network.x.symbols}
            for node in readers:
                adjoint = steps.get(names.derivative(solution.sample_loss, node.symbol, index))
                if adjoint is None:  # not on a path to the loss
                    continue
                for x in node.expr.free_symbols & xs:
                    total[x] += adjoint * sp.diff(node.expr, x).xreplace(env)
            per_sample.append({x: v if v.is_number else sp.factor_terms(v) for x, v in total.items()})
        out.append(tuple(per_sample))
    return tuple(out)
