"""Nothing leaves the page: every example's answer key, as a whole document and as a
--fragment \\input into a plain article (default margins, US Letter at 10 pt and A4 at
12 pt, the narrowest of the usual hosts), compiles without an overfull box wider than
1 pt; the terminal text stays inside the terminal's width. Also the pieces that make it
so: the width estimate against TeX's own widths, and the cutting of long lines.

The TeX tests need pdflatex (skipped without it, failing with BACKPROP_REQUIRE_LATEX=1).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from backprop_cli.pipeline import render, solve_text
from backprop_cli.render.boxes import width
from backprop_cli.render.lines import pack, room, set_rows, split_text
from backprop_cli.render.measure import measure, split_top
from backprop_cli.settings import Settings
from support import example_paths

EXAMPLES = example_paths()
IDS = [p.stem for p in EXAMPLES]
HOSTS = {"letter-10pt": "letterpaper", "a4-12pt": "a4paper,12pt"}
HOST = r"""\documentclass[%s]{article}
\usepackage{amsmath}
\usepackage{booktabs}
\begin{document}
\input{fragment}
\end{document}
"""
TOLERANCE = 1.0  # pt


def views(path: Path) -> str:
    """The layered form is checked with both of its views (the scalar view's lines are the
    longest); the other forms have one."""
    return "both" if "network:" in path.read_text(encoding="utf-8") else "matrix"


def overfull(folder: Path, name: str) -> list[float]:
    """Compile folder/name.tex; the widths of its overfull boxes (it must compile)."""
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", f"{name}.tex"], cwd=folder, capture_output=True,
                            text=True, timeout=120, stdin=subprocess.DEVNULL)
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    assert result.returncode == 0, f"{name}.tex did not compile: {log[-1500:]}"
    # too wide, or (an align longer than a page that may not break) off the page's foot
    return [float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)", log)]


@pytest.mark.latex
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_nothing_leaves_the_page(path, tmp_path):
    solution = solve_text(path.read_bytes(), str(path))
    view = views(path)
    (tmp_path / "doc.tex").write_text(render(solution, "latex", Settings(view=view)), encoding="utf-8")
    (tmp_path / "fragment.tex").write_text(render(solution, "latex", Settings(view=view, fragment=True)),
                                           encoding="utf-8")
    found = {"document": overfull(tmp_path, "doc")}
    for host, options in HOSTS.items():
        (tmp_path / f"{host}.tex").write_text(HOST % options, encoding="utf-8")
        found[f"fragment in {host}"] = overfull(tmp_path, host)
    wide = {where: max(widths) for where, widths in found.items() if widths and max(widths) > TOLERANCE}
    assert not wide, f"{path.name}: overfull boxes (pt) {wide}"


@pytest.mark.latex
def test_letter_paper(tmp_path):
    """--paper letter sets the document on US Letter, with lines as wide as it allows."""
    path = next(p for p in EXAMPLES if p.stem == "softmax_classifier")
    solution = solve_text(path.read_bytes(), str(path))
    latex = render(solution, "latex", Settings(paper="letter"))
    assert "letterpaper" in latex and "a4paper" not in latex
    (tmp_path / "doc.tex").write_text(latex, encoding="utf-8")
    assert not [w for w in overfull(tmp_path, "doc") if w > TOLERANCE]


@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_terminal_text_stays_inside_80_columns(path):
    solution = solve_text(path.read_bytes(), str(path))
    text = render(solution, "text", Settings(width=80, view=views(path)))
    wide = [line for line in text.splitlines() if width(line) > 80]
    assert not wide, f"{len(wide)} lines wider than 80 columns, e.g. {wide[0]!r}"


# --- the estimate and the cuts -----------------------------------------------------------------

@pytest.mark.latex
def test_the_estimate_is_close_to_texs_own_widths(tmp_path):
    """Every example's worked formulas, measured by TeX: the estimate is within 15 % for
    formulas wider than 4 em and never far below (a line judged to fit must fit)."""
    formulas = set()
    for path in EXAMPLES:
        latex = render(solve_text(path.read_bytes(), str(path)), "latex", Settings(view=views(path)))
        for env in re.findall(r"\\begin\{align\*?\}(.*?)\\end\{align\*?\}", latex, re.S):
            for row in re.split(r"\\\\(?:\[2pt\])?\n", env):
                if "\\noalign" in row or "\\begin{bmatrix}" in row or "\\begin{array}" in row:
                    continue
                formulas.update(cell.strip() for cell in re.sub(r"\\(notag|tag\*\{.*\})", "", row).split("&"))
    formulas = sorted(f for f in formulas if f)
    assert len(formulas) > 200
    boxes = "\n".join(f"\\setbox0=\\hbox{{$\\displaystyle {f}$}}\\typeout{{W{i}=\\the\\wd0}}"
                      for i, f in enumerate(formulas))
    (tmp_path / "w.tex").write_text("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{lmodern}"
                                    "\\usepackage{amsmath,amssymb}\\begin{document}\n" + boxes
                                    + "\n\\end{document}\n", encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "w.tex"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    actual = {int(i): float(w) / 10 for i, w in re.findall(r"W(\d+)=([\d.]+)pt", result.stdout)}
    ratios = [(measure(formulas[i]) / w, formulas[i]) for i, w in actual.items() if w > 4]
    assert len(ratios) > 100
    low = min(ratios)
    assert low[0] > 0.85, f"estimated too narrow: {low}"
    within = sum(0.85 <= r <= 1.15 for r, _ in ratios) / len(ratios)
    assert within > 0.9, f"only {within:.0%} of the estimates within 15 %"


def test_split_top_cuts_only_outside_brackets():
    assert split_top(r"a + \left(b + c\right) - d", ("+", "-")) == ["a", r"+ \left(b + c\right)", "- d"]
    assert split_top(r"- a + \frac{b + c}{d}", ("+", "-")) == ["- a", r"+ \frac{b + c}{d}"]
    assert split_top(r"x_{1} = -2", ("+", "-")) == [r"x_{1} = -2"]  # a sign after '=' is no cut


def test_a_long_line_is_set_in_rows_that_fit():
    terms = [rf"w_{{{i}}} x_{{{i}}}" for i in range(1, 13)]
    parts = [" + ".join(terms), " + ".join(rf"0.{i}23 \cdot \left(-1.5\right)" for i in range(1, 13)), "0.5"]
    rows = set_rows("=", parts, 30.0)
    assert len(rows) > 3
    assert rows[0].startswith("= w_{1}")
    assert all(measure(row) <= 30.0 for row in rows)
    assert rows[1].startswith(r"\quad {}+")  # a continued row begins with its operator
    assert " ".join(rows).replace(r"\quad {}", "").split() == f"= {parts[0]} = {parts[1]} = 0.5".split()
    assert set_rows("=", ["a + b", "c"], 30.0) == ["= a + b = c"]


def test_a_sum_of_products_is_cut_before_a_term_not_inside_a_product():
    """'[a][b] + [c] ⏎ · [d]' splits the product c d the eye reads as one: the row is cut
    before '+ [c]' instead, where the whole term fits on the next row."""
    from backprop_cli.render.lines import PRODUCT

    factor = r"\begin{bmatrix}0.12345 & -0.54321 & 0.67891\end{bmatrix}"
    parts = [(factor, PRODUCT + factor, "+ " + factor, PRODUCT + factor),
             "0.5"]
    rows = set_rows("=", parts, 3.3 * measure(factor))
    assert len(rows) == 2 and rows[1].startswith(r"\quad {}+ ")
    assert r"\cdot" not in rows[0] and all(measure(row) <= 3.3 * measure(factor) for row in rows)


def test_a_fragment_has_less_room_than_the_document():
    lefts = [r"\frac{\partial L}{\partial w_{1}}"]
    assert room(Settings(fragment=True), lefts) < room(Settings(), lefts) < room(Settings(paper="letter"), lefts)


def test_lists_stack_when_wide():
    items = [rf"W^{{({i})}} = \begin{{bmatrix}}0.12345 & 0.12345\end{{bmatrix}}" for i in range(4)]
    rows = pack(items, 30.0)
    assert 1 < len(rows) < 4 and all(measure(r) <= 30.0 for r in rows)
    assert pack(["a = 1", "b = 2"], 30.0) == ["a = 1 ,\\qquad\nb = 2"]


def test_terminal_cuts():
    assert split_text("z = 0.4 · 1 + (−0.6) · 0.5 + 0.1") == ["z = 0.4 · 1", "+ (−0.6) · 0.5", "+ 0.1"]
    assert split_text("a(b + c) − d", 1) == ["a(b", "+ c) − d"]
