"""What the homework asks (ask:) in LaTeX, for every form alike: each asked derivative
worked (its local Jacobians multiplied, or the graph form's lines), then the Answers
table by label, which ends the key. document.tex.j2 puts it after the summary."""

from __future__ import annotations

from ..settings import Settings
from ..sheet import model as m
from .pieces import answer_piece, form_latex, piece_latex
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
                forms = [form_latex(f, names, digits) for f in line.forms]
                relation = "="
            else:
                p = printed(line, sheet.form, names, digits, "latex")
                lhs, forms, relation = p.lhs, list(p.rhs), p.relation
            rows += [f"  {lhs if i == 0 else ''} &{relation} {form}" for i, form in enumerate(forms)]
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    if sheet.answers:
        # a value wider than the page's room (a symbolic matrix) is scaled to fit it
        body = "\n".join(f"{escape_tex(row.label or '')} & $\\displaystyle {row.symbol[0]}$ & "
                          f"\\resizebox{{\\ifdim\\width>0.72\\linewidth 0.72\\linewidth\\else\\width\\fi}}{{!}}"
                          f"{{${piece_latex(answer_piece(row.value), names, digits)}$}} \\\\"
                          for row in sheet.answers)
        out.append("\\subsection*{Answers}\n\\begin{center}\n"
                   "{\\renewcommand{\\arraystretch}{1.5}\\begin{tabular}{@{}lcl@{}}\n\\toprule\n"
                   "Label & Quantity & Value \\\\\n\\midrule\n"
                   f"{body}\n\\bottomrule\n\\end{{tabular}}}}\n\\end{{center}}")
    return "\n".join(out) + "\n"
