"""The layered form's worksheet as the context of templates/network.tex.j2: the network,
its derivation in matrix notation, the passes in matrix and/or scalar form."""

from __future__ import annotations

from ..sheet import model as m
from .tex import penalty_sentence, section_dicts, title_tex, worked_lines
from .lines import PRODUCT, RELATION, pack, room, set_rows, text_width, tightened
from .measure import column_widths, measure
from .pieces import convention, describe, form_cuts, form_latex, lone_symbol, piece_latex
from .diagram import render_diagram
from .printers import latex
from ..settings import Settings

GENERAL = "The network in matrix form"
SCALAR = "Entry by entry (scalar view)"


class _Network:
    def __init__(self, sheet: m.Worksheet, settings: Settings):
        self.sheet, self.names, self.digits = sheet, sheet.names, settings.digits
        self.settings = settings

    def tex(self, pieces) -> str:
        return form_latex(pieces, self.names, self.digits)

    def cuts(self, pieces, space: float) -> tuple:
        """A form as the LaTeX of the pieces it may be cut into (pieces.form_cuts); a row
        vector too wide for a row is written as a column, transposed."""
        out = []
        for group in form_cuts(pieces, after_scalar=False):  # no "− 0.05 ⏎ · [..]"
            texts = []
            for piece in group:
                text = piece_latex(piece, self.names, self.digits)
                if isinstance(piece, m.Mat) and measure(text) > space:
                    text = self.narrower(piece, space)
                texts.append(text)
            text = " ".join(texts)
            # a product's factor: a dot only if a row is continued there (lines.PRODUCT)
            out.append(PRODUCT + text[len("\\cdot "):] if text.startswith("\\cdot ") else text)
        return tuple(out)

    def narrower(self, mat: m.Mat, space: float) -> str:
        """A matrix too wide for the row: its columns closer together, and if that is not
        enough and it has more columns than rows, written transposed (a row vector stands
        up as a column)."""
        columns = len(mat.rows[0])
        text = tightened(piece_latex(mat, self.names, self.digits))
        if measure(text) - 0.6 * (columns - 1) <= space or columns <= len(mat.rows):  # fits, or tall
            return text
        turned = m.Mat(tuple(zip(*mat.rows)))
        return tightened(piece_latex(turned, self.names, self.digits)) + "^{\\top}"

    def line(self, line: m.MatrixLine, space: float) -> dict:
        relation = "\\leftarrow" if line.relation == "←" else "="
        forms = [self.cuts(f, space - RELATION) for f in line.forms]
        return {"lhs": self.tex(line.lhs), "rows": set_rows(relation, forms, space),
                "note": line.note[0] if line.note else None}

    def lines(self, lines) -> list[dict]:
        """A block's lines, sharing one align: its widest left side sets the room of all,
        and a note under a line is a paragraph under it (macros.tex.j2)."""
        lefts = [self.tex(line.lhs) for line in lines if isinstance(line, m.MatrixLine)]
        worked = [line for line in lines if not isinstance(line, m.MatrixLine)]
        shown = worked_lines(worked, self.sheet, self.settings, lefts=tuple(lefts))
        space = room(self.settings, lefts + [w["lhs"] for w in shown])
        shown = iter(shown)
        return [self.line(line, space) if isinstance(line, m.MatrixLine) else next(shown)
                for line in lines]

    def item(self, item) -> dict:
        if isinstance(item, m.Table):
            return {"kind": "table", "title": title_tex(item.title), "header": list(item.header),
                    "rows": self.fitted([[f"${self.tex(c)}$" for c in row] for row in item.rows],
                                        item.overflow)}
        return {"kind": "block", "title": title_tex(item.title),
                "intro": item.intro[0] if item.intro else None, "lines": self.lines(item.lines)}

    def fitted(self, rows, overflow) -> list[list[str]]:
        """A table's cells; where the table would be wider than the text, the cells of its
        last column too wide for what is left say its `overflow` instead (the "Written out"
        product: the recursion for δ after the table writes it a factor at a time)."""
        if not rows or overflow is None:
            return rows
        widths = column_widths(rows)
        if sum(widths) <= text_width(self.settings):
            return rows
        left = 0.9 * (text_width(self.settings) - sum(widths[:-1]))  # nested brackets grow
        return [row[:-1] + [row[-1] if measure(row[-1].strip("$")) <= left else overflow[0]]
                for row in rows]

    def context(self) -> dict:
        sheet = self.sheet
        ctx = {"description": "", "convention": "", "network_kind": "dense", "loss_rule": None, "several": False,
               "reduction": "mean", "m": 0, "general": [], "blocks": [], "sections": [],
               "params": [], "samples": [], "gradients": [], "lr": None, "steps": 0, "penalty": None,
               "loss": None, "losses_after": [], "loss_places": [], "gradient_place": "", "view": "matrix",
               "diagram": render_diagram(sheet.diagram, self.names, self.digits),
               "loss_name": "L", "x_name": "\\mathbf{x}", "y_name": "\\mathbf{y}", "sample_loss": "\\ell", "eta": "\\eta"}
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
        ctx["sections"] = section_dicts(scalar, sheet, self.settings)
        for block in sheet.given + sheet.summary:
            getattr(self, f"_{type(block).__name__}")(block, ctx)
        return ctx

    def _Architecture(self, block, ctx):
        ctx["description"], ctx["convention"] = describe(block, "latex"), convention(block, "latex")
        if block.words:  # feature maps (sheet/conv.py): not a dense network
            ctx["kind_of_network"] = "A network"
        elif any(len(layer) >= 4 and layer[3] for layer in block.layers):
            # a layer of another type than dense (batch-norm, recurrent) carries its word
            ctx["kind_of_network"] = "A small network"

    def _LossRule(self, block, ctx):
        ctx["loss_rule"] = block.formula.latex
        ctx["loss_name"], ctx["sample_loss"] = block.loss.latex, block.sample_loss.latex
        ctx["several"], ctx["reduction"], ctx["m"] = block.samples > 1, block.reduction, block.samples

    def _Tensors(self, block, ctx):
        ctx["params"] = pack([f"{name.latex} = " + ("\\text{symbolic}" if mat is None else self.tex([mat]))
                              for name, mat in block.items], text_width(self.settings))

    def _Vectors(self, block, ctx):
        ctx["several"] = len(block.samples) > 1
        ctx["x_name"], ctx["y_name"] = block.names[0].latex, block.names[1].latex
        ctx["samples"] = [{"x": self.tex([x]), "y": self._target(y, ctx["y_name"]), "label": label}
                          for x, y, label in block.samples]

    def _target(self, y, name: str) -> str | None:
        """y = [...], or `target y` for one symbolic entry (not y = [y])."""
        if y is None:
            return None
        symbol = lone_symbol(y)
        if symbol is not None:
            return f"\\text{{target }} {latex(symbol, names=self.names)}"
        return f"{name} = {self.tex([y])}"

    def _Training(self, block, ctx):
        ctx["lr"], ctx["steps"] = latex(block.lr, names=self.names, decimals=True), block.steps
        if block.symbol is not None:
            ctx["eta"] = latex(block.symbol, names=self.names)
        ctx["method"] = block.method[:1].upper() + block.method[1:]
        ctx["batch"] = block.batch
        ctx["optimizer_settings"] = [latex(s, names=self.names) if v == s else
                                     f"{latex(s, names=self.names)} = {latex(v, names=self.names, decimals=True)}"
                                     for s, v in block.settings]
        ctx["penalty"] = penalty_sentence(block.penalty, lambda e, **kw: latex(e, names=self.names, **kw),
                                          self.settings)

    def _Gradients(self, block, ctx):
        ctx["gradient_place"] = block.place
        ctx["gradients"] = pack([f"\\frac{{\\partial {block.loss.latex}}}{{\\partial {name.latex}}} = {self.tex([mat])}"
                                 for name, mat in block.items], text_width(self.settings))

    def _Losses(self, block, ctx):
        ctx["loss"] = latex(block.value, digits=self.digits, decimals=True)
        ctx["losses_after"] = [(k, latex(v, digits=self.digits, decimals=True)) for k, v in block.after]
        ctx["loss_places"] = list(block.places)


def context(sheet: m.Worksheet, settings: Settings) -> dict:
    return _Network(sheet, settings).context()
