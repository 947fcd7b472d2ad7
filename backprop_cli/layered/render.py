"""A layered problem's solution as terminal text, JSON or LaTeX. Nothing is computed here:
the pieces of matrix.py and the engine's steps are only printed."""

from __future__ import annotations

import json

import sympy as sp

from ..render import boxes
from ..render.json import number, solution_data
from ..render.layout import Settings, pad, width
from ..render.printers import latex, unicode
from .compile import NetworkSolution, Tensor
from .matrix import Line, Mat, Named, Op, Scalar, Table, loss_formula

ONE_LINE = 90  # columns of the terminal picture above which a LaTeX line is split at its '='
_OPS_LATEX = {"+": "+", "−": "-", "⊙": "\\odot", ",": ",\\ ", "(": "\\left(", ")": "\\right)"}
_ACTIVATION_WORDS = {"identity": "identity", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
                     "leaky_relu": "LeakyReLU", "softplus": "softplus", "softmax": "softmax"}


def render_network(solution: NetworkSolution, fmt: str, settings: Settings) -> str:
    if fmt == "json":
        return json.dumps(network_data(solution, settings), indent=2, ensure_ascii=False) + "\n"
    if fmt == "latex":
        return _Latex(solution, settings).render()
    return _Text(solution, settings).render()


# --- shared -----------------------------------------------------------------------------


def _names(solution: NetworkSolution) -> dict:
    return solution.scalar.graph.names.names if solution.scalar is not None else {}


def describe(problem) -> str:
    """4 inputs → 3 ReLU → 2 ReLU → 1 identity (sizes may be symbols: n0 inputs → n1 ReLU)"""
    parts = [f"{problem.inputs} input{'s' * (problem.inputs != 1)}"]
    for layer in problem.layers:
        word = _ACTIVATION_WORDS[layer.activation]
        if layer.activation == "leaky_relu":
            word += f" (α = {float(layer.alpha):g})"
        parts.append(f"{layer.units} {word}")
    return " → ".join(parts)


def _convention(solution: NetworkSolution, tex: bool = False) -> str:
    problem = solution.problem
    biases = any(layer.bias for layer in problem.layers)
    if problem.convention == "row":
        rule = "$z = a W^{\\top}" + (" + b" if biases else "") + "$" if tex else "z = a Wᵀ" + (" + b" if biases else "")
        return f"row convention: {rule}, vectors are rows, and a batch has one row per sample"
    rule = "$z = W a" + (" + b" if biases else "") + "$" if tex else "z = W a" + (" + b" if biases else "")
    return f"column convention: {rule}, vectors are columns, and a batch has one column per sample"


_ACTIVATION_LATEX = {"identity": "identity", "sigmoid": "$\\sigma$", "tanh": "$\\tanh$", "relu": "ReLU",
                     "leaky_relu": "LeakyReLU", "softplus": "softplus", "softmax": "softmax"}


def describe_latex(problem) -> str:
    parts = [f"{problem.inputs} input{'s' * (problem.inputs != 1)}" if isinstance(problem.inputs, int)
             else f"${problem.inputs}$ inputs"]
    for layer in problem.layers:
        units = str(layer.units) if isinstance(layer.units, int) else f"${layer.units}$"
        word = _ACTIVATION_LATEX[layer.activation]
        if layer.activation == "leaky_relu":
            word += f" ($\\alpha = {float(layer.alpha):g}$)"
        parts.append(f"{units} {word}")
    return " $\\to$ ".join(parts)


def _tensor_values(tensor: Tensor, values: dict, names: dict):
    if tensor.matrix:
        return [[number(values[s], names) for s in r] for r in tensor.entries]
    return [number(values[s], names) for s in tensor.entries]


# --- JSON ----------------------------------------------------------------------------------


