"""Hypothesis strategies for whole spec documents of the three forms, and command lines.

Most documents are valid, shaped after what spec/graph.py, spec/network.py and
spec/calculus.py accept, so that the fuzz reaches the engine, the layout and the
printers, not only the reader's first check; a fraction carry one plausible mistake
(a wrong type, a missing or unknown key, an unknown name, an extreme number), and a
fraction are mangled as text (YAML tags, anchors, duplicate keys, control characters,
look-alike letters, deep nesting).

    case()  -> Case(form, text, options): a YAML document and the options after `solve`
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from hypothesis import strategies as st

from forms import SPEC_BUILDERS, STRESS_BUILDERS
from pieces import BAD_NAMES, EXTREME, OPTIONS, WRONG


@dataclass(frozen=True)
class Case:
    form: str  # graph, network, calculus
    text: str  # the YAML document
    options: tuple[str, ...]


# --- mistakes -------------------------------------------------------------------------------

@st.composite
def mistaken(draw, spec: dict) -> dict:
    """`spec` with one plausible mistake somewhere in it."""
    paths = list(_paths(spec))
    path = draw(st.sampled_from(paths))
    parent = spec
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    how = draw(st.sampled_from(["wrong", "drop", "unknown", "bad_name", "extreme"]))
    if how == "drop" and isinstance(parent, dict):
        del parent[key]
    elif how == "unknown" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["learning_rate", "netwrok", "funtion", "lr", "inputs",
                                     "layer", "unit", "x", "wrt", "defines", "Nodes"]))] = 1
    elif how == "bad_name" and isinstance(parent, dict):
        parent[draw(st.sampled_from(BAD_NAMES))] = parent.pop(key)
    elif how == "extreme":
        parent[key] = draw(EXTREME)
    else:
        parent[key] = draw(WRONG)
    return spec


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


class _Plain(yaml.SafeDumper):
    """Repeated samples written out, not as anchors and aliases (which the reader refuses)."""

    def ignore_aliases(self, data):
        return True


def dump(spec: dict) -> str:
    return yaml.dump(spec, Dumper=_Plain, sort_keys=False, allow_unicode=True, width=10**6,
                     default_flow_style=None)


@st.composite
def mangled(draw, text: str) -> str:
    """`text` with one YAML oddity: a tag, an anchor, a duplicate key, a control character,
    a look-alike letter, deep nesting, a byte order mark, tabs."""
    lines = text.splitlines()
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    how = draw(st.integers(0, 11))
    if how == 0 and lines:
        lines[i] = lines[i].replace(": ", ": !!float ", 1)
    elif how == 1 and lines:
        lines[i] = lines[i].replace(": ", ": !!python/object/apply:os.system ", 1)
    elif how == 2 and lines:
        lines.append(lines[i])  # a duplicate key (if the line is a top-level key)
    elif how == 3:
        lines.insert(0, "anchor: &a [1, 2]")
        lines.append("other: *a")
    elif how == 4 and lines:
        lines[i] = lines[i] + draw(st.sampled_from(["\x00", "\x1b", "\x07", "\u0085", "\u2028",
                                                    "\ufeff", "\x7f"]))
    elif how == 5:
        text2 = "\n".join(lines)
        for a, b in (("x", "х"), ("a", "а"), ("e", "е"), ("o", "о"), ("1", "１")):
            if a in text2 and draw(st.booleans()):
                text2 = text2.replace(a, b, 1)
        return text2 + "\n"
    elif how == 6:
        depth = draw(st.sampled_from([10, 49, 50, 51, 200, 5000]))
        lines.append("notes: " + "[" * depth + "]" * depth)
    elif how == 7:
        return "\ufeff" + text
    elif how == 8 and lines:
        lines[i] = "\t" + lines[i]
    elif how == 9:
        lines.append("<<: {title: merged}")
    elif how == 10:
        return draw(st.sampled_from(["", "---\n...\n", "[1, 2]", "just text", "{", "~",
                                     "a: b: c", "- - -", "\xff\xfe", "%YAML 1.1\n---\nx: 1",
                                     "!!binary aGVsbG8=", "&a [*a]"]))
    else:
        lines.insert(0, "---")
        lines.append("---\nsecond: document")
    return "\n".join(lines) + "\n"


@st.composite
def case(draw, form: str | None = None, stress: bool = True) -> Case:
    """A spec of `form` (any form unless told): one in 60 at the limits (STRESS_BUILDERS),
    the rest ordinary; a fifth of those carry a mistake and a tenth are mangled as text."""
    form = form or draw(st.sampled_from(list(SPEC_BUILDERS)))
    stress = stress and draw(st.integers(0, 59)) == 0
    spec = draw((STRESS_BUILDERS if stress else SPEC_BUILDERS)[form]())
    kind = draw(st.integers(0, 19)) if not stress else 0
    if 14 <= kind <= 17:  # a fifth carry one mistake; a tenth are mangled as text
        spec = draw(mistaken(spec))
    text = dump(spec)
    if kind >= 18:
        text = draw(mangled(text))
    return Case(form, text, tuple(draw(OPTIONS)))
