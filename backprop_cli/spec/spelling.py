"""How the source of a problem writes its fields, for the messages that say what to write.

A problem read from a YAML file names the field of ('at', 'x') `at.x` and tells the user to
"choose values in at:"; the same problem typed as `backprop derive ... --at x=1` names it
`--at x` and says "choose values in --at". The reader (and the engine after it) compose
each such message from the Spelling they are given, so no layer rewrites another's text.
`Spelling` is a file's; `Options` is a command line's, from the table of its options
that cli.py gives.
"""

from __future__ import annotations

import re

from ..yamlload import field_name


class Spelling:
    """A YAML file's words: fields like at.x, keys written as `at:`."""

    def field(self, path) -> str | None:
        """The field `path` names, in messages and SpecError.field: data[2].x."""
        return field_name(path) or None

    def key(self, key: str) -> str:
        """The key itself in running text: '(define:)', 'remove it from at:'."""
        return f"{key}:"

    def within(self, key: str) -> str:
        """Where values of `key` are written: 'choose values in at:'."""
        return f"in {key}:"

    def leave_out(self, key: str) -> str:
        """How to ask for a key's default: "leave 'wrt:' out"."""
        return f"leave '{key}:' out"

    def remove(self, key: str) -> str:
        """How to drop a key: 'remove update:'."""
        return f"remove {key}:"

    def entry(self, key: str, name: str, value: str) -> str:
        """One entry of the mapping `key`, to copy: 'x: t**2'."""
        return f"{name}: {value}"

    def add_entry(self, key: str, name: str, value: str) -> str:
        """How to add a missing entry to the mapping `key`: 'add it, like y: 1'."""
        return f"add it, like {self.entry(key, name, value)}"

    def listing(self, key: str, names) -> str:
        """The list `key` written out: 'wrt: [x, y]'."""
        return f"{key}: [{', '.join(names)}]"


#: How a YAML file writes its fields: every file-reading path uses this one.
FILE = Spelling()


class Options(Spelling):
    """A command line's words: the option that gives each key (`options`, like at -> --at),
    an entry named after its option (--at x, --define y), an item of a key in `numbered`
    counted from 1 (FORMULA 2); a key whose option takes entries in `given_with` is where
    something is written "with --define", not "in --at"."""

    def __init__(self, options: dict, numbered=(), named=(), given_with=()):
        self.options = options
        self.numbered = numbered
        self.named = named
        self.given_with = given_with

    def field(self, path) -> str | None:
        path = tuple(path)
        if not path or path[0] not in self.options:
            return super().field(path)
        head, rest = path[0], path[1:]
        option = self.options[head]
        if head in self.numbered and rest and isinstance(rest[0], int):
            return f"{option} {rest[0] + 1}"
        # The name as far as it is a word: '--at x y=1' is about --at x.
        word = re.match(r"\w+", rest[0]) if head in self.named and rest and \
            isinstance(rest[0], str) else None
        return f"{option} {word.group()}" if word else option

    def key(self, key: str) -> str:
        return self.options[key]

    def within(self, key: str) -> str:
        return f"{'with' if key in self.given_with else 'in'} {self.options[key]}"

    def leave_out(self, key: str) -> str:
        return f"leave {self.options[key]} out"

    def remove(self, key: str) -> str:
        return self.leave_out(key)

    def entry(self, key: str, name: str, value: str) -> str:
        return f"{self.options[key]} {name}={value}"

    def add_entry(self, key: str, name: str, value: str) -> str:
        return f"add {name}={value} to {self.options[key]}"

    def listing(self, key: str, names) -> str:
        return f"{self.options[key]} {','.join(names)}"
