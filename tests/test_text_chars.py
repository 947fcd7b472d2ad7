"""Text the user writes (issue 12): everything the answer key can show compiles, Greek and
the signs of formulas as math; an invisible character or one the document cannot show is
refused at read time, named by its Unicode name (the corpus in tests/bad/graph/ has the
refusals; here the documents are compiled)."""

from __future__ import annotations

import pytest

import backprop_cli as bp
from backprop_cli.render.tex import escape_tex
from backprop_cli.texchars import MATH, can_show

SPEC = {"inputs": ["x"], "params": {"w": 0.5}, "nodes": {"yhat": "w*x"},
        "data": [{"x": 1, "y": 1}], "loss": "squared_error"}
TITLE = "Le réseau σ₁ « η\u00a0» þ Łódź ∂L/∂w ≤ 1 — 5 €"


def test_greek_and_signs_are_set_as_math():
    assert escape_tex("σ₁ ≤ ∂") == ("\\ensuremath{\\sigma}\\ensuremath{_{1}} \\ensuremath{\\le} "
                                    "\\ensuremath{\\partial}")
    assert all(can_show(ch) for ch in MATH)


@pytest.mark.latex
def test_a_title_of_latin_greek_and_signs_compiles(tmp_path):
    from backprop_cli.render.pdf import build_pdf

    solution = bp.solve(dict(SPEC, title=TITLE, notes=TITLE))
    assert TITLE in solution.to_text()
    pdf = build_pdf(solution.to_latex())
    assert pdf.startswith(b"%PDF")
    fragment = solution.to_latex(fragment=True)
    document = ("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{lmodern}"
                "\\usepackage{amsmath,amssymb,booktabs,array}\\begin{document}\n"
                + fragment + "\n\\end{document}\n")
    assert build_pdf(document).startswith(b"%PDF")


@pytest.mark.parametrize("char, name", [("\u200b", "ZERO WIDTH SPACE"), ("\u00ad", "SOFT HYPHEN"),
                                        ("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("😀", "GRINNING FACE"),
                                        ("ж", "CYRILLIC SMALL LETTER ZHE")])
def test_what_cannot_be_shown_is_refused_by_name(char, name):
    with pytest.raises(bp.SpecError) as caught:
        bp.solve(dict(SPEC, title=f"a{char}b"))
    assert caught.value.field == "title" and name in caught.value.message


SYMBOL_PIECES = ["\\hat", "\\bar", "\\mathbf", "\\alpha", "\\text", "\\prime", "{", "}", "^", "_",
                 "w", "x", "1", "2", " ", "(", ")", ",", "'", "\\partial", "\\operatorname"]


@pytest.mark.latex
def test_every_accepted_symbol_compiles():
    """Random symbols: what check_symbol_latex accepts, set in one document, compiles (an
    accepted x_1_2 or \\hat alone stopped pdflatex, reported as a TeX log line)."""
    import random

    from backprop_cli.render.pdf import build_pdf
    from backprop_cli.spec.graph import check_symbol_latex

    def refuse(message):
        raise ValueError(message)

    rng = random.Random(12)
    accepted = set()
    while len(accepted) < 1000:
        latex = "".join(rng.choice(SYMBOL_PIECES) for _ in range(rng.randint(1, 8)))
        try:
            check_symbol_latex(latex, refuse)
        except ValueError:
            continue
        accepted.add(latex)
    body = "\n".join(f"${latex}$\\par" for latex in sorted(accepted))
    document = ("\\documentclass{article}\\usepackage{amsmath,amssymb}\\begin{document}\n"
                + body + "\n\\end{document}\n")
    assert build_pdf(document).startswith(b"%PDF")
