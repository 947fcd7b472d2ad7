"""Solution -> Worksheet: every spec form's solution laid out as one model of a document
(model.py), which the renderers in render/ print. One builder per form; none computes."""

from __future__ import annotations

from .model import Worksheet


def build_sheet(solution, settings=None) -> Worksheet:
    """The worksheet of a solved problem of any form (`settings.view`: the layered form's
    matrix view, scalar view or both)."""
    kind = getattr(solution, "kind", "graph")
    if kind == "calculus":
        from .calculus import build_calculus_sheet

        return build_calculus_sheet(solution)
    if kind == "network":
        from .layered import build_network_sheet

        return build_network_sheet(solution, getattr(settings, "view", "matrix"))
    from .graph import build_graph_sheet

    return build_graph_sheet(solution)
