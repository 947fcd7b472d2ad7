"""Two-dimensional text for the terminal: matrices in Unicode brackets, side by side.

A Box is lines of equal width and a baseline (the row that lines up with its
neighbours), the way SymPy's pretty printer composes its pictures, in miniature.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def width(text: str) -> int:
    """Columns `text` takes in a terminal: combining accents (the hat of ŷ) take none."""
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    space = " " * max(columns - width(text), 0)
    return space + text if right else text + space


@dataclass(frozen=True)
class Box:
    lines: tuple
    baseline: int = 0

    @property
    def width(self) -> int:
        return max((width(line) for line in self.lines), default=0)

    @property
    def height(self) -> int:
        return len(self.lines)


def text(s: str) -> Box:
    return Box((s,), 0)


def matrix(rows: list[list[str]]) -> Box:
    """Entries right-aligned in columns, two spaces apart, in ⎡ ⎤ brackets."""
    columns = [max(width(row[j]) for row in rows) for j in range(len(rows[0]))]
    body = ["  ".join(pad(cell, columns[j], right=True) for j, cell in enumerate(row)) for row in rows]
    if len(body) == 1:
        return Box((f"[{body[0]}]",), 0)
    out = []
    for i, line in enumerate(body):
        left, right = ("⎡", "⎤") if i == 0 else (("⎣", "⎦") if i == len(body) - 1 else ("⎢", "⎥"))
        out.append(f"{left}{line}{right}")
    return Box(tuple(out), (len(out) - 1) // 2)


def beside(boxes: list[Box], gap: str = "") -> Box:
    """Boxes left to right with their baselines on one row."""
    if not boxes:
        return Box(("",), 0)
    above = max(b.baseline for b in boxes)
    below = max(b.height - b.baseline for b in boxes)
    rows = []
    for r in range(above + below):
        parts = []
        for b in boxes:
            i = r - (above - b.baseline)
            line = b.lines[i] if 0 <= i < b.height else ""
            parts.append(pad(line, b.width))
        rows.append(gap.join(parts).rstrip())
    return Box(tuple(rows), above)
