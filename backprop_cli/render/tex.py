"""What every form's LaTeX shares: the Jinja environment and its escaping filter, our
own headings, warnings, and worked lines as the templates' dicts.

Templates use LaTeX-friendly delimiters: ((* block *)), ((( variable ))), ((= comment =)).
User text (title, notes) goes through the `tex` escaping filter; only LaTeX this program
produced is inserted raw.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from ..sheet import model as m
from ..spec.graph import check_symbol_latex
from ..texchars import MATH, can_show, split_math
from .lines import room, set_rows
from .measure import measure
from .worked import printed, printer

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX_SPECIALS))


def escape_tex(text: str) -> str:
    """Plain text -> LaTeX that prints it literally. A character the document cannot show
    (texchars.py: CJK, emoji, control characters) is written '?', so that pdflatex never
    stops at one; the spec reader refuses those in what the user writes. Greek letters
    and the signs of formulas (σ, ∂, ≤, ₁) are set as math."""
    text = _TEX_RE.sub(lambda m: _TEX_SPECIALS[m.group()], str(text))
    return "".join(f"\\ensuremath{{{MATH[ch]}}}" if ch in MATH else ch if can_show(ch) else "?"
                   for ch in text)


def notes_tex(text: str) -> str:
    """Notes in LaTeX: the text escaped, its `$...$` math inserted as math, once it passes
    the checks the spec reader made (math that does not is printed literally, as text)."""
    parts = split_math(text)
    if parts is None:
        return escape_tex(text)
    out = []
    for is_math, part in parts:
        refused = []
        if is_math:
            check_symbol_latex(part, refused.append, what="math in notes", limit=300, signs=True)
        out.append(f"${_breakable(part)}$" if is_math and not refused else
                   escape_tex(f"${part}$" if is_math else part))
    return "".join(out)


def _breakable(math: str) -> str:
    """Inline math that may break after a comma outside braces, as text does: TeX breaks
    math only after a relation or an operator, and θ = (w₀, w₁, w₂, w₃, w₄) would run
    off a narrow page."""
    out, depth = [], 0
    for i, ch in enumerate(math):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        out.append(ch)
        if ch == "," and depth == 0 and math[i + 1:i + 2] == " " and math[i - 1:i] != "\\":
            out.append("\\allowbreak")
    return "".join(out)


def template_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    # Installed wheel: backprop_cli/templates; source checkout: templates/ beside the package.
    return [d for d in (here / "templates", here.parent / "templates") if d.is_dir()]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs()]),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["tex"] = escape_tex
    env.filters["notes"] = notes_tex
    return env


def title_tex(title: str) -> str:
    """One of our own headings in LaTeX: escaped, with δ as math."""
    return "$\\delta$".join(escape_tex(part) for part in title.split("δ"))


#: A summary up to this many lines is kept on one page (a longer one may break).
KEEP_LINES = 30


def summary_lines(sheet: m.Worksheet) -> int:
    """About how many lines the summary takes: its heading, each table row or matrix row."""
    lines = 0
    for block in sheet.summary:
        if isinstance(block, m.GradientTable):
            lines += 5 + len(block.rows)
        elif isinstance(block, m.Gradients):
            lines += 3 + sum(len(mat.rows) + 1 for _, mat in block.items)
        else:
            lines += 2
    return lines


def base_context(sheet: m.Worksheet) -> dict:
    return {"title": sheet.title, "notes": sheet.notes,
            "keep_summary": bool(sheet.summary) and summary_lines(sheet) <= KEEP_LINES,
            "warnings": [warning_tex(w, sheet.names) for w in sheet.warnings],
            "questions": [question_tex(q) for q in sheet.questions]}


#: a blank's width in a question sheet's matrix of answers, and the most columns so drawn
_BLANK, _BLANK_COLUMNS = r"\underline{\makebox[1.5cm]{}}", 7


def question_tex(q: m.Question) -> dict:
    """A question as the template's dict: its label, sentence, and room to answer: a line,
    or a matrix of blanks as wide as the answer (a wider one: a line per row)."""
    rows, cols = (q.shape[0], 1) if len(q.shape) == 1 else q.shape if q.shape else (0, 0)
    if len(q.shape) == 1:
        rows, cols = 1, q.shape[0]
    if not q.shape:
        room = r"\underline{\makebox[4cm]{}}"
    elif cols <= _BLANK_COLUMNS:
        body = r" \\[1.4em] ".join(" & ".join([_BLANK] * cols) for _ in range(rows))
        room = rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"
    else:
        room = rf"\text{{a ${rows} \times {cols}$ matrix}}"
    return {"label": escape_tex(q.label), "text": escape_tex(q.text), "lhs": q.lhs.latex,
            "room": room}


def warning_tex(warning: m.Warning, names: dict) -> str:
    """Its text escaped, its symbols printed as math (z⁽¹⁾₁ is $z^{(1)}_{1}$, not z???)."""
    return "".join(escape_tex(p) if isinstance(p, str) else f"${printer('graph', 'latex')(p, names=names)}$"
                   for p in warning.parts)


def penalty_sentence(penalty: tuple, tex, settings) -> str | None:
    """The given part's sentences on regularization: the penalty's formula (a display, cut
    over rows like a worked line) and its strengths."""
    if not penalty:
        return None
    symbol, formula, strengths = penalty
    values = ", ".join(f"${tex(s)}$ (a symbol)" if v == s else f"${tex(s)} = {tex(v, decimals=True)}$"
                       for s, v in strengths)
    left = tex(symbol)
    rows = set_rows("=", [tex(formula)], room(settings, [left], numbered=False))
    body = " \\\\\n".join(f"{left if i == 0 else ''} &{row}" for i, row in enumerate(rows))
    return (f"The penalty added to the loss once per step is\n\\begin{{align*}}\n{body}\n"
            f"\\end{{align*}}\nwith {values}.")


def worked_lines(lines, sheet: m.Worksheet, settings, numbered: bool = True,
                 lefts: tuple = ()) -> list[dict]:
    """Worked lines as the templates' dicts, each set over the rows the page needs
    (lines.py); `lefts`: other left sides of the same align, which share its column."""
    shown = [printed(line, sheet.form, sheet.names, settings.digits, "latex") for line in lines]
    out = []
    every_left = [q.lhs for q in shown] + list(lefts)
    space = room(settings, every_left, numbered)
    widest = max((measure(left) for left in every_left), default=0.0)
    rows = [set_rows(p.relation, p.rhs, space, widest) for p in shown]
    # the rules in a column beside the lines (a calculus derivation) when every line has
    # one row and the widest with the widest rule fits; else each rule under its line
    rules = [measure(p.rule) * 0.9 for p in shown if p.rule]
    beside = bool(rules) and all(len(r) == 1 for r in rows) \
        and max(measure(r[0]) for r in rows) + max(rules) + 2.0 <= space
    for p, r in zip(shown, rows):
        out.append({"lhs": p.lhs, "rows": r, "rule": p.rule, "rule_beside": beside, "note": None})
    return out


#: A sample's given values past this many pairs may break between them (a line of them,
#: unbroken, would leave the page).
LONG_SUBTITLE = 8


def section_dicts(sections, sheet: m.Worksheet, settings) -> list[dict]:
    """The graph form's passes (also the layered form's scalar view)."""
    names = sheet.names
    tex = printer("graph", "latex")
    return [{"title": s.title,
             # a map's many entries (a sample of a conv network) may break between pairs
             "subtitle": (",\\allowbreak\\quad " if len(s.subtitle) > LONG_SUBTITLE else ",\\quad ").join(
                 f"{tex(k, names=names)} = {tex(v, names=names, decimals=True)}"
                 for k, v in s.subtitle) or None,
             "lines": worked_lines(s.blocks, sheet, settings)} for s in sections]
