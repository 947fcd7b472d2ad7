"""Matrix notation printed: a form (a row of pieces: named matrices, explicit matrices,
operators, scalar factors) as LaTeX, or as a Box of terminal lines, matrices in brackets."""

from __future__ import annotations

import sympy as sp

from ..graph import derive_name
from ..sheet.model import Architecture, Mat, Named, Op, Scalar
from ..vocab import ACTIVATIONS
from . import boxes
from .printers import latex, tight_calls, unicode

_OPS_LATEX = {"+": "+", "−": "-", "⊙": "\\odot", ",": ",\\ ", "(": "\\left(", ")": "\\right)",
              "·": "\\cdot"}


def piece_latex(piece, names: dict, digits: int) -> str:
    if isinstance(piece, Named):
        text = tight_calls(piece.latex)
        if piece.transpose:
            return f"{{{text}}}^{{\\top}}" if "^" in text else f"{text}^{{\\top}}"
        return text
    if isinstance(piece, Mat):
        return matrix_latex(piece, names, digits)
    if isinstance(piece, Op):
        return _OPS_LATEX.get(piece.text, piece.text)
    if isinstance(piece, Scalar):
        if piece.exact and piece.expr.is_Rational and piece.expr.p == 1:
            return f"\\tfrac{{1}}{{{piece.expr.q}}}"
        return latex(piece.expr, names=names, digits=digits, decimals=not piece.exact)
    raise TypeError(piece)


def lone_symbol(piece):
    """The symbol a vector of one symbolic entry holds (a one-output target y), or None:
    written as itself, `target y`, not as the vector of it, y = [y]."""
    if isinstance(piece, Mat) and len(piece.rows) == 1 and len(piece.rows[0]) == 1:
        entry = piece.rows[0][0]
        if isinstance(entry, sp.Symbol):
            return entry
    return None


def matrix_latex(mat: Mat, names: dict, digits: int) -> str:
    """A matrix in brackets. A column of numbers is aligned on the decimal point (an
    array column pair r@{}l: 0.5021 over −0.042623), as numbers are set in a table; a
    column with a formula in it is centred, as bmatrix sets it. Plain LaTeX `array`, so
    that a fragment needs nothing beyond amsmath."""
    entries = [[sp.sympify(e) for e in row] for row in mat.rows]
    cells = [[latex(e, names=names, digits=digits, decimals=True) for e in row] for row in entries]
    numeric = [all(row[j].is_number for row in entries) for j in range(len(entries[0]))]
    if not any(numeric):
        return "\\begin{bmatrix}" + " \\\\ ".join(" & ".join(row) for row in cells) + "\\end{bmatrix}"
    spec = "".join("r@{}l" if n else "c" for n in numeric)
    rows = [" & ".join(_on_point(c) if numeric[j] else c for j, c in enumerate(row)) for row in cells]
    return f"\\left[\\begin{{array}}{{@{{}}{spec}@{{}}}}" + " \\\\ ".join(rows) + "\\end{array}\\right]"


def _on_point(number: str) -> str:
    """A printed number split at its decimal point, the two sides of an r@{}l pair."""
    whole, point, fraction = number.partition(".")
    return f"{whole} & {point}{fraction}"


def form_latex(pieces, names: dict, digits: int) -> str:
    return " ".join(piece_latex(p, names, digits) for p in pieces)


def piece_box(piece, names: dict, digits: int) -> boxes.Box:
    if isinstance(piece, Named):
        return boxes.text(piece.unicode + ("ᵀ" if piece.transpose else ""))
    if isinstance(piece, Mat):
        return boxes.matrix([[unicode(sp.sympify(e), names=names, digits=digits, decimals=True) for e in row]
                             for row in piece.rows])
    if isinstance(piece, Op):
        return boxes.text(piece.text)
    if isinstance(piece, Scalar):
        text = unicode(piece.expr, names=names, digits=digits, decimals=not piece.exact)
        return boxes.text(text if piece.expr.is_Atom and not piece.exact else f"({text})")
    raise TypeError(piece)