def network_data(solution: NetworkSolution, settings: Settings) -> dict:
    general = _general_strings(solution)
    if solution.scalar is None:
        return {"format": 1, "title": solution.problem.title, "loss": None, "gradients": {},
                "samples": [], "steps": [], "updates": [], "warnings": [], "matrix_form": general}
    data = solution_data(solution.scalar, settings, entries=False)
    net = solution.network
    names = _names(solution)
    first = solution.scalar.first
    full = {p: (first.gradients[p] if first.gradients[p].is_number else first.full_gradients[p])
            for p in first.gradients}
    data["gradients"] = {t.plain: _tensor_values(t, full, names) for t in net.tensors()} if full else {}
    samples = []
    for sample, old in zip(first.samples, data["samples"]):
        values = {s: (v if v.is_number else sample.full[s]) for s, v in sample.values.items()}
        tensors = [t for layer in net.layers for t in (layer.z, layer.a)]
        samples.append({"values": {t.plain: _tensor_values(t, values, names) for t in tensors},
                        "loss": old["loss"]})
    data["samples"] = samples
    for update, entry in zip(solution.scalar.updates, data["updates"]):
        entry["params"] = {t.plain: _tensor_values(t, update.full_params, names) for t in net.tensors()}
    data["matrix_form"] = general
    return data


def _general_strings(solution: NetworkSolution) -> dict:
    tables = [t for t in solution.matrix.general if isinstance(t, Table)]
    out = {}
    for table in tables:
        key = "forward" if table.title.startswith("Forward") else "backward"
        out[key] = [[form_latex(cell, {}, 5) for cell in row] for row in table.rows]
    return out


# --- pieces --------------------------------------------------------------------------------


def piece_latex(piece, names: dict, digits: int) -> str:
    if isinstance(piece, Named):
        if piece.transpose:
            return f"{{{piece.latex}}}^{{\\top}}" if "^" in piece.latex else f"{piece.latex}^{{\\top}}"
        return piece.latex
    if isinstance(piece, Mat):
        rows = [" & ".join(latex(sp.sympify(e), names=names, digits=digits, decimals=True) for e in row)
                for row in piece.rows]
        return "\\begin{bmatrix}" + " \\\\ ".join(rows) + "\\end{bmatrix}"
    if isinstance(piece, Op):
        return _OPS_LATEX.get(piece.text, piece.text)
    if isinstance(piece, Scalar):
        if piece.exact and piece.expr.is_Rational and piece.expr.p == 1:
            return f"\\tfrac{{1}}{{{piece.expr.q}}}"
        return latex(piece.expr, names=names, digits=digits, decimals=not piece.exact)
    raise TypeError(piece)


def form_latex(pieces, names: dict, digits: int) -> str:
    return " ".join(piece_latex(p, names, digits) for p in pieces)


def piece_box(piece, names: dict, digits: int) -> boxes.Box:
    if isinstance(piece, Named):
        return boxes.text(piece.unicode + ("ᵀ" if piece.transpose else ""))
    if isinstance(piece, Mat):
        return boxes.matrix([[unicode(sp.sympify(e), names=names, digits=digits, decimals=True) for e in row]
                             for row in piece.rows])
    if isinstance(piece, Op):
        return boxes.text(piece.text)
    if isinstance(piece, Scalar):
        text = unicode(piece.expr, names=names, digits=digits, decimals=not piece.exact)
        return boxes.text(text if piece.expr.is_Atom and not piece.exact else f"({text})")
    raise TypeError(piece)


def form_box(pieces, names: dict, digits: int) -> boxes.Box:
    items, opened = [], False
    for p in pieces:
        box = piece_box(p, names, digits)
        if isinstance(p, Op) and p.text in (",", ")") and items:
            items[-1] = boxes.beside([items[-1], box])  # no space before a comma or ')'
            continue
        if opened:
            box = boxes.beside([items.pop(), box])  # nor after '('
        opened = isinstance(p, Op) and p.text == "("
        items.append(box)
    return boxes.beside(items, gap=" ")


def form_text(pieces, names: dict, digits: int) -> str:
    return "\n".join(form_box(pieces, names, digits).lines)


# --- terminal ------------------------------------------------------------------------------


