"""The given numbers of a spec, found in its text, and the text with other numbers put in.

A variant is the instructor's own file with only its numbers changed: the numbers are
found where they are written (PyYAML's node positions), so the title, the notes, the
notation, the comments and the layout stay as written, and the same numbers always give
the same bytes. Only plain numbers under `params:` and `data:` are given numbers; the
sizes, the learning rate and the optimizer's settings are the problem, not its data.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml

from ..errors import SpecError


@dataclass(frozen=True)
class Given:
    path: tuple  # ('params', 'W1', 0, 2) or ('data', 1, 'x1'): where it is in the spec
    name: str  # what `variants:` calls it: the parameter, input or target ('W1', 'x1')
    text: str  # as written: '0.3', '-2'
    start: int  # its place in the text (character offsets)
    end: int

    @property
    def value(self) -> Decimal:
        return Decimal(self.text)

    @property
    def decimals(self) -> int:
        """Digits after the point as written: 2 for '0.25', 0 for '3' (and for '1e3')."""
        return max(0, -self.value.as_tuple().exponent)


def given_numbers(text: str) -> list[Given]:
    """Every plain number under params:, data: and at: (a calculus problem's point), in the
    order of the text."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    found: list[Given] = []
    if not isinstance(root, yaml.MappingNode):
        return found
    for key, value in root.value:
        if key.value == "params":
            _walk(value, ("params",), None, found)
        elif key.value == "data":
            _walk(value, ("data",), None, found)
        elif key.value == "at":  # a calculus problem's point: {x: 1, y: 2}
            _walk(value, ("at",), None, found)
    return sorted(found, key=lambda g: g.start)


def _walk(node, path: tuple, name, found: list) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            # under params: the parameter's name; in a sample: the input's or target's
            inner = key.value if name is None and (path[0] in ("params", "at") or len(path) == 2) \
                else name
            _walk(value, path + (key.value,), inner, found)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), name, found)
    elif isinstance(node, yaml.ScalarNode) and not node.style and name is not None:
        try:
            number = Decimal(node.value)
        except InvalidOperation:
            return  # null, a symbol's name: not a number to redraw
        if number.is_finite() and node.tag.endswith((":int", ":float")):
            found.append(Given(path, name, node.value, node.start_mark.index,
                               node.end_mark.index))


def substitute(text: str, given: list[Given], numbers: list[str]) -> str:
    """`text` with each given number replaced by the number written in `numbers`."""
    out, at = [], 0
    for g, number in zip(given, numbers):
        out.append(text[at:g.start])
        out.append(number)
        at = g.end
    out.append(text[at:])
    return "".join(out)


def without_block(text: str, key: str) -> str:
    """`text` without the top-level `key:` and its value (the lines they take)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for k, value in root.value if isinstance(root, yaml.MappingNode) else ():
        if k.value == key:
            start = text.rfind("\n", 0, k.start_mark.index) + 1
            end = value.end_mark.index
            # a flow value ends on its own line: take the rest of that line (a comment)
            newline = text.find("\n", end)
            end = len(text) if newline < 0 else newline + 1
            if isinstance(value, (yaml.MappingNode, yaml.SequenceNode)) and not value.flow_style:
                end = value.end_mark.index  # a block ends where the next line starts
            return text[:start] + text[end:]
    return text


def written(units: int, decimals: int) -> str:
    """units · 10^-decimals as written with exactly `decimals` digits after the point."""
    if decimals == 0:
        return str(units)
    sign = "-" if units < 0 else ""
    digits = str(abs(units)).rjust(decimals + 1, "0")
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


def check_spec_numbers(given: list[Given]) -> None:
    if not given:
        raise SpecError("the problem gives no numbers under params:, data: or at: to vary",
                        field="variants")
