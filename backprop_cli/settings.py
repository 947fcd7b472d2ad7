"""How a solution is shown: one frozen object, made once by the command line or the API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    digits: int = 5  # significant digits shown; values are exact or 50 digits inside
    fragment: bool = False  # LaTeX: the body only, to \input into another document
    color: bool = False  # terminal text: ANSI colour
    width: int = 100  # terminal text: columns to wrap at
    view: str = "matrix"  # layered problems: matrix, scalar or both
    paper: str = "a4"  # LaTeX and PDF: a4 or letter
