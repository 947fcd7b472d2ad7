"""Helpers shared by the CLI, golden and LaTeX tests (imported as `support`, like `oracle`).

TeX policy: a test that needs latexmk/pdflatex (or pdftotext) is skipped where they are
missing, unless BACKPROP_REQUIRE_LATEX=1 (as CI sets): then it fails, so a CI machine
without TeX cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
GOLDEN = Path(__file__).resolve().parent / "golden"
TEX_TOOLS = ("latexmk", "pdflatex")


def tex_required() -> bool:
    return os.environ.get("BACKPROP_REQUIRE_LATEX") == "1"


def require_tools(*tools: str, what: str) -> None:
    """Skip (or, with BACKPROP_REQUIRE_LATEX=1, fail) unless every tool is on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = f"{what}: {', '.join(missing)} not installed"
    if tex_required():
        pytest.fail(f"{reason}, and BACKPROP_REQUIRE_LATEX=1 requires it", pytrace=False)
    pytest.skip(f"{reason} (set BACKPROP_REQUIRE_LATEX=1 to make this a failure)")


def require_tex() -> None:
    require_tools(*TEX_TOOLS, what="TeX Live is needed")


def require_pdftotext() -> None:
    require_tools("pdftotext", what="poppler's pdftotext is needed to read the PDF")


def example_paths() -> list[Path]:
    """Every example problem in problems/, in a stable order."""
    return sorted(PROBLEMS.glob("*.yaml"))


def by_hand(value: str, digits: int = 5) -> str:
    """A number (as decimal text) at `digits` significant digits as a key prints it, worked
    out apart from the tool: a tie rounded up, no trailing zeros (2.78125 -> '2.7813')."""
    with localcontext() as context:
        context.prec, context.rounding = digits, ROUND_HALF_UP
        return format((+Decimal(value)).normalize(), "f")
