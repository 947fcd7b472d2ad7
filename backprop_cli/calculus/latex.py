"""A calculus solution as LaTeX: a whole document, or with --fragment only its body.

The body is templates/calculus.tex.j2; a document is templates/document.tex.j2 with
`body` set to it. Only LaTeX this program produced is inserted raw; the title and notes
go through the `tex` escaping filter.
"""

from __future__ import annotations

from ..render.latex import environment
from ..render.layout import Settings
from .solution import CalculusSolution
from .layout import expression, given_point, printed, sections, symbols

#: Above this many characters (in the terminal rendering) a line is split over rows.
ONE_LINE = 80
#: A gradient whose entries take at most this many characters is written as a row.
ROW = 60


def render_latex(solution: CalculusSolution, settings: Settings) -> str:
    name = "calculus.tex.j2" if settings.fragment else "document.tex.j2"
    return environment().get_template(name).render(**context(solution, settings))


def context(solution: CalculusSolution, settings: Settings) -> dict:
    names, digits = solution.names, settings.digits
    tex = lambda e, **kw: expression(e, names, digits, "latex", **kw)  # noqa: E731
    blocks = []
    for section in sections(solution):
        block = {"title": section.title, "lines": _lines(section.lines, solution, digits),
                 "zeros": section.zeros, "result": None, "product": None}
        if section.what == "result":
            if solution.chain is not None:
                block["product"] = _product(solution, digits)
            else:
                block["result"] = _result(solution, solution.jacobian, digits)
        if section.what == "point":
            block["result"] = _result(solution, solution.point.matrix, digits, numbers=True)
        blocks.append(block)
    return {
        "body": "calculus.tex.j2",
        "title": solution.title or "Worked solution",
        "notes": solution.notes,
        "warnings": list(solution.warnings),
        "given": _lines(solution.defines + solution.functions, solution, digits),
        "softmax": [f"\\left({symbols(o, names, 'latex')}\\right) = \\operatorname{{softmax}}"
                    f"\\left({symbols(a, names, 'latex')}\\right)" for o, a in solution.softmax],
        "wrt": symbols(solution.wrt, names, "latex"),
        "point": given_point(solution, digits, "latex") if solution.point is not None else None,
        "update": solution.update is not None,
        "eta": tex(solution.update.symbol) if solution.update is not None else None,
        "lr": tex(solution.update.lr, decimals=True)
        if solution.update is not None and solution.update.lr.is_number else None,
        "sections": blocks,
        "result": "gradient" if solution.gradient else "Jacobian",
    }


def _lines(lines, solution, digits) -> list[dict]:
    out = []
    for line in lines:
        p = printed(line, solution.names, digits, "latex")
        length = sum(len(part) for part in printed(line, solution.names, digits, "unicode").rhs)
        out.append({"lhs": p.lhs, "relation": p.relation, "rhs": list(p.rhs), "rule": p.rule,
                    "one_line": length <= ONE_LINE})
    return out


def _matrix(rows, solution, digits, environment="bmatrix", **settings) -> str:
    body = " \\\\ ".join(" & ".join(expression(v, solution.names, digits, "latex", **settings)
                                    for v in row) for row in rows)
    return f"\\begin{{{environment}}} {body} \\end{{{environment}}}"


def _result(solution, matrix, digits, numbers=False) -> str:
    names = solution.names
    label = expression(solution.label, names, digits, "latex")
    if numbers and solution.variables == solution.wrt:  # ∇f(1, 2): the point is its argument
        label += "(" + ", ".join(expression(n, names, digits, "latex", decimals=True)
                                 for _, n in solution.point.values) + ")"
    if solution.gradient:
        row = matrix[0]
        if len(row) == 1:
            return f"{label} = {expression(row[0], names, digits, 'latex', decimals=numbers)}"
        short = sum(len(expression(v, names, digits, "unicode", decimals=numbers)) + 2 for v in row)
        if short <= ROW:  # (1, x₁, x₂, x₁²) reads better on one line; long entries stack
            entries = ",\\; ".join(expression(v, names, digits, "latex", decimals=numbers) for v in row)
            return f"{label} = \\left({entries}\\right)"
        return f"{label} = " + _matrix([[v] for v in row], solution, digits, "pmatrix", decimals=numbers)
    return f"{label} = " + _matrix(matrix, solution, digits, decimals=numbers)


def _product(solution, digits) -> list[str]:
    """Rows of J = ∂F/∂u ∂u/∂w = [outer][inner] = [written product] = [result]."""
    names, chain = solution.names, solution.chain
    components = symbols(solution.components, names, "latex", True)
    inner = symbols(chain.inner, names, "latex", True)
    wrt = symbols(solution.wrt, names, "latex", True)
    return [
        f"{expression(solution.label, names, digits, 'latex')} &= "
        f"\\frac{{\\partial {components}}}{{\\partial {inner}}}"
        f"\\,\\frac{{\\partial {inner}}}{{\\partial {wrt}}}",
        "&= " + _matrix(chain.outer_matrix, solution, digits) + " "
        + _matrix(chain.inner_matrix, solution, digits),
    ] + (["&= " + _matrix(chain.product, solution, digits)]  # only where it sums products
         if any(v.is_Add for row in chain.product for v in row) else []) + [
        "&= " + _matrix(solution.jacobian, solution, digits),
    ]
