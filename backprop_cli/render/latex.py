"""A Worksheet as a LaTeX document (or a fragment to \\input), through Jinja templates:
the form's template (graph, network, calculus .tex.j2) extends document.tex.j2, with the
context its module makes (latex_graph.py, latex_network.py, latex_calculus.py) and what
every form shares (tex.py).
"""

from __future__ import annotations

from ..settings import Settings
from ..sheet import model as m
from . import latex_calculus, latex_graph, latex_network
from .latex_answers import asked_latex
from .tex import base_context, environment

_CONTEXTS = {"graph": latex_graph.context, "network": latex_network.context,
             "calculus": latex_calculus.context}


def render_latex(sheet: m.Worksheet, settings: Settings) -> str:
    """The worksheet through its form's template (which extends document.tex.j2)."""
    template = environment().get_template(f"{sheet.form}.tex.j2")
    return template.render(fragment=settings.fragment, paper=settings.paper, **base_context(sheet),
                           **_CONTEXTS[sheet.form](sheet, settings),
                           asked=asked_latex(sheet, settings))
