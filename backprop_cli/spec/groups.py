"""The graph form's nodes over several nodes at once, and the loss over them.

`p: softmax(s1, s2, s3)` declares the nodes p1, p2, p3, pₖ = e^{sₖ} / Σⱼ e^{sⱼ} (and
`q: log_softmax(s1, s2, s3)` the log-probabilities q1, q2, q3); a formula cannot return
several numbers, so such a node is a declaration of its own, read here, not a formula.
The loss cross_entropy takes such a node as its output, and as its target either one
target holding the class index (counted from 0, as torch and the layered form count
it) or one target per class (one-hot, or probabilities adding up to 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..vocab.activations import GROUPS

_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$", re.S)
_NAME = re.compile(r"^[A-Za-z]\w*$")


@dataclass(frozen=True)
class Group:
    """`name: kind(arguments...)`: one node per argument, named `components`."""

    name: str
    kind: str  # a key of vocab/activations.py GROUPS
    arguments: tuple[str, ...]
    components: tuple[str, ...]


def group_call(text: str) -> tuple[str, tuple[str, ...]] | None:
    """('softmax', ('s1', 's2', 's3')) for the text softmax(s1, s2, s3); None for a formula."""
    match = _CALL.match(text)
    if match is None or match.group(1) not in GROUPS:
        return None
    return match.group(1), tuple(a.strip() for a in match.group(2).split(","))


def component_names(name: str, size: int) -> tuple[str, ...]:
    """p -> p1, p2, p3; a name ending in a digit takes an underscore, p2 -> p2_1, ..."""
    joint = "_" if name[-1].isdigit() else ""
    return tuple(f"{name}{joint}{k}" for k in range(1, size + 1))


def read_group(reader, path, name: str, kind: str, arguments: tuple, declared: dict) -> Group:
    """Check `name: kind(arguments)`: two or more names, each an input, a parameter, an
    earlier node or an earlier group's component, none twice."""
    if len(arguments) < 2 or any(not a for a in arguments):
        reader.fail(path, f"{kind} takes the names of two or more nodes, like "
                          f"{name}: {kind}(s1, s2, s3)")
    for a in arguments:
        if not _NAME.match(a):
            reader.fail(path, f"{kind} takes names, not formulas: write '{a}' as a node of its "
                              f"own, like s1: {a}, and then {name}: {kind}(s1, ...)")
        if a not in declared:
            reader.fail(path, f"'{a}' is not declared before {name}; {kind} takes inputs, "
                              f"parameters and earlier nodes")
        if declared[a][0] == "targets":
            reader.fail(path, f"'{a}' is a target; {kind} takes the scores a sample's inputs give")
    if len(set(arguments)) != len(arguments):
        reader.fail(path, f"{kind} takes each name once")
    return Group(name, kind, tuple(arguments), component_names(name, len(arguments)))


def read_targets(reader, loss, group: Group, targets: tuple, data, declared=()) -> tuple:
    """The target of cross_entropy over `group`: (name,) for a class index, or one name per
    class. Every sample's value is checked: an index from 0 to K − 1, or numbers from 0 to 1
    adding up to 1 (null: a symbol, with no simplification)."""
    size = len(group.components)
    if loss.target is not None:
        chosen = loss.target
    elif len(targets) in (1, size):
        chosen = targets
    else:
        reader.fail(("loss",), f"cross_entropy over {group.name} ({size} classes) needs one target "
                               f"(the class index) or {size} (one-hot); say which: "
                               f"loss: {{type: cross_entropy, output: {group.name}, target: y}}")
    if len(chosen) not in (1, size):
        reader.fail(("loss", "target"), f"{group.name} has {size} classes: give one target (the "
                                        f"class index) or {size} (one-hot), not {len(chosen)}")
    for t in chosen:
        if t not in targets:
            reader.fail(("loss", "target"), f"'{t}' is not a target (targets: {', '.join(targets)})")
    if len(chosen) == 1:  # the class index is written one-hot: y1, y2, y3
        taken = [n for n in component_names(chosen[0], size) if n in declared]
        if taken:
            reader.fail(("loss",), f"the class index {chosen[0]} is written one-hot as "
                                   f"{', '.join(component_names(chosen[0], size))}, and '{taken[0]}' "
                                   f"is a name of the problem; rename one of them")
    for i, sample in enumerate(data):
        values = dict(sample)
        if len(chosen) == 1:
            value = values.get(chosen[0])
            path = ("data", i, chosen[0])
            if value is None:
                reader.fail(path, f"the class index must be a number from 0 to {size - 1} "
                                  f"(counted from 0)")
            if value.denominator != 1 or not 0 <= value < size:
                reader.fail(path, f"the class index is a whole number from 0 to {size - 1} "
                                  f"(counted from 0, as torch counts), not {_shown(value)}")
        else:
            given = [values.get(t) for t in chosen]
            if any(v is not None and not 0 <= v <= 1 for v in given):
                reader.fail(("data", i), "a one-hot target is numbers from 0 to 1, one per class")
            if all(v is not None for v in given) and sum(given) != 1:
                reader.fail(("data", i), f"the targets {', '.join(chosen)} add up to "
                                         f"{_shown(sum(given))}; one-hot (or probabilities) add up "
                                         f"to 1")
    return tuple(chosen)


def _shown(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
