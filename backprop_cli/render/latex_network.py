"""The layered form's worksheet as the context of templates/network.tex.j2: the network,
its derivation in matrix notation, the passes in matrix and/or scalar form."""

from __future__ import annotations

from ..sheet import model as m
from .tex import section_dicts, title_tex, worked_lines
from .pieces import convention, describe, form_box, form_latex
from .printers import latex
from ..settings import Settings

ONE_LINE = 90  # columns of the terminal picture above which a LaTeX line is split at its '='
GENERAL = "The network in matrix form"
SCALAR = "Entry by entry (scalar view)"


class _Network:
    def __init__(self, sheet: m.Worksheet, settings: Settings):
        self.sheet, self.names, self.digits = sheet, sheet.names, settings.digits

    def tex(self, pieces) -> str:
        return form_latex(pieces, self.names, self.digits)

    def line(self, line: m.MatrixLine) -> dict:
        wide = sum(form_box(f, self.names, self.digits).width + 3 for f in line.forms)
        return {"lhs": self.tex(line.lhs), "relation": "\\leftarrow" if line.relation == "←" else "=",
                "rhs": [self.tex(f) for f in line.forms], "one_line": wide <= ONE_LINE,
                "note": line.note[0] if line.note else None}

    def lines(self, lines) -> list[dict]:
        return [self.line(line) if isinstance(line, m.MatrixLine)
                else worked_lines([line], self.sheet, self.digits, ONE_LINE)[0] for line in lines]

    def item(self, item) -> dict:
        if isinstance(item, m.Table):
            return {"kind": "table", "title": title_tex(item.title), "header": list(item.header),
                    "rows": [[self.tex(c) for c in row] for row in item.rows]}
        return {"kind": "block", "title": title_tex(item.title),
                "intro": item.intro[0] if item.intro else None, "lines": self.lines(item.lines)}

    def context(self) -> dict:
        sheet = self.sheet
        ctx = {"description": "", "convention": "", "loss_rule": None, "several": False,
               "reduction": "mean", "m": 0, "general": [], "blocks": [], "sections": [],
               "params": [], "samples": [], "gradients": [], "lr": None, "steps": 0,
               "loss": None, "losses_after": [], "view": "matrix"}
        scalar = []
        for section in sheet.sections:
            if section.title == GENERAL and section.level == 0:
                ctx["general"] = [self.item(i) for i in section.blocks]
            elif section.title == SCALAR and section.level == 0:
                ctx["view"] = "both"
            elif section.matrix:
                ctx["blocks"].append({"kind": "block", "title": title_tex(section.title), "intro": None,
                                      "lines": self.lines(section.blocks)})
            else:
                scalar.append(section)
        ctx["sections"] = section_dicts(scalar, sheet, self.digits)
        for block in sheet.given + sheet.summary:
            getattr(self, f"_{type(block).__name__}")(block, ctx)
        return ctx

    def _Architecture(self, block, ctx):
        ctx["description"], ctx["convention"] = describe(block, "latex"), convention(block, "latex")

    def _LossRule(self, block, ctx):
        ctx["loss_rule"] = block.formula.latex
        ctx["several"], ctx["reduction"], ctx["m"] = block.samples > 1, block.reduction, block.samples

    def _Tensors(self, block, ctx):
        ctx["params"] = [(name.latex, "\\text{symbolic}" if mat is None else self.tex([mat]))
                         for name, mat in block.items]

    def _Vectors(self, block, ctx):
        ctx["several"] = len(block.samples) > 1
        ctx["samples"] = [{"x": self.tex([x]), "y": self.tex([y]) if y is not None else None,
                           "label": label} for x, y, label in block.samples]

    def _Training(self, block, ctx):
        ctx["lr"], ctx["steps"] = latex(block.lr, names=self.names, decimals=True), block.steps
        ctx["method"] = block.method[:1].upper() + block.method[1:]
        ctx["batch"] = block.batch
        ctx["optimizer_settings"] = [f"{latex(s, names=self.names)} = "
                                     f"{latex(v, names=self.names, decimals=True)}" for s, v in block.settings]

    def _Gradients(self, block, ctx):
        ctx["gradients"] = [(f"\\frac{{\\partial L}}{{\\partial {name.latex}}}", self.tex([mat]))
                            for name, mat in block.items]

    def _Losses(self, block, ctx):
        ctx["loss"] = latex(block.value, digits=self.digits, decimals=True)
        ctx["losses_after"] = [(k, latex(v, digits=self.digits, decimals=True)) for k, v in block.after]


def context(sheet: m.Worksheet, settings: Settings) -> dict:
    return _Network(sheet, settings).context()
