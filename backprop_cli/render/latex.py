"""The solution as a LaTeX document (or a fragment to \\input), through Jinja templates.

Templates use LaTeX-friendly delimiters: ((* block *)), ((( variable ))), ((= comment =)).
User text (title, notes) goes through the `tex` escaping filter; only LaTeX this program
produced is inserted raw.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from ..engine import Solution
from .layout import Settings, gradient_rows, known, sections, step_line
from .printers import latex

#: Above this many characters (in the terminal rendering) a step is split over lines.
ONE_LINE = 95

_TEX_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX_SPECIALS))


def escape_tex(text: str) -> str:
    """Plain text -> LaTeX that prints it literally. Non-Latin-1 characters are dropped
    to '?', since pdflatex cannot typeset them."""
    text = _TEX_RE.sub(lambda m: _TEX_SPECIALS[m.group()], str(text))
    return "".join(ch if ord(ch) < 256 and (ch.isprintable() or ch in "\n\t") else "?" for ch in text)


def template_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent.parent
    # Installed wheel: backprop_cli/templates; source checkout: templates/ beside the package.
    return [d for d in (here / "templates", here.parent / "templates") if d.is_dir()]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs()]),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        undefined=jinja2.StrictUndefined, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["tex"] = escape_tex
    return env


def render_latex(solution: Solution, settings: Settings) -> str:
    template = environment().get_template("fragment.tex.j2" if settings.fragment else "document.tex.j2")
    return template.render(**context(solution, settings))


def context(solution: Solution, settings: Settings) -> dict:
    graph = solution.graph
    names = graph.names.names
    digits = settings.digits
    tex = lambda e, **kw: latex(e, names=names, digits=digits, **kw)  # noqa: E731
    equations = [(tex(n.symbol), tex(n.written if n.written is not None else n.display))
                 for n in graph.nodes if n.given and n is not graph.loss]
    loss = (tex(solution.sample_loss), tex(graph.loss.written)) if graph.loss is not None else None
    params = [(tex(p), tex(v, decimals=True) if v is not None else "\\text{symbolic}")
              for p, v in graph.param_values.items()]
    gradients = [(p, v if v else "\\text{symbolic}", g)
                 for p, v, g in gradient_rows(solution, digits, "latex")]
    columns = [c for c in solution.first.samples[0].given
               if any(s.given[c].is_number for s in solution.first.samples)]
    data = {"columns": [tex(c) for c in columns],
            "rows": [[tex(s.given[c], decimals=True) for c in columns]
                     for s in solution.first.samples]}
    blocks = []
    for section in sections(solution):
        lines = []
        for step in section.steps:
            line = step_line(step, names, digits, "latex")
            width = sum(len(p) for p in step_line(step, names, digits, "unicode").rhs)
            lines.append({"lhs": line.lhs, "relation": line.relation, "rhs": list(line.rhs),
                          "one_line": width <= ONE_LINE})
        blocks.append({"title": section.title, "subtitle": _subtitle(solution, section),
                       "lines": lines})
    updates_after = []
    for update in solution.updates:
        after = [p for p in solution.passes if p.iteration == update.iteration]
        if after and after[0].loss is not None:
            updates_after.append((update.iteration, tex(after[0].loss, decimals=True)))
    return {
        "body": "fragment.tex.j2",
        "title": graph.title or "Worked solution",
        "notes": graph.notes,
        "warnings": list(solution.warnings),
        "equations": equations,
        "loss_definition": loss,
        "reduction": graph.reduction,
        "several": len(graph.samples) > 1,
        "params": params,
        "data": data,
        "lr": tex(graph.lr, decimals=True) if graph.lr is not None else None,
        "steps": graph.steps,
        "sections": blocks,
        "gradients": gradients,
        "trained": bool(solution.updates),
        "loss": tex(solution.first.loss, decimals=True)
        if solution.first.loss is not None and solution.first.loss.is_number else None,
        "loss_symbol": tex(solution.loss_symbol),
        "losses_after": updates_after,
    }


def _subtitle(solution: Solution, section) -> str | None:
    if not section.subtitle:
        return None
    names = solution.graph.names.names
    sample = next((s for p in solution.passes for s in p.samples
                   if section.steps and s.forward and s.forward[0] is section.steps[0]), None)
    if sample is None:
        return None
    return ",\\quad ".join(f"{latex(s, names=names)} = {latex(v, names=names, decimals=True)}"
                           for s, v in known(sample.given).items())
