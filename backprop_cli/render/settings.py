"""The output settings every renderer reads, fixed once per command."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    digits: int = 5
    fragment: bool = False
    color: bool = False
    width: int = 100
    view: str = "matrix"  # layered problems: matrix, scalar or both
