"""The optimizer's part of a worksheet, for the graph and layered builders alike: the given
section's line (the rate, the other settings in play, the method) and each step's heading.
The worked lines themselves are the engine's Steps (optimize.py), laid out as they are.
"""

from __future__ import annotations

from ..graph import LEARNING_RATE, Graph, hyper_symbol
from ..optimize import penalty_form
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
    batch = len(graph.batches[0]) if graph.batches is not None else None
    penalty = ()
    if graph.penalty is not None:
        p = graph.penalty
        penalty = (p.symbol, penalty_form(p),
                   tuple((s, v) for s, v in ((p.l2_symbol, p.l2), (p.l1_symbol, p.l1)) if v != 0))
    return Training(graph.lr, graph.steps, symbol, method=method, settings=tuple(shown), batch=batch,
                    penalty=penalty)


def step_title(graph: Graph, k: int) -> str:
    """'Gradient-descent step 2', 'Adam step 2'."""
    return f"{rule_of(graph).title} {k}"


def gradients_title(graph: Graph, several: bool, current=None) -> str:
    """The heading of the gradients over the data (or the batch): the samples' mean or sum,
    and the penalty's gradient where regularization: adds one."""
    # short: a heading must fit a narrow exam page in one or two lines
    if current is not None and current.batch is not None:
        if len(current.batch) == 1:
            return "Gradients on the sample" + (" and the penalty" if graph.penalty else "")
        return f"Gradients on the batch ({graph.reduction}{' and penalty' if graph.penalty else ''})"
    if not several:
        return "Gradients with the penalty"
    if graph.penalty is not None:
        return f"Gradients over the data ({graph.reduction} and penalty)"
    return f"Gradients over the data ({graph.reduction} of the samples)"


def loss_places(graph: Graph, after: tuple) -> tuple:
    """What the loss before the first step and after each of `after`'s steps is on, with
    batch_size: a step's batch until the last step, then all the data; () without batches."""
    if graph.batches is None:
        return ()
    def on(k: int) -> str:  # the pass before step k + 1
        if k >= len(graph.batches):
            return "all the data"
        batch = graph.batches[k]
        which = ", ".join(str(i + 1) for i in batch)
        if len(batch) == 1:  # online learning: the one sample of the step
            return f"sample {which} (the batch of step {k + 1})"
        return f"the batch of step {k + 1} (samples {which})"
    return (on(0),) + tuple(on(k) for k, _ in after)


def pass_heading(heading: str, current, graph: Graph) -> str:
    """'Forward pass, batch 2 (samples 3, 4)' with batch_size; after the last step the
    pass is on all the data, and says so."""
    if graph.batches is None:
        return heading
    if current.batch is None:
        return f"{heading} (all the data)"
    step = current.iteration + 1
    if len(current.batch) == 1:  # the sample itself is named after this: ", sample 2"
        return f"{heading} (the batch of step {step})"
    return f"{heading}, batch of step {step} (samples {', '.join(map(str, current.batch))})"


def loss_title(current, graph: Graph) -> str:
    """'Loss over the data', 'Loss on the batch', and after which step where there are steps."""
    title = "Loss on the batch" if current.batch is not None else "Loss over the data"
    return title + (f" after step {current.iteration}" if current.iteration else "")


def all_samples(solution) -> tuple:
    """(index, ((symbol, value), ...)) of every sample, also those the first pass (a
    batch) does not use."""
    first = {s.index: s for s in solution.first.samples}
    out = []
    for i, sample in enumerate(solution.graph.samples, start=1):
        if i in first:
            out.append((i, tuple(first[i].given.items())))
        else:
            out.append((i, tuple((s, v if v is not None else s) for s, v in sample.items())))
    return tuple(out)
