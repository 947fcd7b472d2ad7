"""Strict YAML: plain data out, with the line and column of every value.

Safe loading only. Anchors, aliases and tags are refused (no expansion bombs, no
objects); duplicate keys are an error rather than "the last one wins". Decimal numbers
are kept as exact fractions taken from the text (0.1 is 1/10, not the nearest double).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import yaml

from .errors import SpecError

MAX_BYTES = 1_000_000

Path = tuple  # of str keys and int indices


@dataclass(frozen=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based
    quoted: bool = False


@dataclass(frozen=True)
class Document:
    data: object
    marks: dict  # Path -> Mark

    def mark(self, path: Path) -> Mark | None:
        """The mark of `path`, or of its nearest enclosing value."""
        path = tuple(path)
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path)


def field_name(path: Path) -> str:
    """('data', 2, 'x') -> 'data[2].x'"""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent, index):
        # Refuse anchors and aliases before they are resolved: no billion-laughs bombs.
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise SpecError("YAML anchors and aliases (&, *) are not allowed; write the value out",
                            line=event.start_mark.line + 1, column=event.start_mark.column + 1)
        return super().compose_node(parent, index)


# YAML 1.1 reads "1e3" as text; accept the forms everyone writes as numbers.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    __import__("re").compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)

_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


def load_yaml(text: str | bytes) -> Document:
    """Parse `text` into plain data; raise SpecError with a line for anything odd."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise SpecError(f"the file is {len(text)} bytes; the limit is {MAX_BYTES}")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpecError(f"the file is not UTF-8 text (byte {exc.start} is not valid)") from None
    if len(text) > MAX_BYTES:
        raise SpecError(f"the file is {len(text)} characters; the limit is {MAX_BYTES}")
    if "\x00" in text:
        raise SpecError("the file contains NUL bytes; it is not a text file")
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        raise SpecError(f"invalid YAML: {problem}",
                        line=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if root is None:
        raise SpecError("the file is empty")
    marks: dict = {}
    data = _convert(root, (), marks, loader)
    return Document(data=data, marks=marks)


def _mark(node) -> Mark:
    style = getattr(node, "style", None)
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1, quoted=style in ("'", '"'))


def _fail(message: str, node, path: Path):
    raise SpecError(message, field=field_name(path) or None,
                    line=node.start_mark.line + 1, column=node.start_mark.column + 1)


def _convert(node, path: Path, marks: dict, loader):
    marks[path] = _mark(node)
    if node.tag not in _PLAIN_TAGS:
        _fail(f"YAML tags like '{node.tag}' are not allowed", node, path)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                _fail("a key must be a plain name", key_node, path)
            if key_node.tag == "tag:yaml.org,2002:merge":
                _fail("YAML merge keys (<<) are not allowed", key_node, path)
            key = key_node.value
            if key in result:
                _fail(f"the key '{key}' appears twice", key_node, path + (key,))
            result[key] = _convert(value_node, path + (key,), marks, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), marks, loader) for i, child in enumerate(node.value)]
    return _scalar(node, path)


def _scalar(node, path: Path):
    text = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return Flag(text)
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        cleaned = text.replace("_", "")
        try:
            if tag == "tag:yaml.org,2002:int":
                return _CONSTRUCTOR.construct_yaml_int(node)  # YAML 1.1: 0x1F, 0o17, 1_000
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            if cleaned.lower().lstrip("+-") in (".inf", ".nan"):
                _fail(f"'{text}' is not a finite number", node, path)
            _fail(f"cannot read the number '{text}'", node, path)
        if not value.is_finite():
            _fail(f"'{text}' is not a finite number", node, path)
        if value and abs(value.adjusted()) > 300:
            _fail(f"the number '{text}' is out of range", node, path)
        return Fraction(value)
    return text


class Flag(str):
    """A YAML 1.1 boolean (yes/no/on/off/true/false), kept with its spelling so that
    a field expecting a number can say what happened."""

    def __bool__(self) -> bool:
        return self.lower() in ("yes", "y", "true", "on")


def is_number(value) -> bool:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)
