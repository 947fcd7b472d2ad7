"""Strict YAML: plain data out, with the line and column of every value.

Safe loading only. Anchors, aliases and tags are refused (no expansion bombs, no
objects); duplicate keys are an error rather than "the last one wins". Decimal numbers
are kept as exact fractions taken from the text (0.1 is 1/10, not the nearest double).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import re

import yaml

from .errors import SpecError, clip

MAX_BYTES = 1_000_000
MAX_DEPTH = 50  # mappings and lists inside each other; a spec needs about 4
MAX_DIGITS = 300  # a number in the spec is below 10**301 in size (and above 10**-301)

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
        # PyYAML composes nested collections recursively: [[[[...]]]] would exhaust the stack.
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise SpecError(f"the file nests lists and mappings more than {MAX_DEPTH} levels "
                                f"deep; a problem file needs only a few",
                                line=event.start_mark.line + 1, column=event.start_mark.column + 1)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        # A tag written in the file (!!float "1e3", !!str 5, !custom): the node's own tag
        # cannot tell it from one YAML resolved, so it is kept for _convert to refuse.
        node.written_tag = getattr(event, "tag", None)
        return node


# YAML 1.1 reads "1e3" and ".5e3" as text; accept the forms everyone writes as numbers.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)

# PyYAML's own words for a syntax error, with what a person should check.
_SYNTAX_HINTS = (
    ("found character '\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "is this line indented further than the one above? "
                                       "or a value with ': ' in it needs quotes"),
    ("found unexpected end of stream", "a quote or a bracket is not closed"),
    ("while scanning a quoted scalar", "a quote is not closed"),
    ("expected <block end>", "check the indentation of this line"),
    ("could not find expected ':'", "a line needs 'key: value', or a quote is not closed"),
    ("but found another document", "a file holds one problem; remove the '---' line"),
    ("expected ',' or ']'", "a list [...] is not closed, or an item needs a comma"),
    ("expected ',' or '}'", "a mapping {...} is not closed, or an entry needs a comma"),
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
            raise SpecError(f"the file is not UTF-8 text (byte {exc.start} is not valid); save "
                            f"the problem as UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise SpecError(f"the file is {len(text)} characters; the limit is {MAX_BYTES}")
    if "\x00" in text:
        raise SpecError("the file contains NUL bytes, so it is not a text file; a problem file "
                        "is YAML text")
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise _unprintable(text, exc) from None
    try:
        root = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _unprintable(text, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        found = f"{exc.context or ''} {problem}"
        hint = next((f" ({h})" for key, h in _SYNTAX_HINTS if key in found), "")
        raise SpecError(f"invalid YAML: {problem}{hint}",
                        line=mark.line + 1 if mark else None,
                        column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        if "loader" in locals():
            loader.dispose()
    if root is None:
        raise SpecError("the file is empty; a problem needs at least inputs: and nodes:")
    marks: dict = {}
    data = _convert(root, (), marks, loader)
    return Document(data=data, marks=marks)


def _unprintable(text: str, exc) -> SpecError:
    """A control character PyYAML refuses, with its line and column."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return SpecError(f"the file contains the control character U+{code:04X}; only plain "
                     f"text is allowed (delete it, or retype the line)",
                     line=line, column=column)


def _mark(node) -> Mark:
    style = getattr(node, "style", None)
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1, quoted=style in ("'", '"'))


def _fail(message: str, node, path: Path):
    raise SpecError(message, field=field_name(path) or None,
                    line=node.start_mark.line + 1, column=node.start_mark.column + 1)


def _written_tag(node, path: Path, key: bool = False) -> None:
    """Refuse a tag written in the file, even a core one like !!float: the README
    promises plain values, and `!!float "1e3"` hides a number in quotes."""
    tag = getattr(node, "written_tag", None)
    if tag is None:
        return
    shown = clip(tag.replace("tag:yaml.org,2002:", "!!"))
    kind = tag.replace("tag:yaml.org,2002:", "")
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if key and value is not None:
        fix = f"write the key plainly, without the tag: {clip(value)}"
    elif kind in ("int", "float"):
        plain = value.strip() if value is not None and _NUMERIC.fullmatch(value.strip()) else None
        fix = (f"write the number plainly, without the tag or quotes: {clip(plain)}" if plain
               else "write a number plainly, like 0.5")
    elif kind in ("str", "!") and value is not None:
        quoted = clip(value).replace("'", "''")
        fix = f"write the text without the tag, in quotes: '{quoted}'"
    elif kind == "bool":
        fix = "write true or false plainly, without the tag"
    elif kind == "null":
        fix = "write null plainly, without the tag"
    elif kind in ("map", "seq", "omap", "set", "pairs"):
        fix = "write the list or mapping plainly, without the tag"
    else:
        fix = "write plain values (numbers, text, lists and mappings)"
    _fail(f"YAML tags like '{shown}' are not allowed; {fix}", node, path)


