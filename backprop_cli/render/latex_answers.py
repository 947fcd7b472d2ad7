"""What the homework asks (ask:) in LaTeX, for every form alike: each asked derivative
worked (its local Jacobians multiplied, or the graph form's lines), then the Answers
table by label, which ends the key. document.tex.j2 puts it after the summary."""

from __future__ import annotations

from ..settings import Settings
from ..sheet import model as m
from .lines import set_rows, text_width
from .measure import measure
from .pieces import answer_piece, form_latex, piece_latex, standing
from .tex import escape_tex, worked_lines


#: The share of the page's room a matrix line takes: an \\input fragment's host may set
#: 12pt type or narrower paper than the answer key's own.
SAFETY = 0.85


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
        worked = iter(worked_lines([w for w in work.lines if not isinstance(w, m.MatrixLine)],
                                   sheet, settings, numbered=False))
        for line in work.lines:
            if isinstance(line, m.MatrixLine):  # one row a form: its matrices are tall
                lhs = form_latex(line.lhs, names, digits)
                room = (text_width(settings) - measure(lhs) - 2.0) * SAFETY
                for i, form in enumerate(line.forms):
                    parts = _form(form, names, digits, room)
                    starts = ["= "] + ["\\quad "] * (len(parts) - 1)  # a cut form goes on indented
                    rows += [f"  {lhs if i == 0 and j == 0 else ''} &{start}{part}"
                             for j, (start, part) in enumerate(zip(starts, parts))]
            else:  # a worked line, its right sides over as few rows as the page allows
                shown = next(worked)
                rows += [f"  {shown['lhs'] if i == 0 else ''} &{row}" for i, row in enumerate(shown["rows"])]
        out.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    if sheet.answers:
        cells = [_value(row.value, names, digits, text_width(settings) * 0.6) for row in sheet.answers]
        # a strut in each row: a fraction in the quantity column never touches the next
        lines = [f"\\rule[-2.8ex]{{0pt}}{{7.2ex}}{escape_tex(row.label or '')} & "
                 f"$\\displaystyle {row.symbol[0]}$ & {cell or '(entry by entry below)'} \\\\"
                 for row, cell in zip(sheet.answers, cells)]
        out.append("\\subsection*{Answers}")
        for chunk in _chunks(lines, [_height(row.value) for row in sheet.answers]):
            # a tabular never breaks across pages: a long table is several, each on a page
            out.append("\\begin{center}\n{\\begin{tabular}{@{}lcl@{}}\n\\toprule\n"
                       "Label & Quantity & Value \\\\\n\\midrule\n"
                       + "\n\\addlinespace[3pt]\n".join(chunk) + "\n\\bottomrule\n\\end{tabular}}\n\\end{center}")
        out += [_entries(row, names, digits, settings) for row, cell in zip(sheet.answers, cells)
                if not cell]
    return "\n".join(out) + "\n"


def _entries(row, names: dict, digits: int, settings: Settings) -> str:
    """A value too wide for the table, entry by entry: (∂l/∂W²)₁,₂ = ..."""
    mat = answer_piece(row.value)
    if not isinstance(mat, m.Mat):  # one long formula: on a line of its own
        pairs = [(row.symbol[0], piece_latex(mat, names, digits))]
    else:
        single = len(mat.rows) == 1
        pairs = [(f"\\left({row.symbol[0]}\\right)_{{{j + 1 if single else f'{i + 1},{j + 1}'}}}",
                  piece_latex(m.Scalar(e), names, digits))
                 for i, r in enumerate(mat.rows) for j, e in enumerate(r)]
    lines = []
    for lhs, formula in pairs:  # each over as many rows as the page needs, cut before + or −
        rows = set_rows("=", [formula], (text_width(settings) - measure(lhs)) * SAFETY)
        lines.append(" \\\\*\n".join(f"  {lhs if k == 0 else ''} &{r}" for k, r in enumerate(rows)))
    head = f"\\textbf{{{escape_tex(row.label)}}}\\quad " if row.label else ""
    return (f"\\par\\noindent {head}$\\displaystyle {row.symbol[0]}$ entry by entry:\n"
            "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}")


def _form(form, names: dict, digits: int, room: float) -> list[str]:
    """A right side of a line over as many rows as it needs: a lone row vector too wide
    stands as a column, transposed; a product too wide is cut between its factors; a lone
    matrix too wide for any row is left to the Answers table, which writes it entry by
    entry. (No \\resizebox: a fragment's document may not load graphicx.)"""
    text = form_latex(form, names, digits)
    if measure(text) <= room:
        return [text]
    if len(form) == 1 and isinstance(form[0], m.Mat):
        if len(form[0].rows) == 1:
            turned = piece_latex(standing(form[0]), names, digits) + "^{\\top}"
            if measure(turned) <= room:
                return [turned]
        return ["\\text{(entry by entry in the Answers below)}"]
    rows, current = [], []
    for piece in form:
        candidate = current + [piece]
        if current and measure(form_latex(tuple(candidate), names, digits)) > room:
            rows.append(current)
            current = [piece]
        else:
            current = candidate
    rows.append(current)
    return [form_latex(tuple(row), names, digits) for row in rows]


def _value(value, names: dict, digits: int, room: float) -> str | None:
    """A value's cell: a row vector too wide for the room stands as a column, transposed;
    anything still too wide is written entry by entry after the table (None)."""
    piece = answer_piece(value)
    text = piece_latex(piece, names, digits)
    if measure(text) > room and isinstance(piece, m.Mat) and len(piece.rows) == 1:
        text = piece_latex(standing(piece), names, digits) + "^{\\top}"
    return None if measure(text) > room else f"${text}$"


def _height(value) -> int:
    """A row's height in lines of type: a matrix's rows, at least two (the strut)."""
    piece = answer_piece(value)
    return max(2, len(piece.rows) if isinstance(piece, m.Mat) else 1)


def _chunks(lines: list, heights: list, most: int = 24) -> list:
    """The table's rows in pieces of at most `most` lines of type (a page holds some 40)."""
    chunks, current, used = [], [], 0
    for line, height in zip(lines, heights):
        if current and used + height > most:
            chunks.append(current)
            current, used = [], 0
        current.append(line)
        used += height
    return chunks + [current] if current else chunks