def form_box(pieces, names: dict, digits: int) -> boxes.Box:
    items, opened = [], False
    for p in pieces:
        box = piece_box(p, names, digits)
        if isinstance(p, Op) and p.text in (",", ")") and items:
            items[-1] = boxes.beside([items[-1], box])  # no space before a comma or ')'
            continue
        if opened:
            box = boxes.beside([items.pop(), box])  # nor after '('
        opened = isinstance(p, Op) and p.text == "("
        items.append(box)
    return boxes.beside(items, gap=" ")


def form_cuts(pieces, after_scalar: bool = True) -> list[list]:
    """A form as the groups of pieces it may be cut into: before a + − ⊙ outside
    brackets, and between two factors of a product (a group that continues a product
    starts with Op('·')); with `after_scalar` False, never between a scalar factor (η,
    1/m) and what it multiplies."""
    groups: list[list] = []
    depth, factor, scalar = 0, False, False
    for piece in pieces:
        is_op = isinstance(piece, Op)
        depth += is_op and piece.text == "("
        depth -= is_op and piece.text == ")"
        if groups and depth == 0 and is_op and piece.text in ("+", "−", "⊙"):
            groups.append([piece])
        elif groups and depth == 0 and factor and not is_op and (after_scalar or not scalar):
            groups.append([Op("·"), piece])
        elif groups:
            groups[-1].append(piece)
        else:
            groups.append([piece])
        factor = not is_op or piece.text == ")"
        scalar = isinstance(piece, Scalar)
    return groups


def standing(mat: Mat) -> Mat:
    """A row vector written as a column (shown transposed, when a row is too wide)."""
    return Mat(tuple((e,) for e in mat.rows[0]))


def answer_piece(value):
    """An answer's value as one piece: a Mat for a vector or matrix (a tensor's blocks
    side by side), else the value itself."""
    if not isinstance(value, (list, tuple)):
        return Scalar(value)
    if value and isinstance(value[0], (list, tuple)):
        if value[0] and isinstance(value[0][0], (list, tuple)):
            return Mat(tuple(tuple(x for row in block for x in row) for block in value))
        return Mat(tuple(tuple(r) for r in value))
    return Mat((tuple(value),))


def form_text(pieces, names: dict, digits: int) -> str:
    return "\n".join(form_box(pieces, names, digits).lines)


# --- the layered form's network in words ------------------------------------------------------

def describe(block: Architecture, kind: str) -> str:
    """4 inputs → 3 ReLU → 1 identity, in the terminal (`kind` 'unicode') or LaTeX; sizes
    may be symbols: n0 inputs → n1 σ."""
    tex = kind == "latex"
    if block.words:
        return (" $\\to$ " if tex else " → ").join(w[0 if tex else 1] for w in block.words)
    math = (lambda s: f"${s}$") if tex else str  # noqa: E731
    def size(n) -> str:  # a symbol as the diagram writes it: n₀, not n0
        if isinstance(n, int):
            return str(n)
        name = derive_name(n)
        return math(name.latex) if tex else name.unicode
    parts = [f"{size(block.inputs)} input{'s' * (block.inputs != 1)}"]
    for units, activation, alpha, *kind in block.layers:
        word = ACTIVATIONS[activation].word[0 if tex else 1]
        if ACTIVATIONS[activation].parameter is not None:  # its slope, α
            alpha_is = ("\\alpha" if tex else "α") + f" = {float(alpha):g}"
            word += f" ({math(alpha_is)})"
        if kind and kind[0]:  # a layer of another type than dense: "2 batch-norm ReLU"
            word = f"{kind[0]} {word}"
        parts.append(f"{size(units)} {word}")
    return (" $\\to$ " if tex else " → ").join(parts)


def convention(block: Architecture, kind: str) -> str:
    """How a layer is written: z = W a + b with column vectors, or z = a Wᵀ + b with rows."""
    tex = kind == "latex"
    bias = " + b" if block.biases else ""
    pre, post = block.letters
    rule = (f"{post} W^{{\\top}}" if tex else f"{post} Wᵀ") if block.convention == "row" else f"W {post}"
    rule = f"${pre} = {rule}{bias}$" if tex else f"{pre} = {rule}{bias}"
    vectors = "rows" if block.convention == "row" else "columns"
    return (f"{block.convention} convention: {rule}, vectors are {vectors}, and a batch has one "
            f"{vectors[:-1]} per sample")
