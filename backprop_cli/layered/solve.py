"""The layered form's solve stage: the scalar graph compile.py built, solved by the same
engine as the graph form, kept with the layout that says which scalar is which entry."""

from __future__ import annotations

from dataclasses import dataclass

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
    return NetworkSolution(problem, network, solution)