#: A number as the loader reads one (YAML 1.1 ints and floats, and 1e3).
_NUMERIC = re.compile(r"[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?")


def _convert(node, path: Path, marks: dict, loader):
    marks[path] = _mark(node)
    _written_tag(node, path)
    if node.tag == "tag:yaml.org,2002:timestamp":
        _fail(f"YAML reads '{clip(node.value)}' as a date; put it in quotes to keep it as text",
              node, path)
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        _fail(f"YAML tags like '{clip(tag)}' are not allowed; write plain values "
              f"(numbers, text, lists and mappings)", node, path)
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                _fail("a key must be a plain name, like w1 in w1: 0.5, not a list or a mapping",
                      key_node, path)
            if key_node.tag == "tag:yaml.org,2002:merge":
                _fail("YAML merge keys (<<) are not allowed; write the keys out", key_node, path)
            key = key_node.value
            _written_tag(key_node, path + (key,), key=True)
            if key in result:
                _fail(f"the key '{clip(key)}' appears twice; keep one of them", key_node,
                      path + (key,))
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
        if len(cleaned) > MAX_DIGITS + 10:  # before converting: int() of 10**5 digits is slow
            _fail(f"the number '{clip(text, 20)}' has {len(cleaned)} digits; numbers must be "
                  f"between 1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size", node, path)
        if tag == "tag:yaml.org,2002:int":
            return _integer(node, cleaned, path)
        try:
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            if cleaned.lower().lstrip("+-") in (".inf", ".nan"):
                _fail(f"'{text}' is not a finite number; every value must be an ordinary "
                      f"number: write one like 0.5 or -2", node, path)
            _fail(f"cannot read the number '{clip(text)}'; write it like 0.5, -2 or 1e-3",
                  node, path)
        if not value.is_finite():
            _fail(f"'{text}' is not a finite number; every value must be an ordinary number: "
                  f"write one like 0.5 or -2", node, path)
        if value and abs(value.adjusted()) > MAX_DIGITS:
            _fail(f"the number '{clip(text)}' is out of range; numbers must be between "
                  f"1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size", node, path)
        return Fraction(value)
    return _joined_surrogates(text, node, path)


def _joined_surrogates(text: str, node, path: Path) -> str:
    """JSON writes a character beyond U+FFFF as two escapes, "\\ud83d\\ude42"; PyYAML keeps
    them as two halves, which no later check should meet. Join each pair into its
    character; a half without its pair is not text."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    try:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        half = next(ch for ch in text if "\ud800" <= ch <= "\udfff")
        _fail(f"contains \\u{ord(half):04x}, half of a UTF-16 surrogate pair without the other "
              f"half; write the character itself", node, path)


def _integer(node, cleaned: str, path: Path) -> int:
    """A YAML 1.1 integer: 7, -3, 1_000, 0x1F, 0o17, but not its surprises."""
    text = node.value
    digits = cleaned.lstrip("+-")
    if ":" in digits:  # YAML 1.1 reads 1:30 as 90 (base 60)
        _fail(f"YAML reads '{clip(text)}' as a number in base 60 "
              f"({_CONSTRUCTOR.construct_yaml_int(node)}); write the number you mean, "
              f"or put it in quotes", node, path)
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():  # 010 is 8 in YAML 1.1
        _fail(f"YAML reads '{text}' as an octal number ({_CONSTRUCTOR.construct_yaml_int(node)});"
              f" write it without the leading zero", node, path)
    try:
        value = _CONSTRUCTOR.construct_yaml_int(node)
    except ValueError:
        _fail(f"cannot read the number '{clip(text)}'; write it like 0.5, -2 or 1e-3", node, path)
    if abs(value) >= 10 ** (MAX_DIGITS + 1):
        _fail(f"the number '{clip(text)}' is out of range; numbers must be between "
              f"1e-{MAX_DIGITS} and 1e{MAX_DIGITS} in size", node, path)
    return value


class Flag(str):
    """A YAML 1.1 boolean (yes/no/on/off/true/false), kept with its spelling so that
    a field expecting a number can say what happened."""

    def __bool__(self) -> bool:
        return self.lower() in ("yes", "y", "true", "on")


def is_number(value) -> bool:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)
