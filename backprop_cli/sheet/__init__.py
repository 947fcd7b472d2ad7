"""Solution -> Worksheet: every spec form's solution laid out as one model of a document
(model.py), which the renderers in render/ print. One builder per form; none computes."""

from __future__ import annotations

from .model import Worksheet


def build_sheet(solution, settings=None, matrix_lines: bool = True) -> Worksheet:
    """The worksheet of a solved problem of any form (`settings.view`: the layered form's
    matrix view, scalar view or both; `matrix_lines=False`: without the layered form's
    worked passes in matrix notation, for outputs that show only worked lines)."""
    import dataclasses

    from .answers import asked_blocks

    sheet = _form_sheet(solution, settings, matrix_lines)
    asked, answers = asked_blocks(solution)
    if asked or answers:  # what the homework asks, after the rest (ask:)
        sheet = dataclasses.replace(sheet, asked=asked, answers=answers)
    return sheet


def _form_sheet(solution, settings, matrix_lines: bool) -> Worksheet:
    kind = getattr(solution, "kind", "graph")
    if kind == "calculus":
        from .calculus import build_calculus_sheet

        return build_calculus_sheet(solution)
    if kind == "network":
        from .layered import build_network_sheet

        return build_network_sheet(solution, getattr(settings, "view", "matrix"), matrix_lines)
    from .graph import build_graph_sheet

    return build_graph_sheet(solution)
