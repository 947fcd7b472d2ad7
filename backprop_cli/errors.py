"""The one exception type users see, and the exit statuses it maps to."""

from __future__ import annotations

import re

import click

#: Exit statuses (documented in the README).
EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug in backprop: one line, --debug shows the traceback
EXIT_INPUT = 2  # the spec or the command line is wrong: one clear message
EXIT_TEX = 3  # the LaTeX toolchain is missing or failed


class BackpropError(click.ClickException):
    """A problem with the user's input, reported as one message and exit status 2.

    A click.ClickException, so the command line prints it as it prints its own usage
    errors; `field` (like 'data[1].x') and `line` say where, for people and programs."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, field: str | None = None,
                 line: int | None = None, column: int | None = None,
                 source: str | None = None, advice: str = "", cause: str | None = None,
                 subject: str | None = None):
        super().__init__(message)
        self.reason = message  # what is wrong
        self.advice = advice  # what to do about it, said right after the reason
        self.context = ""  # when it happened, said first: "after gradient-descent step 2"
        self.note = ""  # said last, in parentheses
        self.cause = cause  # the kind of problem, for a later layer: "log", "division", ...
        self.subject = subject  # the quantity it is about, for a later layer: "loss", ...
        self.message = self._text()
        self.field = field
        self.line = line
        self.column = column
        self.source = source

    def refine(self, *, advice: str | None = None, context: str | None = None,
               note: str | None = None) -> "BackpropError":
        """This error, with what a later layer knows (found from `cause` and `subject`, not
        from the text): better `advice` in place of the one given where it was raised, the
        `context` it happened in, a closing `note`."""
        if advice is not None:
            self.advice = advice
        if context is not None:
            self.context = context
        if note is not None:
            self.note = note
        self.message = self._text()
        return self

    def _text(self) -> str:
        text = self.reason + self.advice
        if self.context:
            text = f"{self.context}, {text}"
        return f"{text} ({self.note})" if self.note else text

    def located(self, source: str) -> "BackpropError":
        """This error, naming the file it came from."""
        if self.source is None:
            self.source = source
        return self

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        prefix = ", ".join(where)
        if self.field:
            prefix = f"{prefix}, in {self.field}" if prefix else f"in {self.field}"
        text = f"{prefix}: {self.message}" if prefix else self.message
        return one_line(text)

    def format_message(self) -> str:
        return str(self)


class SpecError(BackpropError):
    """The problem file is not a valid spec."""


class EvaluationError(BackpropError):
    """The spec is well formed but a value is undefined (log 0, division by zero, ...)."""


class TexError(BackpropError):
    """LaTeX is missing or the document did not compile."""

    exit_code = EXIT_TEX


#: Control characters (newlines, escape sequences, ...) and other unprintable characters.
_UNPRINTABLE = re.compile(r"[^\S ]|[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """`text` safe to print as one line of a terminal: every control character (a newline
    in a key, an escape sequence in a title, a file name with a tab) shown as an escape."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def clip(text: str, limit: int = 40) -> str:
    """User text quoted in a message, shortened so a message stays one readable line."""
    text = str(text)
    return text if len(text) <= limit else f"{text[:limit - 3]}..."
