"""The worked solution for a Jupyter cell: Markdown with display math (text/markdown), or
one block of math alone (text/latex, for MathJax).

Read from the worksheet's worked lines (every line of the solution, with its section),
printed by the same printer as the LaTeX document and the JSON's `latex`. Nothing here
computes.
"""

from __future__ import annotations

from ..settings import Settings
from ..sheet.model import Worksheet
from .pieces import answer_piece, piece_latex
from .worked import one_latex

_RELATIONS = (" = ", " \\leftarrow ")


def sections(sheet: Worksheet, settings: Settings) -> list[tuple[str, list[str]]]:
    """(heading, LaTeX lines) in the order of the worked solution."""
    out: list[tuple[str, list[str]]] = []
    for title, line in sheet.steps:
        if not out or out[-1][0] != title:
            out.append((title, []))
        out[-1][1].append(one_latex(line, sheet.form, sheet.names, settings.digits))
    if sheet.answers:  # what the homework asks (ask:): its answers, by label, last
        out.append(("Answers", [answer_latex(row, sheet.names, settings.digits)
                                for row in sheet.answers]))
    return out


def answer_latex(row, names: dict, digits: int) -> str:
    """(1.3) ∂L/∂W⁽²⁾ = [...]: one answer as a line of math."""
    label = f"\\text{{({_text(row.label)})}}\\ " if row.label else ""
    return f"{label}{row.symbol[0]} = {piece_latex(answer_piece(row.value), names, digits)}"


def render_markdown(sheet: Worksheet, settings: Settings) -> str:
    """Markdown: the title, warnings, then each section's lines as display math."""
    out = [f"## {_md(sheet.title or 'Worked solution')}"]
    out += [f"> **warning:** {_md(w.text)}" for w in sheet.warnings]
    for heading, lines in sections(sheet, settings):
        out += ["", f"### {_md(heading)}", ""]
        out += [f"$${line}$$" for line in lines]
    return "\n".join(out) + "\n"


def render_math(sheet: Worksheet, settings: Settings) -> str:
    """One display-math block (for text/latex): the title and section headings flush
    left, each section's lines aligned on their relation under its heading."""
    rows = [f"\\textbf{{{_text(sheet.title or 'Worked solution')}}}"]
    for heading, lines in sections(sheet, settings):
        rows.append(f"\\text{{{_text(heading)}}}")
        rows.append("\\qquad\\begin{aligned}" + " \\\\ ".join(_aligned(line) for line in lines)
                    + "\\end{aligned}")
    return "$$\\begin{array}{l}" + " \\\\[4pt] ".join(rows) + "\\end{array}$$"


def _aligned(line: str) -> str:
    places = [line.find(r) for r in _RELATIONS if r in line]
    if not places:
        return f"&{line}"
    at = min(places)
    return f"{line[:at]} &{line[at:]}"


def _text(text: str) -> str:
    """Plain text for \\text{...}, where MathJax takes the characters as they are except
    the ones that end or escape it: those become near equivalents or go."""
    return text.translate(_MATH_TEXT)


def _md(text: str) -> str:
    """Plain text in Markdown: no markup, no HTML, no math from a title."""
    return "".join(f"\\{ch}" if ch in _MARKDOWN else _HTML.get(ch, ch) for ch in text)


_MATH_TEXT = str.maketrans({"{": "(", "}": ")", "\\": "/", "$": "", "&": "and", "#": "", "%": ""})
_MARKDOWN = set("\\`*_{}[]()#+-.!|$~")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
