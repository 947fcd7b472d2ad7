"""A worked line set over as many rows as the page needs: `lhs = a = b = c` on one row
when it fits; else a row per '=', continued rows aligned under the first '='; a right
side wider than a row is cut before its top-level + and − (then before its products,
then its sums in brackets are opened up) and continued a quad to the right, the operator
first, as a mathematician breaks a long formula.

Widths are estimated (measure.py) against the width of the text the LaTeX will be set in:
the answer key's own page (`--paper`), or, for a `--fragment`, the narrowest page it is
likely to be \\input into (a plain article, 10 to 12 pt).
"""

from __future__ import annotations

import re

from .measure import measure, split_top, tokens

#: Text widths in em of the font: the answer key's pages (11 pt, 2.2 cm margins) and the
#: narrowest common host of a fragment (a plain 12 pt article: 390 pt at 12 pt).
PAGE = {"a4": 470 / 10.95, "letter": 490 / 10.95}
FRAGMENT = 390 / 12
SAFETY = 0.95  # the estimate errs by a few per cent either way on short formulas
EQUATION_NUMBER = 3.2  # "(12)" and the space before it
RELATION = 1.34  # "= " (or ←) with its spaces
INDENT = 1.0  # \quad, before a continued row's operator
#: Marks where a product may be cut: nothing on the row, a dot where a row is continued.
PRODUCT = "\u2062"


#: The first piece of a form cut over rows narrower than this share of a row is a stub
#: ('= x₂', then '· (…)' below): the form then starts a row of its own.
STUB = 0.2


def _joined(piece: str) -> str:
    return piece.replace(PRODUCT, "")


def text_width(settings) -> float:
    """The em a display line may use in the output these settings make."""
    if settings.fragment:
        return FRAGMENT * SAFETY
    return PAGE.get(getattr(settings, "paper", "a4"), PAGE["a4"]) * SAFETY


def room(settings, lefts, numbered: bool = True, beside: float = 0.0) -> float:
    """What is left of a row for the right sides in an align whose left sides are `lefts`
    (the widest sets the column), with an equation number and `beside` (a tag) to its right."""
    widest = max((measure(left) for left in lefts), default=0.0)
    return text_width(settings) - widest - (EQUATION_NUMBER if numbered else 0.0) - beside


def _pieces(part: str, room_em: float) -> list[str]:
    """`part` cut into pieces no wider than `room_em` where it can be: before its top-level
    + and −, then before its top-level products."""
    if measure(part) <= room_em:
        return [part]
    out = []
    for piece in split_top(part, ("+", "-")):
        if measure(piece) <= room_em:
            out.append(piece)
            continue
        for factor in split_top(_unfracted(piece), ("\\cdot",)):
            out.extend([factor] if measure(factor) <= room_em else _opened(factor, room_em))
    return out


def _unfracted(piece: str) -> str:
    """A fraction over a short denominator, too wide to stand on one row, written as its
    factor times its numerator: + \\frac{a (b + c)}{2} -> + \\frac{1}{2} \\cdot \\left(a (b + c)\\right),
    which may then be cut. Anything else is returned as it is."""
    toks = tokens(piece)
    lead = [t for t in toks[:2] if t in ("+", "-", " ")]
    rest = toks[len(lead):]
    if not rest or rest[0] not in ("\\frac", "\\dfrac"):
        return piece
    depth, args, start = 0, [], None
    for i, tok in enumerate(rest[1:], 1):
        if tok == "{":
            depth += 1
            if depth == 1:
                start = i
        elif tok == "}":
            depth -= 1
            if depth == 0:
                args.append("".join(rest[start + 1:i]))
                if len(args) == 2:
                    if "".join(rest[i + 1:]).strip() or measure(args[1]) > 3:
                        return piece  # more after the fraction, or a long denominator
                    numerator = args[0] if len(split_top(args[0], ("+", "-"))) == 1 \
                        else f"\\left({args[0]}\\right)"  # a sum keeps its brackets
                    return f"{''.join(lead)}\\frac{{1}}{{{args[1]}}} \\cdot {numerator}"
    return piece


def _opened(piece: str, room_em: float) -> list[str]:
    """A piece that is one bracket too wide, (a + b + c) or s·(a + b)·t, opened: its
    first top-level \\left( \\right) become \\bigl( \\bigr), which may stand on different
    rows, and the sum inside is cut (and cut again where still too wide)."""
    toks = tokens(piece)
    depth, start = 0, None
    for i, tok in enumerate(toks):
        if tok in ("{", "\\begin") or tok == "\\left":
            if tok == "\\left" and depth == 0 and toks[i + 1:i + 2] == ["("]:
                start = i
            depth += 1
        elif tok in ("}", "\\end") or tok == "\\right":
            depth -= 1
            if tok == "\\right" and depth == 0 and start is not None and toks[i + 1:i + 2] == [")"]:
                head, inner = "".join(toks[:start]), "".join(toks[start + 2:i])
                tail = "".join(toks[i + 2:])
                pieces = split_top(inner, ("+", "-"))
                if len(pieces) < 2:
                    return [piece]
                pieces[0] = f"{head}\\bigl({pieces[0]}"
                pieces[-1] = f"{pieces[-1]}\\bigr){tail}"
                return [p for chunk in pieces for p in
                        (_pieces(chunk, room_em) if measure(chunk) > room_em else [chunk])]
    return [piece]


