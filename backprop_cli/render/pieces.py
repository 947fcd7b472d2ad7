"""Matrix notation printed: a form (a row of pieces: named matrices, explicit matrices,
operators, scalar factors) as LaTeX, or as a Box of terminal lines, matrices in brackets."""

from __future__ import annotations

import sympy as sp

from ..sheet.model import Architecture, Mat, Named, Op, Scalar
from ..vocab import ACTIVATIONS
from . import boxes
from .printers import latex, unicode

_OPS_LATEX = {"+": "+", "−": "-", "⊙": "\\odot", ",": ",\\ ", "(": "\\left(", ")": "\\right)"}


def piece_latex(piece, names: dict, digits: int) -> str:
    if isinstance(piece, Named):
        if piece.transpose:
            return f"{{{piece.latex}}}^{{\\top}}" if "^" in piece.latex else f"{piece.latex}^{{\\top}}"
        return piece.latex
    if isinstance(piece, Mat):
        rows = [" & ".join(latex(sp.sympify(e), names=names, digits=digits, decimals=True) for e in row)
                for row in piece.rows]
        return "\\begin{bmatrix}" + " \\\\ ".join(rows) + "\\end{bmatrix}"
    if isinstance(piece, Op):
        return _OPS_LATEX.get(piece.text, piece.text)
    if isinstance(piece, Scalar):
        if piece.exact and piece.expr.is_Rational and piece.expr.p == 1:
            return f"\\tfrac{{1}}{{{piece.expr.q}}}"
        return latex(piece.expr, names=names, digits=digits, decimals=not piece.exact)
    raise TypeError(piece)


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


def form_text(pieces, names: dict, digits: int) -> str:
    return "\n".join(form_box(pieces, names, digits).lines)


# --- the layered form's network in words ------------------------------------------------------

def describe(block: Architecture, kind: str) -> str:
    """4 inputs → 3 ReLU → 1 identity, in the terminal (`kind` 'unicode') or LaTeX; sizes
    may be symbols: n0 inputs → n1 σ."""
    tex = kind == "latex"
    math = (lambda s: f"${s}$") if tex else str  # noqa: E731
    size = lambda n: str(n) if isinstance(n, int) else math(n)  # noqa: E731
    parts = [f"{size(block.inputs)} input{'s' * (block.inputs != 1)}"]
    for units, activation, alpha in block.layers:
        word = ACTIVATIONS[activation].word[0 if tex else 1]
        if ACTIVATIONS[activation].parameter is not None:  # its slope, α
            alpha_is = ("\\alpha" if tex else "α") + f" = {float(alpha):g}"
            word += f" ({math(alpha_is)})"
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
