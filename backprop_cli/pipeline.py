"""The pipeline in one place: spec text -> Problem -> Graph -> Solution -> output text."""

from __future__ import annotations

import sys
from pathlib import Path

from .bounds import long_integers
from .engine import solve
from .errors import BackpropError, SpecError
from .graph import build_graph
from .spec import Reader
from .yamlload import MAX_BYTES, load_yaml


def read_spec(path: str) -> tuple[str, bytes]:
    """(name for messages, raw bytes) of a spec file, or of standard input for '-'."""
    if path == "-":
        if sys.stdin is None:
            raise SpecError("standard input is closed; give the problem's file instead of -")
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        return "<stdin>", data
    file = Path(path)
    if not file.exists():
        raise SpecError(f"no such file: {path}")
    if not file.is_file():  # a folder, or a device like /dev/zero that never ends
        raise SpecError(f"{path} is not a regular file; give the problem's YAML file")
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    return path, data


def solve_text(text: str | bytes, source: str = "<spec>"):
    """Load, build and solve; every input error names `source`."""
    try:
        doc = load_yaml(text)
        problem = Reader(doc, source).problem()
        with long_integers():  # after reading: the spec's own text keeps Python's guard
            return solve_problem(problem)
    except BackpropError as exc:
        raise exc.located(source) from None


def solve_problem(problem):
    """A read problem of any form, built and solved by its form's stages, with the answers
    to what it asks for (answers.py) kept beside it; without `ask:` the default answers
    are made when a program asks for them (answers.answers_of)."""
    import dataclasses

    from .answers import answer

    result = _solve_problem(problem)
    asked = getattr(problem, "ask", None)
    return result if asked is None else dataclasses.replace(result, answers=answer(result, asked))


def _solve_problem(problem):
    kind = getattr(problem, "kind", "graph")
    if kind == "calculus":
        from .calculus.engine import solve_calculus

        return solve_calculus(problem)
    if kind == "network":
        from .layered.solve import solve_network

        return solve_network(problem)
    solution = solve(build_graph(problem))
    if solution.graph.samples_symbol is not None:  # samples: m, written in Σᵢ
        from dataclasses import replace

        from .sums import graph_sums

        solution = replace(solution, sums=graph_sums(solution))
    return solution


def render(solution, fmt: str, settings, questions: list | None = None) -> str:
    """Text for `fmt` (text, json, latex; markdown and mathjax for a notebook): the
    solution's worksheet, given to the renderer of that output. A new output is one
    module in render/ and one branch here. `questions` (kit/asked.py's list): the
    question sheet of those quantities instead of the answer key."""
    with long_integers():
        return _render(solution, fmt, settings, questions)


def _render(solution, fmt: str, settings, questions=None) -> str:
    from .sheet import build_sheet

    sheet = build_sheet(solution, settings, matrix_lines=fmt in ("text", "latex"))
    if questions is not None:
        from .sheet.questions import question_sheet

        sheet = question_sheet(sheet, questions)
    if fmt in ("markdown", "mathjax"):
        from .render.notebook import render_markdown, render_math

        return (render_markdown if fmt == "markdown" else render_math)(sheet, settings)
    if fmt == "json":
        from .render.json import render_json

        return render_json(sheet, settings)
    if fmt == "latex":
        from .render.latex import render_latex

        return render_latex(sheet, settings)
    from .render.text import render_text

    return render_text(sheet, settings)
