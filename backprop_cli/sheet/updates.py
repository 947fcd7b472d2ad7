"""The optimizer's part of a worksheet, for the graph and layered builders alike: the given
section's line (the rate, the other settings in play, the method) and each step's heading.
The worked lines themselves are the engine's Steps (optimize.py), laid out as they are.
"""

from __future__ import annotations

from ..graph import LEARNING_RATE, Graph, hyper_symbol
from ..vocab.optimizers import DEFAULT, OPTIMIZERS
from .model import Training


def rule_of(graph: Graph):
    return OPTIMIZERS[graph.optimizer or DEFAULT]


def training(graph: Graph, symbol=LEARNING_RATE) -> Training:
    """The rate, then each setting a step writes (momentum, β₁, β₂, ε, λ; not one that is
    0, which no line uses), with the method's name."""
    rule = rule_of(graph)
    shown = []
    for setting in rule.settings:
        value = graph.hyper.get(setting.name)
        if setting.symbol is None or value is None or isinstance(value, bool) or setting.name == "lr":
            continue
        if value.is_number and value == 0:
            continue
        shown.append((hyper_symbol(setting.name), value))
    method = rule.method
    if graph.hyper.get("nesterov"):
        method += " with Nesterov momentum"
    return Training(graph.lr, graph.steps, symbol, method=method, settings=tuple(shown))


def step_title(graph: Graph, k: int) -> str:
    """'Gradient-descent step 2', 'Adam step 2'."""
    return f"{rule_of(graph).title} {k}"


def gradients_title(graph: Graph, several: bool) -> str:
    """The heading of the gradients over the data: the samples' mean or sum, and the
    penalty's gradient where regularization: adds one."""
    penalty = " and the penalty" if graph.penalty is not None else ""
    if not several:
        return "Gradients with the penalty"
    return f"Gradients over the data ({graph.reduction} of the samples{penalty})"
