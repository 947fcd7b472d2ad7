"""A calculus solution as terminal text, JSON or LaTeX. Renderers never compute.

render_calculus(solution, fmt, settings) is what pipeline.render calls for this form.
"""

from __future__ import annotations

import json

import click
import sympy as sp

from ..functions import to_elementary
from ..render.layout import Settings, pad, width
from .solution import CalculusSolution
from .layout import Printed, expression, given_point, printed, sections, symbols
from .softmax import to_exp

FORMAT_VERSION = 1


def render_calculus(solution: CalculusSolution, fmt: str, settings: Settings) -> str:
    if fmt == "json":
        return render_json(solution, settings)
    if fmt == "latex":
        from .latex import render_latex

        return render_latex(solution, settings)
    return render_text(solution, settings)


# -- terminal ---------------------------------------------------------------------------------

def render_text(solution: CalculusSolution, settings: Settings) -> str:
    names, digits = solution.names, settings.digits
    style = _Style(settings.color)
    title = solution.title or "Worked solution"
    out = [style.bold(title), style.bold("=" * width(title))]
    if solution.notes:
        out.append(solution.notes)
    out += [style.warn(f"warning: {w}") for w in solution.warnings]

    out += ["", style.heading("Given"), ""]
    given = [printed(line, names, digits, "unicode") for line in solution.defines + solution.functions]
    out += _aligned(given, settings.width, style)
    for outputs, arguments in solution.softmax:
        out.append(f"  ({symbols(outputs, names, 'unicode')}) = softmax({symbols(arguments, names, 'unicode')})")
    sentence = f"  Differentiate with respect to {symbols(solution.wrt, names, 'unicode')}"
    if solution.point is not None:
        sentence += f", at {given_point(solution, digits, 'unicode')}"
    out.append(sentence + ".")
    if solution.update is not None:
        lr, eta = solution.update.lr, names[solution.update.symbol].unicode
        out.append(f"  Learning rate {eta} = {expression(lr, names, digits, 'unicode', decimals=True)}."
                   if lr.is_number else f"  Learning rate {eta} (a symbol).")

    for section in sections(solution):
        out += ["", style.heading(section.title), ""]
        if section.what == "result":
            if solution.chain is not None:
                out += _chain_product(solution, settings)
            else:
                out += _result(solution, solution.jacobian, settings, style)
            continue
        out += _aligned([printed(line, names, digits, "unicode") for line in section.lines],
                        settings.width, style)
        if section.zeros:
            out.append("  The other partial derivatives are 0: those formulas do not contain the variable.")
        if section.what == "point":
            out += [""] + _result(solution, solution.point.matrix, settings, style, numbers=True)
    return "\n".join(out) + "\n"


def _aligned(lines: list[Printed], limit: int, style) -> list[str]:
    """`lhs = a = b`, the left sides aligned, long lines broken before an '=', each rule in a
    column to the right (or on its own line when there is no room)."""
    if not lines:
        return []
    lhs_width = max(width(p.lhs) for p in lines)
    rows = []
    for p in lines:
        rows.append((_wrap(p, lhs_width, limit, style), p.rule))
    column = max(width(r[0][-1]) for r in rows) + 3
    out = []
    for wrapped, rule in rows:
        out.extend(wrapped[:-1])
        last = wrapped[-1]
        if not rule:
            out.append(last)
        elif column + width(rule) <= limit:
            out.append(pad(last, column) + style.dim(rule))
        else:
            out += [last, " " * (lhs_width + 5) + style.dim(f"({rule})")]
    return out


def _wrap(p: Printed, lhs_width: int, limit: int, style) -> list[str]:
    head = f"  {pad(p.lhs, lhs_width)} {p.relation} "
    indent = " " * (width(head) - 2)
    rows, current = [], head
    for i, part in enumerate(p.rhs):
        text = style.bold(part) if i == len(p.rhs) - 1 and len(p.rhs) > 1 else part
        if i == 0:
            current += text
        elif width(current) + 3 + width(part) > limit:
            rows.append(current)
            current = f"{indent}= {text}"
        else:
            current += f" = {text}"
    rows.append(current)
    return rows


def _result(solution, matrix, settings, style, numbers=False) -> list[str]:
    """∇f = (8x + 12y, 12x + 18y), or J_F as a matrix."""
    names, digits = solution.names, settings.digits
    cells = [[expression(v, names, digits, "unicode", decimals=numbers) for v in row] for row in matrix]
    label = expression(solution.label, names, digits, "unicode")
    if numbers and solution.variables == solution.wrt:  # ∇f(1, 2): the point is its argument
        label += f"({', '.join(expression(n, names, digits, 'unicode', decimals=True) for _, n in solution.point.values)})"
    if solution.gradient:
        if len(cells[0]) == 1:
            return [f"  {label} = {style.bold(cells[0][0])}"]
        line = f"  {label} = ({', '.join(cells[0])})"
        if width(line) <= settings.width:
            return [line]
        return _beside([f"  {label} = "], _matrix([[c] for c in cells[0]]))
    return _beside([f"  {label} = "], _matrix(cells))


