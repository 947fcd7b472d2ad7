"""What the homework asks (ask:) in LaTeX, for every form alike: each asked derivative
worked (its local Jacobians multiplied, or the graph form's lines), then the Answers
table by label, which ends the key. document.tex.j2 puts it after the summary."""

from __future__ import annotations

from ..settings import Settings
from ..sheet import model as m
from .lines import text_width
from .measure import measure
from .pieces import answer_piece, form_latex, piece_latex, standing
from .tex import escape_tex
from .worked import printed


def asked_latex(sheet: m.Worksheet, settings: Settings) -> str:
    """The LaTeX of the asked derivatives and the Answers table ('' without ask:)."""
    if not sheet.asked and not sheet.answers:
        return ""
    names, digits = sheet.names, settings.digits
    out = []
    if sheet.asked:
        out.append("\\subsection*{Asked derivatives}")
    for work in sheet.asked:
        head = f"\\textbf{{{escape_tex(work.label)}}}\\quad " if work.label else ""
        out.append(f"\\par\\medskip\\noindent {head}$\\displaystyle {work.symbol[0]}$"
                   + (f"\\quad {escape_tex(work.text)}" if work.text else ""))
        if work.note:
            out.append(f"\\par\\noindent {work.note[0]}.")
        rows = []
        for line in work.lines:
            if isinstance(line, m.MatrixLine):
                lhs = form_latex(line.lhs, names, digits)
                room = text_width(settings) - measure(lhs) - 2.0
                forms = [_form(f, names, digits, room) for f in line.forms]
                relation = "="
            else:
                p = printed(line, sheet.form, names, digits, "latex")
                lhs, forms, relation = p.lhs, list(p.rhs), p.relation
            rows += [f"  {lhs if i == 0 else ''} &{relation} {form}" for i, form in enumerate(forms)]
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    if sheet.answers:
        cells = [_value(row.value, names, digits, text_width(settings) * 0.7) for row in sheet.answers]
        body = "\n".join(f"{escape_tex(row.label or '')} & $\\displaystyle {row.symbol[0]}$ & "
                          f"{cell or '(entry by entry below)'} \\\\"
                          for row, cell in zip(sheet.answers, cells))
        out.append("\\subsection*{Answers}\n\\begin{center}\n"
                   "{\\renewcommand{\\arraystretch}{1.5}\\begin{tabular}{@{}lcl@{}}\n\\toprule\n"
                   "Label & Quantity & Value \\\\\n\\midrule\n"
                   f"{body}\n\\bottomrule\n\\end{{tabular}}}}\n\\end{{center}}")
        out += [_entries(row, names, digits) for row, cell in zip(sheet.answers, cells) if not cell]
    return "\n".join(out) + "\n"


def _entries(row, names: dict, digits: int) -> str:
    """A value too wide for the table, entry by entry: (∂l/∂W²)₁,₂ = ..."""
    mat = answer_piece(row.value)
    single = len(mat.rows) == 1
    lines = [f"  \\left({row.symbol[0]}\\right)_{{{j + 1 if single else f'{i + 1},{j + 1}'}}} &= "
             f"{piece_latex(m.Scalar(e), names, digits)}"
             for i, r in enumerate(mat.rows) for j, e in enumerate(r)]
    head = f"\\textbf{{{escape_tex(row.label)}}}\\quad " if row.label else ""
    return (f"\\par\\noindent {head}$\\displaystyle {row.symbol[0]}$ entry by entry:\n"
            "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}")


def _form(form, names: dict, digits: int, room: float) -> str:
    """A right side of a line: a lone row vector too wide stands as a column, transposed;
    any other form too wide is scaled down to the room."""
    text = form_latex(form, names, digits)
    if measure(text) <= room:
        return text
    if len(form) == 1 and isinstance(form[0], m.Mat) and len(form[0].rows) == 1:
        text = piece_latex(standing(form[0]), names, digits) + "^{\\top}"
        if measure(text) <= room:
            return text
    return f"\\resizebox{{\\ifdim\\width>0.8\\linewidth 0.8\\linewidth\\else\\width\\fi}}{{!}}{{${text}$}}"


def _value(value, names: dict, digits: int, room: float) -> str | None:
    """A value's cell: a row vector too wide for the room stands as a column, transposed;
    a matrix still too wide is written entry by entry after the table (None), a
    scalar too wide is scaled down to the room."""
    piece = answer_piece(value)
    text = piece_latex(piece, names, digits)
    if measure(text) > room and isinstance(piece, m.Mat) and len(piece.rows) == 1:
        text = piece_latex(standing(piece), names, digits) + "^{\\top}"
    if measure(text) > room and isinstance(piece, m.Mat):
        return None
    if measure(text) > room:
        return (f"\\resizebox{{\\ifdim\\width>0.7\\linewidth 0.7\\linewidth\\else\\width\\fi}}{{!}}"
                f"{{${text}$}}")
    return f"${text}$"