def set_rows(relation: str, parts, room_em: float, extra: float = 0.0) -> list[str]:
    """The right sides of one line as rows: the first starts with `relation`, each later
    '=' with its own; a continued row with \\quad and the operator it was cut before.
    A part is a formula, or a tuple of the pieces it may be cut into (each after the
    first beginning with its operator). `extra`: the width of the left sides' column, which
    a continued row may reach into when nothing else makes it fit."""
    parts = [p if isinstance(p, str) else tuple(_joined(q) if i == 0 else q for i, q in enumerate(p))
             for p in parts]
    whole = f"{relation} " + " = ".join(p if isinstance(p, str) else _joined(" ".join(p)) for p in parts)
    if measure(whole) <= room_em:
        return [whole]
    rows: list[str] = []
    current, used = "", 0.0
    for i, part in enumerate(parts):
        lead = relation if i == 0 else "="
        pieces = list(part) if isinstance(part, tuple) else _pieces(part, room_em - RELATION - INDENT)
        term = None  # (where in `current` the last term after the first began, its width)
        for j, piece in enumerate(pieces):
            text = f"{lead} {piece}" if j == 0 else _joined(piece)
            width = measure(text) if j == 0 else measure(text) + 0.2
            # a form cut over rows starts a row of its own: '= x₂ ⏎ · (…)' reads as '= x₂'
            own_row = j == 0 and len(pieces) > 1 and measure(pieces[0]) < STUB * room_em
            if current and used + width <= room_em and not own_row:
                if j and piece[:1] in "+-":
                    term = (len(current) + 1, used)
                current += " " + text
                used += width
                continue
            if j and piece.startswith(PRODUCT) and term is not None and \
                    INDENT + used - term[1] + width <= room_em:
                # a product does not fit after its first factor: cut before its term
                # instead ('+ [δ₃] ⏎ · [h₂ᵀ]' splits a product the eye reads as one)
                rows.append(current[:term[0] - 1])
                current = f"\\quad {{}}{current[term[0]:]} {text}"
                used, term = INDENT + used - term[1] + width, None
                continue
            term = None
            if current:
                rows.append(current)
            if j == 0:
                current, used = text, width
            else:  # a continued row: a quad in, then the operator as a binary one
                piece = piece.replace(PRODUCT, "\\cdot ")
                current, used = f"\\quad {{}}{piece}", INDENT + measure(piece) + 0.2
    rows.append(current)
    return [_widened(row, room_em, extra) if k and measure(row) > room_em else row
            for k, row in enumerate(rows)]


def _widened(row: str, room_em: float, extra: float) -> str:
    """A continued row that is still too wide (a wide matrix): its matrices' columns set
    closer, and the row moved left into the empty column of the left sides if needed."""
    row = tightened(row)
    over = measure(row) - 0.6 * _gaps(row) - room_em
    if over <= 0:
        return row
    return f"\\hspace{{-{min(over, extra) + 0.2:.1f}em}}{row}"


def _gaps(formula: str) -> int:
    """How many column gaps the matrices of `formula` have along one row, in all (an
    array's columns joined by @{}, a number's two halves, have none between them)."""
    bmatrix = sum(max(row.count("&") for row in matrix.split("\\\\"))
                  for matrix in re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", formula))
    arrays = 0
    for spec in re.findall(r"\\begin\{array\}\{((?:[^{}]|\{\})*)\}", formula):
        parts = re.findall(r"[lcr]|@\{\}", spec)
        arrays += sum(1 for i, part in enumerate(parts[:-1]) if part != "@{}" and parts[i + 1] != "@{}")
    return bmatrix + arrays


def tightened(formula: str) -> str:
    """`formula` with the columns of its matrices set closer together (2 pt a side)."""
    if "arraycolsep" in formula:
        return formula
    return re.sub(r"(\\left\[\\begin\{array\}.*?\\end\{array\}\\right\]|"
                  r"\\begin\{bmatrix\}.*?\\end\{bmatrix\})", r"{\\setlength{\\arraycolsep}{2pt}\1}", formula)


def pack(items, room_em: float, gap: str = ",\\qquad") -> list[str]:
    """Short formulas side by side, `gap` between them, as many a row as fit in `room_em`:
    the rows of a gather (a list of parameters, of gradients), stacked when they are wide."""
    rows: list[str] = []
    used = 0.0
    for item in items:
        width = measure(item)
        if width > room_em:
            item = tightened(item)
            width -= 0.6 * _gaps(item)
        if width > room_em and " = " in item:  # the name on a row, its value on the next
            name, value = item.split(" = ", 1)
            rows += [f"{name} =", value]
            used = room_em
            continue
        if rows and used + measure(gap) + width <= room_em:
            rows[-1] += f" {gap}\n{item}"
            used += measure(gap) + width
        else:
            rows.append(item)
            used = width
    return rows


def split_text(text: str, level: int = 0) -> list[str]:
    """Terminal text cut before each ' + ' and ' − ' outside brackets (`level` 1: inside
    one pair of brackets; the printers put spaces around a binary sign, none after a sign
    that begins a number)."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "([{⎡⎢⎣" and 1 or 0
        depth -= ch in ")]}⎤⎥⎦" and 1 or 0
        if depth == level and ch in "+−" and text[i - 1:i] == " " and text[i + 1:i + 2] == " " \
                and text[:i].strip() and not text[:i].rstrip().endswith(("=", "←", "+", "−")):
            pieces.append(text[start:i].rstrip())
            start = i
    pieces.append(text[start:])
    return [p for p in pieces if p.strip()]