def _chain_product(solution, settings) -> list[str]:
    """J = ∂(f₁, f₂)/∂(x, y) · ∂(x, y)/∂t = [..] · [..] = [..], matrices side by side."""
    names, digits = solution.names, settings.digits
    chain = solution.chain
    cell = lambda m: [[expression(v, names, digits, "unicode") for v in row] for row in m]  # noqa: E731
    outer = (f"∂{symbols(solution.components, names, 'unicode', True)}"
             f"/∂{symbols(chain.inner, names, 'unicode', True)}")
    inner = f"∂{symbols(chain.inner, names, 'unicode', True)}/∂{symbols(solution.wrt, names, 'unicode', True)}"
    label = expression(solution.label, names, digits, "unicode")
    blocks = [[f"  {label} = {outer} · {inner} = "], _matrix(cell(chain.outer_matrix)), [" · "],
              _matrix(cell(chain.inner_matrix)), [" = "], _matrix(cell(solution.jacobian))]
    lines = _beside(*blocks)
    if max(width(line) for line in lines) <= settings.width:
        return lines
    indent = " " * (width(label) + 3)  # one factor a line, under the '='
    return ([f"  {label} = {outer} · {inner}"]
            + _beside([f"{indent}= "], _matrix(cell(chain.outer_matrix)))
            + _beside([f"{indent}  · "], _matrix(cell(chain.inner_matrix)))
            + _beside([f"{indent}= "], _matrix(cell(solution.jacobian))))


def _matrix(cells: list[list[str]]) -> list[str]:
    """Rows of cells in brackets, columns aligned: ⎡a  b⎤ / ⎣c  d⎦, or [a  b] for one row."""
    widths = [max(width(row[j]) for row in cells) for j in range(len(cells[0]))]
    rows = ["  ".join(pad(c, w) for c, w in zip(row, widths)) for row in cells]
    if len(rows) == 1:
        return [f"[{rows[0]}]"]
    out = []
    for i, row in enumerate(rows):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(rows) - 1 else ("⎢", "⎥")
        out.append(f"{left}{row}{right}")
    return out


def _beside(*blocks) -> list[str]:
    """Blocks of lines side by side, vertically centred; a one-line block sits in the middle."""
    height = max(len(b) for b in blocks)
    out = [""] * height
    for block in blocks:
        w = max(width(line) for line in block)
        top = (height - len(block)) // 2
        for i in range(height):
            k = i - top
            text = block[k] if 0 <= k < len(block) else ""
            out[i] += pad(text, w) if len(block) > 1 or k == 0 else " " * w
    return [line.rstrip() for line in out]


class _Style:
    def __init__(self, color: bool):
        self.color = color

    def _s(self, text, **kw):
        return click.style(text, **kw) if self.color else text

    def bold(self, text):
        return self._s(text, bold=True)

    def heading(self, text):
        return self._s(text, bold=True, fg="cyan")

    def warn(self, text):
        return self._s(text, fg="yellow")

    def dim(self, text):
        return self._s(text, dim=True)


# -- JSON -------------------------------------------------------------------------------------

def _formula(expr, names: dict) -> str:
    """A formula string in the variables' plain names that `sympy.sympify` reads back."""
    expr = to_elementary(to_exp(expr))
    plain = {s: sp.Symbol(names[s].plain) for s in expr.free_symbols if s in names}
    return sp.sstr(expr.xreplace(plain))


def _value(value, names: dict):
    return float(value) if value.is_number else _formula(value, names)


def solution_data(solution: CalculusSolution, settings: Settings) -> dict:
    names = solution.names
    plain = lambda s: names[s].plain  # noqa: E731
    functions = solution.texts["function"]
    data = {
        "format": FORMAT_VERSION,
        "title": solution.title,
        "function": functions[0] if solution.gradient and len(functions) == 1 else list(functions),
        "define": dict(solution.texts["define"]),
        "components": [plain(c) for c in solution.components],
        "variables": [plain(v) for v in solution.variables],
        "wrt": [plain(w) for w in solution.wrt],
        "jacobian": [[_formula(v, names) for v in row] for row in solution.expanded],
    }
    if solution.point is not None:
        data["point"] = {plain(v): float(n) for v, n in solution.point.values}
        data["at"] = [[float(v) for v in row] for row in solution.point.matrix]
    if solution.update is not None:
        update = solution.update
        data["update"] = {
            "lr": float(update.lr) if update.lr.is_number else names[update.lr].plain,
            "formulas": {plain(w): _formula(f, names) for w, f in update.formulas},
        }
        if update.values is not None:
            data["update"]["values"] = {plain(w): _value(v, names) for w, v in update.values}
    data["steps"] = _steps(solution, settings)
    data["warnings"] = list(solution.warnings)
    return data


def _steps(solution: CalculusSolution, settings: Settings) -> list[dict]:
    """Every worked line: its section, the quantity, the rule in words, the whole line in LaTeX."""
    names, steps = solution.names, []
    for section in sections(solution):
        for line in section.lines:
            p = printed(line, names, settings.digits, "latex")
            steps.append({"section": section.title,
                          "name": names[line.lhs].plain if line.lhs in names else str(line.lhs),
                          "rule": printed(line, names, settings.digits, "unicode").rule,
                          "latex": f"{p.lhs} {p.relation} " + " = ".join(p.rhs)})
    return steps


def render_json(solution: CalculusSolution, settings: Settings) -> str:
    return json.dumps(solution_data(solution, settings), indent=2, ensure_ascii=False) + "\n"
