"""Booklets: every variant's question sheet in one LaTeX document, every key in another,
each compiled with one TeX run (not one per variant), a new page for each variant.

Each variant's part is the body `backprop solve --latex --fragment` writes (and
`--questions` for the question sheet), rendered where its solution is in hand (the
worker that drew it); the preamble is the answer key's own.
"""

from __future__ import annotations

import json

from ..api import make_settings
from ..pipeline import render, solve_text
from ..render.tex import escape_tex
from .asked import asked


def bodies(result, solution_json: str, paper: str = "a4") -> tuple[str, str]:
    """(question sheet, key) of a solved variant as LaTeX bodies."""
    settings = make_settings(fragment=True, paper=paper)
    questions = render(result, "latex", settings, questions=asked(json.loads(solution_json)))
    return questions, render(result, "latex", settings)


def documents(made: list, paper: str = "a4") -> tuple[str, str]:
    """(question booklet, key booklet): one LaTeX document each, a page per variant."""
    first = made[0]
    whole = render(solve_text(first.spec, "<variant>"), "latex", make_settings(paper=paper))
    preamble = whole[:whole.index("\\begin{document}")]
    title = json.loads(first.solution).get("title") or ""
    count = len(made)

    def booklet(kind: str, part) -> str:
        pages = []
        for v in made:
            head = f"Variant {v.slot + 1} of {count}"
            name = r"\hfill Name: \underline{\makebox[6cm]{}}" if kind == "Questions" else ""
            pages.append(f"\\setcounter{{page}}{{1}}\n"
                         f"\\begin{{center}}{{\\Large\\bfseries {escape_tex(title)}}}\\\\[2pt]\n"
                         f"{{\\small {kind}, {head}}}\\end{{center}}\n{name}\n\n{part(v)}")
        return preamble + "\\begin{document}\n" + "\n\\newpage\n".join(pages) + "\\end{document}\n"

    return booklet("Questions", lambda v: v.questions_tex), booklet("Answer key", lambda v: v.key_tex)


def booklet_files(made: list, paper: str = "a4", pdf: bool = True) -> list[tuple[str, bytes]]:
    """(file name, bytes): questions.tex and key.tex, and with `pdf` their PDFs."""
    questions, key = documents(made, paper)
    out = []
    for name, text in (("questions", questions), ("key", key)):
        out.append((f"{name}.tex", text.encode("utf-8")))
        if pdf:
            from ..render.pdf import build_pdf

            out.append((f"{name}.pdf", build_pdf(text, reproducible=True)))
    return out