class _Text:
    def __init__(self, solution: NetworkSolution, settings: Settings):
        from ..render.text import Style

        self.sol = solution
        self.settings = settings
        self.style = Style(settings.color)
        self.names = _names(solution)
        self.digits = settings.digits

    def render(self) -> str:
        s, sol, problem = self.style, self.sol, self.sol.problem
        out = []
        title = problem.title or "Worked solution"
        out += [s.title(title), s.title("=" * width(title))]
        if problem.notes:
            out.append(problem.notes)
        for warning in sol.warnings:
            out.append(s.warn(f"warning: {warning}"))
        out += ["", s.heading("Given"), ""]
        out += self.given()
        out += ["", s.heading("The network in matrix form")]
        for item in sol.matrix.general:
            out += self.item(item)
        if sol.scalar is None:
            return "\n".join(out) + "\n"
        view = self.settings.view
        if view in ("matrix", "both"):
            for block in sol.matrix.blocks:
                out += self.item(block)
        if view in ("scalar", "both"):
            from ..render.text import section_lines

            if view == "both":
                out += ["", s.heading("Entry by entry (scalar view)")]
            out += section_lines(sol.scalar, self.settings, s)
        out += self.summary()
        return "\n".join(out) + "\n"

    def given(self) -> list[str]:
        problem, sol = self.sol.problem, self.sol
        out = [f"  network: {describe(problem)}",
               f"  ({_convention(sol)})"]
        if problem.loss:
            rule = loss_formula(problem.loss)[1]
            m = len(problem.data)
            over = f"; L = mean of ℓ over the {m} samples" if m > 1 and problem.reduction == "mean" else \
                (f"; L = sum of ℓ over the {m} samples" if m > 1 else "")
            out.append(f"  loss: ℓ = {rule}{over}")
        if sol.scalar is None:
            return out
        graph = sol.scalar.graph
        out.append("")
        for tensor in sol.network.tensors():
            values = [graph.param_values[s] for s in tensor.symbols]
            if all(v is None for v in values):
                out.append(f"  {tensor.unicode}: symbolic")
                continue
            mat = Mat(tuple(tuple(graph.param_values[s] if graph.param_values[s] is not None else s for s in row)
                            for row in (tensor.entries if tensor.matrix else tuple((s,) for s in tensor.entries))))
            if not tensor.matrix and problem.convention == "row":
                mat = Mat((tuple(r[0] for r in mat.rows),))
            out += self.equation([Named(tensor.latex, tensor.unicode)], [[mat]])
        first = sol.scalar.first
        for k, sample in enumerate(first.samples, start=1):
            given = {s: v for s, v in sample.given.items()}
            x = [given.get(s, s) for s in sol.network.x.entries]
            parts = [Named("x", "x"), Op("="), _vec(x, problem.convention)]
            if problem.loss:
                y = [given.get(s, s) for s in sol.network.y.entries]
                parts += [Op(","), Named("y", "y"), Op("="), _vec(y, problem.convention)]
                label = problem.data[k - 1].label
                if label is not None:
                    parts += [Named("", f"(class {label})")]
            head = f"  sample {k}: " if len(first.samples) > 1 else "  "
            out += [head + line if i == 0 else " " * len(head) + line
                    for i, line in enumerate(form_box(parts, self.names, self.digits).lines)]
        if graph.lr is not None:
            out.append(f"  learning rate η = {unicode(graph.lr, names=self.names, decimals=True)}, "
                       f"{graph.steps} step{'s' * (graph.steps != 1)} of gradient descent")
        return out

    def item(self, item) -> list[str]:
        s = self.style
        if isinstance(item, Table):
            out = ["", s.heading(item.title) if item.title else "", ""]
            cells = [[form_text(c, self.names, self.digits) for c in row] for row in item.rows]
            widths = [max([width(h)] + [width(r[j]) for r in cells]) for j, h in enumerate(item.header)]
            out.append("  " + "   ".join(pad(h, widths[j]) for j, h in enumerate(item.header)).rstrip())
            out.append("  " + "   ".join("─" * w for w in widths))
            for row in cells:
                out.append("  " + "   ".join(pad(c, widths[j]) for j, c in enumerate(row)).rstrip())
            return out
        out = ["", s.heading(item.title), ""]
        if item.intro:
            out += [f"  ({_plain_intro(item.intro)})", ""]
        steps = []
        for line in item.lines:
            if isinstance(line, Line):
                if steps:
                    out += self.steps(steps)
                    steps = []
                out += self.equation(list(line.lhs), [list(f) for f in line.forms], line.relation)
                if line.note:
                    out.append(f"      ({line.note[1]})")
            else:
                steps.append(line)
        if steps:
            out += self.steps(steps)
        return out

    def steps(self, steps) -> list[str]:
        from ..render.text import step_lines

        return step_lines(steps, self.names, self.settings, self.style)

    def equation(self, lhs, forms, relation: str = "=") -> list[str]:
        """lhs = form = form ...: matrices side by side, broken before an '=' at the width."""
        head = form_box(lhs, self.names, self.digits)
        rows, current = [], [head, boxes.text(relation)]
        limit = self.settings.width - 2
        indent = head.width + 1
        for i, form in enumerate(forms):
            box = form_box(form, self.names, self.digits)
            if i == len(forms) - 1:
                box = boxes.Box(tuple(self.style.value(l) if l.strip() else l for l in box.lines), box.baseline)
            trial = boxes.beside(current + [box], gap=" ")
            if i > 0 and trial.width > limit and len(current) > 1:
                rows.append(boxes.beside(current[:-1] if current[-1].lines == ("=",) else current, gap=" "))
                current = [boxes.text(" " * (indent - 1)), boxes.text("="), box]
            else:
                current.append(box)
            if i < len(forms) - 1:
                current.append(boxes.text("="))
        rows.append(boxes.beside(current, gap=" "))
        out = []
        for row in rows:
            out += ["  " + line for line in row.lines]
        return out

    def summary(self) -> list[str]:
        s, sol = self.style, self.sol
        first = sol.scalar.first
        out = []
        if first.gradients and all(v.is_number for v in first.gradients.values()):
            out += ["", s.heading("Gradients" + (" (at the given parameters)" if sol.scalar.updates else "")), ""]
            loss = "L"
            for tensor in sol.network.tensors():
                rows = tensor.entries if tensor.matrix else (
                    (tuple(tensor.entries),) if sol.problem.convention == "row" else tuple((e,) for e in tensor.entries))
                mat = Mat(tuple(tuple(first.gradients[e] for e in row) for row in rows))
                out += self.equation([Named("", f"∂{loss}/∂{tensor.unicode}")], [[mat]])
        if first.loss is not None and first.loss.is_number:
            out += ["", f"Loss: L = {s.value(unicode(first.loss, digits=self.digits, decimals=True))}"]
            for update in sol.scalar.updates:
                after = [p for p in sol.scalar.passes if p.iteration == update.iteration]
                if after and after[0].loss is not None:
                    out.append(f"Loss after step {update.iteration}: L = "
                               f"{s.value(unicode(after[0].loss, digits=self.digits, decimals=True))}")
        return out


