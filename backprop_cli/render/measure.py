"""How wide a formula of ours will be once TeX sets it, without running TeX: widths in em
of the font, estimated from the LaTeX the printers write, and the places a formula may be
broken (its top-level + and −, then its top-level products).

The estimate is a little generous on purpose: a line judged to fit must fit. It knows the
commands our printers produce (fractions, scripts, \\left( \\right), bmatrix, \\text, the
Greek letters, operator names); tests/test_breaking.py compares it with TeX's own widths.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}^_&]|[^\\{}^_&]")

#: Widths in em (Computer Modern / Latin Modern math at any size), binary operators and
#: relations with the space TeX puts around them.
_CHARS = {"+": 1.22, "-": 1.22, "=": 1.34, "<": 1.34, ">": 1.34, "(": 0.39, ")": 0.39,
          "[": 0.28, "]": 0.28, ",": 0.45, ".": 0.28, ";": 0.45, ":": 0.6, "|": 0.28,
          "/": 0.5, "'": 0.3, "!": 0.28, " ": 0.0, "~": 0.33, "*": 0.5, "?": 0.5}
_WIDE_LETTERS = set("mwMW")
_COMMANDS = {
    "\\cdot": 0.72, "\\odot": 1.22, "\\times": 1.22, "\\pm": 1.22, "\\circ": 1.0,
    "\\leftarrow": 1.56, "\\to": 1.56, "\\rightarrow": 1.56, "\\mapsto": 1.56,
    "\\approx": 1.34, "\\neq": 1.34, "\\leq": 1.34, "\\geq": 1.34, "\\le": 1.34, "\\ge": 1.34,
    "\\in": 1.22, "\\mid": 0.84, "\\partial": 0.57, "\\nabla": 0.85, "\\ell": 0.42,
    "\\infty": 1.0, "\\top": 0.78, "\\prime": 0.3, "\\log": 1.5, "\\ln": 1.1, "\\exp": 1.55,
    "\\sin": 1.4, "\\cos": 1.5, "\\tanh": 2.0, "\\max": 1.75, "\\min": 1.6, "\\sum": 1.45,
    "\\prod": 1.3, "\\quad": 1.0, "\\qquad": 2.0, "\\,": 0.17, "\\;": 0.28, "\\:": 0.22,
    "\\!": -0.17, "\\ ": 0.33, "\\{": 0.5, "\\}": 0.5, "\\|": 0.5, "\\dots": 1.2,
    "\\ldots": 1.2, "\\cdots": 1.2, "\\vdots": 0.3, "\\ddots": 1.2, "\\sqrt": 0.85,
    "\\lbrace": 0.5, "\\rbrace": 0.5, "\\lvert": 0.28, "\\rvert": 0.28, "\\Delta": 0.85,
    "\\Sigma": 0.75, "\\Gamma": 0.65, "\\Theta": 0.8, "\\Lambda": 0.7, "\\Omega": 0.75,
    "\\Phi": 0.75, "\\Psi": 0.8, "\\Pi": 0.75, "\\wedge": 1.1, "\\vee": 1.1,
}
_ARGUMENT_ONLY = {"\\hat", "\\bar", "\\tilde", "\\vec", "\\dot", "\\ddot", "\\mathrm", "\\mathit",
                  "\\mathsf", "\\mathtt", "\\mathcal", "\\mathbb", "\\operatorname", "\\mathop",
                  "\\mathbin", "\\mathrel", "\\mathord", "\\ensuremath", "\\displaystyle",
                  "\\overline", "\\underline", "\\widehat", "\\widetilde", "\\mathopen",
                  "\\mathclose", "\\phantom"}
_BOLD = {"\\mathbf", "\\boldsymbol", "\\bm", "\\textbf"}
_TEXT = {"\\text", "\\textrm", "\\textnormal", "\\mbox", "\\textit"}
_SIZES = {"\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\bigr", "\\Bigl", "\\Bigr",
          "\\biggl", "\\biggr", "\\left", "\\right"}
_ENVIRONMENTS = {"bmatrix", "pmatrix", "matrix", "vmatrix", "Bmatrix", "array", "smallmatrix"}
GREEK = 0.6
UNKNOWN = 0.6


def tokens(latex: str) -> list[str]:
    return _TOKEN.findall(latex)


class _Reader:
    """One pass over the tokens, measuring as it goes."""

    def __init__(self, toks: list[str]):
        self.toks, self.i = toks, 0

    def more(self) -> bool:
        return self.i < len(self.toks)

    def take(self) -> str:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def argument(self) -> list[str]:
        """The next argument's tokens: a {group} or one token."""
        while self.more() and self.toks[self.i] == " ":
            self.i += 1
        if not self.more():
            return []
        tok = self.take()
        if tok != "{":
            return [tok]
        depth, start = 1, self.i
        while self.more():
            t = self.take()
            depth += (t == "{") - (t == "}")
            if depth == 0:
                return self.toks[start:self.i - 1]
        return self.toks[start:]

    def environment(self, name: str) -> float:
        """A matrix: its columns' widths, the space between them and its brackets (an
        array's columns as its preamble says: none between two joined by @{}, as a number's
        integer and decimal parts are)."""
        glue = None  # the space after each column, in em; None: 1 em after every one
        if name == "array":
            glue = []
            for part in re.findall(r"[lcr]|@\{\}", "".join(self.argument())):
                if part != "@{}":
                    glue.append(1.0)
                elif glue:
                    glue[-1] = 0.0
        rows, row, cell, depth = [], [], [], 0
        while self.more():
            t = self.take()
            if t == "\\begin":
                depth += 1
            if t == "\\end":
                if depth == 0:
                    self.argument()
                    break
                depth -= 1
            if depth == 0 and t == "&":
                row.append(cell)
                cell = []
            elif depth == 0 and t == "\\\\":
                rows.append(row + [cell])
                row, cell = [], []
            else:
                cell.append(t)
        if cell or row:
            rows.append(row + [cell])
        columns = max((len(r) for r in rows), default=0)
        widths = [max((measure_tokens(r[j]) for r in rows if j < len(r)), default=0.0)
                  for j in range(columns)]
        small = 0.7 if name == "smallmatrix" else 1.0
        brackets = 0.0 if name in ("matrix", "array", "smallmatrix") else 0.9
        gaps = sum(glue[:columns - 1]) if glue is not None else max(columns - 1, 0)
        return small * sum(widths) + gaps + brackets + 0.2


