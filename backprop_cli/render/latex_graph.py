"""The graph form's LaTeX context (also the layered form's scalar view uses its sections)."""

from __future__ import annotations

from ..settings import Settings
from ..sheet import model as m
from .lines import room, set_rows, text_width
from .measure import column_widths
from .tex import penalty_sentence, section_dicts
from .diagram import render_diagram
from .worked import printer


def context(sheet: m.Worksheet, settings: Settings) -> dict:
    names, digits = sheet.names, settings.digits
    latex = printer("graph", "latex")
    tex = lambda e, **kw: latex(e, names=names, digits=digits, **kw)  # noqa: E731
    ctx = {"equations": [], "loss_definition": None, "reduction": "mean", "several": False,
           "params": [], "data": {"columns": [], "rows": []}, "lr": None, "eta": "\\eta", "steps": 0, "penalty": None,
           "sections": section_dicts(sheet.sections, sheet, settings), "gradients": [],
           "trained": False, "loss": None, "losses_after": [], "loss_places": [], "gradient_place": "", "loss_symbol": "",
           "diagram": render_diagram(sheet.diagram, names, digits)}
    for block in sheet.given + sheet.summary:
        if isinstance(block, m.Definitions):
            ctx["equations"] = [(tex(lhs), tex(rhs)) for lhs, rhs in block.equations]
            if block.loss is not None:
                ctx["loss_definition"] = (tex(block.loss[1]), tex(block.loss[2]))
            ctx["reduction"], ctx["several"] = block.reduction, block.several
        elif isinstance(block, m.Parameters):
            ctx["params"] = [(tex(p), tex(v, decimals=True) if v is not None else "\\text{symbolic}")
                             for p, v in block.values]
        elif isinstance(block, m.Samples):
            given = [dict(values) for _, values in block.samples]
            columns = [c for c in given[0] if any(g[c].is_number for g in given)]
            ctx["data"] = {"columns": [tex(c) for c in columns],
                           "rows": [[tex(g[c], decimals=True) for c in columns] for g in given]}
        elif isinstance(block, m.Training):
            ctx["lr"], ctx["steps"] = tex(block.lr, decimals=True), block.steps
            ctx["eta"] = tex(block.symbol) if block.symbol is not None else "\\eta"
            ctx["method"] = block.method[:1].upper() + block.method[1:]
            ctx["batch"] = block.batch
            ctx["optimizer_settings"] = [tex(s) if v == s else f"{tex(s)} = {tex(v, decimals=True)}"
                                         for s, v in block.settings]
            ctx["penalty"] = penalty_sentence(block.penalty, tex, settings)
        elif isinstance(block, m.GradientTable):
            ctx["gradients"] = [(tex(p), tex(v, decimals=True) if v.is_number else "\\text{symbolic}",
                                 tex(g, decimals=True)) for p, v, g in block.rows]
            ctx["trained"] = block.trained
            ctx["gradient_place"] = block.place
            ctx["loss_symbol"] = tex(block.loss)
        elif isinstance(block, m.Losses):
            ctx["loss"] = tex(block.value, decimals=True)
            ctx["losses_after"] = [(k, tex(v, decimals=True)) for k, v in block.after]
            ctx["loss_places"] = list(block.places)
            ctx["loss_symbol"] = tex(block.symbol)
    ctx["gradient_rows"] = _listed(ctx, settings)
    return ctx


def _listed(ctx: dict, settings: Settings) -> list[dict]:
    """The gradients as lines, ∂L/∂w = …, cut over rows, when the table of them would be
    wider than the text (symbolic gradients of several samples); else none."""
    if not ctx["gradients"]:
        return []
    if sum(column_widths(ctx["gradients"])) <= text_width(settings):
        return []
    lhs = [f"\\frac{{\\partial {ctx['loss_symbol']}}}{{\\partial {name}}}" for name, _, _ in ctx["gradients"]]
    space = room(settings, lhs, numbered=False)
    return [{"lhs": left, "rows": set_rows("=", [gradient], space)}
            for left, (_, _, gradient) in zip(lhs, ctx["gradients"])]
