"""The question sheet of a solved problem, as `backprop solve --questions` prints it."""

from __future__ import annotations

import json

from ..pipeline import render
from .asked import asked


class QuestionSheet:
    """A Solution's question sheet, rendered like the Solution (the command line's
    _deliver takes either): text or LaTeX, the asked quantities from its JSON."""

    def __init__(self, solution):
        self.solution = solution
        self.settings = solution.settings

    def asked(self) -> list:
        return asked(json.loads(self.solution.render("json")))

    def render(self, fmt: str) -> str:
        return render(self.solution._result, fmt, self.settings, questions=self.asked())
