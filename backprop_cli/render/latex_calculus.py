"""The calculus form's worksheet as the context of templates/calculus.tex.j2.

Only LaTeX this program produced is inserted raw; titles and notes go through the
template's `tex` escaping filter.
"""

from __future__ import annotations

from ..sheet import model as m
from .lines import room
from .measure import measure
from .tex import escape_tex, worked_lines
from ..settings import Settings
from .worked import printer

#: A gradient whose entries take at most this many characters is written as a row.
ROW = 60


class _Calculus:
    def __init__(self, sheet: m.Worksheet, settings: Settings):
        self.sheet, self.names, self.digits = sheet, sheet.names, settings.digits
        self.settings = settings
        self.latex = printer("calculus", "latex")
        self.unicode = printer("calculus", "unicode")

    def tex(self, expr, **settings) -> str:
        return self.latex(expr, names=self.names, digits=self.digits, **settings)

    def symbols(self, items, brackets: bool = False) -> str:
        text = ", ".join(self.latex(s, names=self.names) for s in items)
        return f"\\left({text}\\right)" if brackets and len(items) > 1 else text

    def matrix(self, rows, environment="bmatrix", **settings) -> str:
        body = " \\\\ ".join(" & ".join(self.tex(v, **settings) for v in row) for row in rows)
        return f"\\begin{{{environment}}} {body} \\end{{{environment}}}"

    def result(self, block: m.Result) -> str:
        numbers = block.numbers
        label = self.tex(block.label)
        if block.point:  # ∇f(1, 2): the point is its argument
            label += "(" + ", ".join(self.tex(n, decimals=True) for n in block.point) + ")"
        if block.gradient:
            row = block.matrix[0]
            if len(row) == 1:
                return f"{label} = {self.tex(row[0], decimals=numbers)}"
            short = sum(len(self.unicode(v, names=self.names, digits=self.digits, decimals=numbers)) + 2
                        for v in row)
            if short <= ROW:  # (1, x₁, x₂, x₁²) reads better on one line; long entries stack
                entries = ",\\; ".join(self.tex(v, decimals=numbers) for v in row)
                return f"{label} = \\left({entries}\\right)"
            return f"{label} = " + self.matrix([[v] for v in row], "pmatrix", decimals=numbers)
        return f"{label} = " + self.matrix(block.matrix, decimals=numbers)

    def product(self, block: m.ChainProduct) -> list[str]:
        """Rows of J = ∂F/∂u ∂u/∂w = [outer][inner] = [written product] = [result]."""
        factors = block.factors()  # two, or one more for each deeper stage
        general = "\\,".join(f"\\frac{{\\partial {self.symbols(upper, True)}}}"
                              f"{{\\partial {self.symbols(lower, True)}}}"
                              for upper, lower, _ in factors)
        return [
            f"{self.tex(block.label)} &= {general}",
            "&= " + " ".join(self.matrix(rows) for _, _, rows in factors),
        ] + (["&= " + self.matrix(block.product)]  # only where it sums products
             if not block.deeper and any(v.is_Add for row in block.product for v in row) else []) + [
            "&= " + self._result_of(block),
        ]

    def _result_of(self, block: m.ChainProduct) -> str:
        """The product's matrix; through deeper stages, where it is wider than the page, a
        pointer to its entries instead, each worked out (and broken over rows) above."""
        matrix = self.matrix(block.result)
        if not block.deeper:
            return matrix
        cells = [[measure(self.tex(v)) for v in row] for row in block.result]
        wide = sum(max(column) + 1.0 for column in zip(*cells))
        if wide <= room(self.settings, [self.tex(block.label)]):
            return matrix
        if block.gradient and len(block.result[0]) > 1:  # a row too wide stands up
            return self.matrix([[v] for v in block.result[0]]) + "^{\\top}"
        return "\\text{the matrix of the entries worked out by the chain rule above}"

    def section(self, section: m.Section) -> dict:
        out = {"title": section.title, "notes": [], "result": None, "product": None,
               "lines": worked_lines([b for b in section.blocks if isinstance(b, m.Worked)],
                                     self.sheet, self.settings)}
        for block in section.blocks:
            if isinstance(block, m.Note):
                out["notes"].append(block.latex or escape_tex(block.text))
            elif isinstance(block, m.Result):
                out["result"] = self.result(block)
            elif isinstance(block, m.ChainProduct):
                out["product"] = self.product(block)
                out["stages"] = bool(block.deeper)
        return out

    def context(self) -> dict:
        sheet = self.sheet
        ctx = {"given": worked_lines([b for b in sheet.given if isinstance(b, m.Worked)],
                                     sheet, self.settings, numbered=False),
               "softmax": [], "point": None, "update": False, "eta": None, "lr": None,
               "sections": [self.section(s) for s in sheet.sections],
               "result": "gradient" if any(isinstance(b, (m.Result, m.ChainProduct)) and b.gradient
                                           for s in sheet.sections for b in s.blocks) else "Jacobian"}
        for block in sheet.given:
            if isinstance(block, m.Softmax):
                ctx["softmax"].append(f"\\left({self.symbols(block.outputs)}\\right) = "
                                      f"\\operatorname{{softmax}}\\mathopen{{}}\\left({self.symbols(block.arguments)}\\right)")
            elif isinstance(block, m.Differentiate):
                # one $...$ each: TeX breaks a paragraph between them, never at a comma in math
                ctx["wrt"] = ", ".join(f"${self.latex(s, names=self.names)}$" for s in block.wrt)
                if block.point:
                    ctx["point"] = ", ".join(f"${self.latex(v, names=self.names)} = "
                                             f"{self.tex(n, decimals=True)}$" for v, n in block.point)
            elif isinstance(block, m.LearningRate):
                ctx["update"], ctx["eta"] = True, self.tex(block.symbol)
                ctx["lr"] = self.tex(block.lr, decimals=True) if block.lr.is_number else None
        return ctx


def context(sheet: m.Worksheet, settings: Settings) -> dict:
    return _Calculus(sheet, settings).context()
