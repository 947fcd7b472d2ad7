"""The worked solution in the terminal: Unicode math, aligned, colour only on a TTY."""

from __future__ import annotations

import click

from ..engine import Solution
from .layout import Settings, gradient_rows, known, pad, sections, step_line, width
from .printers import unicode


def render_text(solution: Solution, settings: Settings) -> str:
    graph = solution.graph
    names = graph.names.names
    style = Style(settings.color)
    out: list[str] = []
    title = graph.title or "Worked solution"
    out += [style.title(title), style.title("=" * len(title))]
    if graph.notes:
        out += [graph.notes]
    for warning in solution.warnings:
        out += [style.warn(f"warning: {warning}")]
    out += ["", style.heading("Given"), ""]
    for node in graph.nodes:
        shown = node.written if node.written is not None else node.display
        if node.given:
            out.append(f"  {unicode(node.symbol, names=names)} = {unicode(shown, names=names)}")
    values = [(unicode(p, names=names), unicode(v, names=names, decimals=True, digits=settings.digits))
              for p, v in graph.param_values.items() if v is not None]
    if values:
        out.append("  " + ", ".join(f"{n} = {v}" for n, v in values))
    symbolic = [unicode(p, names=names) for p, v in graph.param_values.items() if v is None]
    if symbolic:
        out.append("  symbolic parameters: " + ", ".join(symbolic))
    if len(graph.samples) == 1:
        sample = solution.first.samples[0]
        given = ", ".join(f"{unicode(s, names=names)} = {unicode(v, names=names, decimals=True)}"
                          for s, v in known(sample.given).items())
        if given:
            out.append("  " + given)
    else:
        for sample in solution.first.samples:
            given = ", ".join(f"{unicode(s, names=names)} = {unicode(v, names=names, decimals=True)}"
                              for s, v in known(sample.given).items())
            out.append(f"  sample {sample.index}: {given}")
    if graph.lr is not None:
        out.append(f"  learning rate η = {unicode(graph.lr, names=names, decimals=True)}, "
                   f"{graph.steps} step{'s' if graph.steps != 1 else ''} of gradient descent")

    out += section_lines(solution, settings, style)

    rows = gradient_rows(solution, settings.digits, "unicode")
    if rows:
        out += ["", style.heading("Gradients" + (" (at the given parameters)" if solution.updates else "")), ""]
        pw = max(max(width(r[0]) for r in rows), len("parameter"))
        vw = max(max(width(r[1]) for r in rows), len("value"))
        gw = max(width(r[2]) for r in rows)
        out.append(f"  {pad('parameter', pw)}   {pad('value', vw, True)}   "
                   f"{pad(unicode(solution.loss_symbol, names=names).join(('∂', '/∂·')), gw, True)}")
        for p, v, g in rows:
            out.append(f"  {pad(p, pw)}   {pad(v, vw, True)}   {style.value(pad(g, gw, True))}")
    if solution.first.loss is not None and solution.first.loss.is_number:
        loss = unicode(solution.first.loss, digits=settings.digits, decimals=True)
        out += ["", f"Loss: L = {style.value(loss)}"]
        for update in solution.updates:
            after = [p for p in solution.passes if p.iteration == update.iteration]
            if after and after[0].loss is not None:
                out.append(f"Loss after step {update.iteration}: L = "
                           f"{style.value(unicode(after[0].loss, digits=settings.digits, decimals=True))}")
    return "\n".join(out) + "\n"


def section_lines(solution: Solution, settings: Settings, style) -> list[str]:
    """The worked steps, section by section (also the scalar view of a layered problem)."""
    names = solution.graph.names.names
    out = []
    for section in sections(solution):
        out += ["", style.heading(section.title)]
        if section.subtitle:
            out.append(f"  ({section.subtitle})")
        out.append("")
        out += step_lines(section.steps, names, settings, style)
    return out


def step_lines(steps, names: dict, settings: Settings, style) -> list[str]:
    """Steps aligned on their '=' and wrapped at the terminal width."""
    lines = [step_line(step, names, settings.digits, "unicode") for step in steps]
    lhs_width = max((width(line.lhs) for line in lines), default=0)
    out = []
    for line in lines:
        out.extend(_wrap(line, lhs_width, settings.width, style))
    return out


def _wrap(line, lhs_width: int, limit: int, style) -> list[str]:
    """`lhs = a = b = c`, broken before an '=' when it would pass `limit` columns."""
    head = f"  {pad(line.lhs, lhs_width)} {line.relation} "
    indent = " " * (width(head) - 2)
    rows, current = [], head
    for i, part in enumerate(line.rhs):
        text = style.value(part) if i == len(line.rhs) - 1 else part
        piece = part if i == 0 else f" = {part}"
        if i > 0 and width(current) + width(piece) > limit:
            rows.append(current)
            current = f"{indent}= "
            piece = part
        current += text if piece == part else f" = {text}"
    rows.append(current)
    return rows


class Style:
    def __init__(self, color: bool):
        self.color = color

    def _s(self, text, **kw):
        return click.style(text, **kw) if self.color else text

    def title(self, text):
        return self._s(text, bold=True)

    def heading(self, text):
        return self._s(text, bold=True, fg="cyan")

    def value(self, text):
        return self._s(text, bold=True)

    def warn(self, text):
        return self._s(text, fg="yellow")