def measure_tokens(toks: list[str]) -> float:
    reader, total, script = _Reader(toks), 0.0, None
    while reader.more():
        tok = reader.take()
        width, is_script = 0.0, False
        if tok in ("^", "_"):
            inner = 0.72 * measure_tokens(reader.argument())
            is_script = True
            if script is not None:  # x_1^2: the scripts are stacked
                width = max(0.0, inner - script)
                inner = max(inner, script)
            else:
                width = inner
            script = inner
        elif tok == "{":
            reader.i -= 1
            width = measure_tokens(reader.argument())
        elif tok in ("\\frac", "\\dfrac", "\\tfrac", "\\binom"):
            top, bottom = measure_tokens(reader.argument()), measure_tokens(reader.argument())
            width = (0.72 if tok == "\\tfrac" else 1.0) * max(top, bottom) + 0.35
        elif tok == "\\sqrt":
            width = measure_tokens(reader.argument()) + 0.85
        elif tok in _SIZES:
            delimiter = reader.argument()
            width = 0.0 if delimiter == ["."] else 0.45
        elif tok in _ARGUMENT_ONLY:
            width = measure_tokens(reader.argument())
        elif tok in _BOLD:
            width = 1.12 * measure_tokens(reader.argument())
        elif tok in _TEXT:
            width = 0.5 * sum(len(t) for t in reader.argument() if t not in "{}")
        elif tok == "\\begin":
            name = "".join(reader.argument())
            width = reader.environment(name) if name in _ENVIRONMENTS else 0.0
        elif tok == "\\end":
            reader.argument()
        elif tok in _COMMANDS:
            width = _COMMANDS[tok]
        elif tok.startswith("\\") and tok[1:].isalpha():
            width = GREEK if len(tok) > 2 else UNKNOWN
        elif tok in _CHARS:
            width = _CHARS[tok]
        elif tok.isdigit():
            width = 0.5
        elif tok.isalpha():
            width = (1.0 if tok.isupper() else 0.85) if tok in _WIDE_LETTERS else \
                0.8 if tok.isupper() else 0.55
        else:
            width = UNKNOWN
        total += width
        if not is_script:
            script = None
    return total


def measure(latex: str) -> float:
    """The width in em of `latex` set as display math."""
    return measure_tokens(tokens(latex))


def column_widths(rows) -> list[float]:
    """The widths in em of a table's columns of formulas (cells in $...$ or bare), each
    with the 2 em of space between columns."""
    return [max(measure(cell.strip("$")) for cell in column) + 2.0 for column in zip(*rows)]


# --- where a formula may break ---------------------------------------------------------------

def split_top(latex: str, operators: tuple[str, ...]) -> list[str]:
    """`latex` cut before each of its top-level `operators` (outside braces and \\left ...
    \\right): 'a + \\left(b + c\\right) - d' -> ['a', '+ \\left(b + c\\right)', '- d'].
    A sign that opens the formula, or follows another operator, is not a place to cut."""
    toks, pieces, current, depth = tokens(latex), [], [], 0
    last = ""  # the last token that is not a space
    for tok in toks:
        if tok in ("{", "\\left", "\\begin"):
            depth += 1
        elif tok in ("}", "\\right", "\\end"):
            depth -= 1
        binary = last not in ("", "=", "+", "-", "(", "[", ",", "\\cdot", "&", "{", "\\left")
        if depth == 0 and tok in operators and binary and "".join(current).strip():
            pieces.append("".join(current).strip())
            current = []
        current.append(tok)
        if tok != " ":
            last = tok
    pieces.append("".join(current).strip())
    return [p for p in pieces if p]
