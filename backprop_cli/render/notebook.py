"""The worked solution for a Jupyter cell: Markdown with display math, or math alone.

Read from the JSON contract (render.json and its layered and calculus counterparts), whose
`steps` hold every worked line in LaTeX with its phase and sample, or its section: a
notebook shows what the JSON says, and nothing here computes.
"""

from __future__ import annotations

_RELATIONS = (" = ", " \\leftarrow ")


def sections(data: dict) -> list[tuple[str, list[str]]]:
    """(heading, LaTeX lines) in the order of the worked solution."""
    out: list[tuple[str, list[str]]] = []
    several = any((step.get("sample") or 1) > 1 for step in data.get("steps", ()))
    after = 0  # optimizer steps taken so far
    for step in data.get("steps", ()):
        heading = step.get("section") or _heading(step, several, after)
        if step.get("phase") == "update" and (not out or not out[-1][0].startswith("Gradient-descent")):
            after += 1
            heading = f"Gradient-descent step {after}"
        if not out or out[-1][0] != heading:
            out.append((heading, []))
        out[-1][1].append(step["latex"])
    return out


def _heading(step: dict, several: bool, after: int) -> str:
    phase, sample = step.get("phase"), step.get("sample")
    of_sample = f", sample {sample}" if several and sample else ""
    later = f" (after step {after})" if after else ""
    if phase in ("forward", "loss"):
        return f"Forward pass{of_sample}{later}"
    if phase in ("backward", "gradient"):
        return f"Backward pass{of_sample}{later}"
    if phase == "reduce":
        kind = "Loss" if step.get("name") == "L" else "Gradients"
        return f"{kind} over the data{later}"
    return f"Gradient-descent step {after}"


def render_markdown(data: dict) -> str:
    """Markdown: the title, warnings, then each section's lines as display math."""
    out = [f"## {_md(data.get('title') or 'Worked solution')}"]
    out += [f"> **warning:** {_md(w)}" for w in data.get("warnings", ())]
    for heading, lines in sections(data):
        out += ["", f"### {_md(heading)}", ""]
        out += [f"$${line}$$" for line in lines]
    return "\n".join(out) + "\n"


def render_math(data: dict) -> str:
    """One display-math block (for text/latex): the title and section headings flush
    left, each section's lines aligned on their relation under its heading."""
    rows = [f"\\textbf{{{_text(data.get('title') or 'Worked solution')}}}"]
    for heading, lines in sections(data):
        rows.append(f"\\text{{{_text(heading)}}}")
        rows.append("\\qquad\\begin{aligned}" + " \\\\ ".join(_aligned(line) for line in lines)
                    + "\\end{aligned}")
    return "$$\\begin{array}{l}" + " \\\\[4pt] ".join(rows) + "\\end{array}$$"


def _aligned(line: str) -> str:
    places = [line.find(r) for r in _RELATIONS if r in line]
    if not places:
        return f"&{line}"
    at = min(places)
    return f"{line[:at]} &{line[at:]}"


def _text(text: str) -> str:
    """Plain text for \\text{...}, where MathJax takes the characters as they are except
    the ones that end or escape it: those become near equivalents or go."""
    return text.translate(_MATH_TEXT)


def _md(text: str) -> str:
    """Plain text in Markdown: no markup, no HTML, no math from a title."""
    return "".join(f"\\{ch}" if ch in _MARKDOWN else _HTML.get(ch, ch) for ch in text)


_MATH_TEXT = str.maketrans({"{": "(", "}": ")", "\\": "/", "$": "", "&": "and", "#": "", "%": ""})
_MARKDOWN = set("\\`*_{}[]()#+-.!|$~")
_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