def _vec(values, convention):
    if convention == "row" or len(values) == 1:
        return Mat((tuple(values),))
    return Mat(tuple((v,) for v in values))


def _plain_intro(text: str) -> str:
    """The LaTeX of a derivative rule, as the terminal shows it."""
    from .matrix import _DERIVATIVE_RULES

    for latex_rule, uni in _DERIVATIVE_RULES.values():
        text = text.replace(f"${latex_rule}$", uni)
    return text


# --- LaTeX ---------------------------------------------------------------------------------


def title_tex(title: str) -> str:
    """One of our own headings in LaTeX: escaped, with δ as math."""
    from ..render.latex import escape_tex

    return "$\\delta$".join(escape_tex(part) for part in title.split("δ"))


class _Latex:
    def __init__(self, solution: NetworkSolution, settings: Settings):
        self.sol = solution
        self.settings = settings
        self.names = _names(solution)
        self.digits = settings.digits

    def render(self) -> str:
        from ..render.latex import environment

        name = "network.tex.j2" if self.settings.fragment else "document.tex.j2"
        return environment().get_template(name).render(**self.context())

    def tex(self, pieces) -> str:
        return form_latex(pieces, self.names, self.digits)

    def line(self, line: Line) -> dict:
        width_ = sum(form_box(f, self.names, self.digits).width + 3 for f in line.forms)
        relation = "\\leftarrow" if line.relation == "←" else "="
        return {"lhs": self.tex(line.lhs), "relation": relation,
                "rhs": [self.tex(f) for f in line.forms], "one_line": width_ <= ONE_LINE,
                "note": line.note[0] if line.note else None}

    def block(self, item) -> dict:
        if isinstance(item, Table):
            return {"kind": "table", "title": title_tex(item.title), "header": list(item.header),
                    "rows": [[self.tex(c) for c in row] for row in item.rows]}
        lines = []
        for line in item.lines:
            if isinstance(line, Line):
                lines.append(self.line(line))
            else:
                from ..render.layout import step_line

                sl = step_line(line, self.names, self.digits, "latex")
                wide = sum(len(p) for p in step_line(line, self.names, self.digits, "unicode").rhs)
                lines.append({"lhs": sl.lhs, "relation": sl.relation, "rhs": list(sl.rhs),
                              "one_line": wide <= ONE_LINE, "note": None})
        return {"kind": "block", "title": title_tex(item.title), "intro": item.intro, "lines": lines}

    def context(self) -> dict:
        from ..render.latex import context as scalar_context

        sol, problem = self.sol, self.sol.problem
        view = self.settings.view
        ctx = {"body": "network.tex.j2", "title": problem.title or "Worked solution",
               "notes": problem.notes, "warnings": list(sol.warnings),
               "description": describe_latex(problem),
               "convention": _convention(sol, tex=True),
               "loss_rule": loss_formula(problem.loss)[0] if problem.loss else None,
               "several": len(problem.data) > 1, "reduction": problem.reduction, "m": len(problem.data),
               "general": [self.block(item) for item in sol.matrix.general],
               "blocks": [], "sections": [], "params": [], "samples": [], "gradients": [],
               "lr": None, "steps": 0, "loss": None, "losses_after": [], "view": view}
        if sol.scalar is None:
            return ctx
        graph = sol.scalar.graph
        for tensor in sol.network.tensors():
            values = [graph.param_values[s] for s in tensor.symbols]
            if all(v is None for v in values):
                ctx["params"].append((tensor.latex, "\\text{symbolic}"))
                continue
            rows = tensor.entries if tensor.matrix else (
                (tuple(tensor.entries),) if problem.convention == "row" else tuple((e,) for e in tensor.entries))
            mat = Mat(tuple(tuple(graph.param_values[s] if graph.param_values[s] is not None else s for s in r)
                            for r in rows))
            ctx["params"].append((tensor.latex, self.tex([mat])))
        for k, sample in enumerate(sol.scalar.first.samples, start=1):
            x = [sample.given.get(s, s) for s in sol.network.x.entries]
            entry = {"x": self.tex([_vec(x, problem.convention)]), "y": None, "label": problem.data[k - 1].label}
            if problem.loss:
                y = [sample.given.get(s, s) for s in sol.network.y.entries]
                entry["y"] = self.tex([_vec(y, problem.convention)])
            ctx["samples"].append(entry)
        if view in ("matrix", "both"):
            ctx["blocks"] = [self.block(b) for b in sol.matrix.blocks]
        if view in ("scalar", "both"):
            ctx["sections"] = scalar_context(sol.scalar, self.settings)["sections"]
        first = sol.scalar.first
        if first.gradients and all(v.is_number for v in first.gradients.values()):
            for tensor in sol.network.tensors():
                rows = tensor.entries if tensor.matrix else (
                    (tuple(tensor.entries),) if problem.convention == "row" else tuple((e,) for e in tensor.entries))
                mat = Mat(tuple(tuple(first.gradients[e] for e in row) for row in rows))
                ctx["gradients"].append((f"\\frac{{\\partial L}}{{\\partial {tensor.latex}}}", self.tex([mat])))
        if graph.lr is not None:
            ctx["lr"] = latex(graph.lr, names=self.names, decimals=True)
            ctx["steps"] = graph.steps
        if first.loss is not None and first.loss.is_number:
            ctx["loss"] = latex(first.loss, digits=self.digits, decimals=True)
            for update in sol.scalar.updates:
                after = [p for p in sol.scalar.passes if p.iteration == update.iteration]
                if after and after[0].loss is not None:
                    ctx["losses_after"].append((update.iteration,
                                                latex(after[0].loss, digits=self.digits, decimals=True)))
        return ctx
