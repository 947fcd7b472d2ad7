"""`backprop check`: mark a student's own numbers against a problem's solution.

    from backprop_cli.check import check_answers
    report = check_answers("problems/seed000_sparse_sigmoid.yaml", "answers.yaml")
    report.results[0].verdict       # 'correct', 'carried' or 'incorrect'

slots.py turns the Solution into the numbers a student can give, each with the formula
that makes it from earlier ones; answers.py reads the answers file; marking.py marks each
number (tolerance, carried errors, the common mistakes of mistakes.py); report.py prints
the result as text, JSON or Gradescope's results.json; results.py gathers
each answer's marks.
"""

from __future__ import annotations

from .answers import read_answers
from .marking import Tolerance
from .mistakes import MISTAKES
from .results import Report, Result, mark, title_of
from .slots import build

__all__ = ["check_answers", "mark", "title_of", "Report", "Result", "Tolerance", "MISTAKES"]


def check_answers(problem, answers, tolerance: Tolerance | None = None,
                  answers_name: str = "<answers>") -> Report:
    """Mark `answers` (a path, '-' or YAML/JSON text) against `problem` (what
    api.solve accepts, or a solved api.Solution)."""
    from ..api import Solution, read_source, solve

    solution = problem if isinstance(problem, Solution) else solve(problem)
    model = build(solution._result)
    name, text = read_source(answers)
    answers_name = answers_name if name == "<spec>" else name
    given = read_answers(answers_name, text, model)
    return mark(model, given, tolerance or Tolerance(), title_of(solution._result))


