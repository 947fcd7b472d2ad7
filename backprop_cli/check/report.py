"""A check's Report as terminal text, JSON (format 1) or Gradescope's results.json.

The text lists the student's answers in solution order, each marked; under each wrong one,
the right worked line as `backprop solve` prints it (the project's text printer). Colour
only when asked (the command line asks on a terminal).
"""

from __future__ import annotations

import json

from ..settings import Settings

MARKS = {"correct": "✓", "carried": "↪", "incorrect": "✗"}
COLOURS = {"correct": "green", "carried": "yellow", "incorrect": "red"}


def _number(value, digits: int = 10):
    if isinstance(value, list):
        return "[" + ", ".join(_number(v, digits) for v in value) + "]"
    if value is None:
        return "·"
    if isinstance(value, str):
        return value  # a formula
    return f"{value:.{digits}g}"


def render_text(report, settings: Settings) -> str:
    import click

    from ..render.text import _Text
    from ..sheet.model import Worksheet

    sheet = Worksheet(form=report.model.form, title=None, notes=None, warnings=(), given=(),
                      sections=(), names=report.model.names)
    printer = _Text(sheet, settings)
    style = (lambda text, **kw: click.style(text, **kw)) if settings.color \
        else (lambda text, **kw: text)  # noqa: E731
    out = []
    if report.title:
        out += [style(f"Checking: {report.title}", bold=True), ""]
    heads = [f"{r.name} = {_number(r.given)}" for r in report.results]
    width = max(map(len, heads), default=0)
    for r, head in zip(report.results, heads):
        mark = style(MARKS[r.verdict], fg=COLOURS[r.verdict], bold=True)
        verdict = r.verdict + (f" ({r.diagnosis})" if r.diagnosis else "")
        out.append(f"{mark} {head.ljust(width)}   {style(verdict, fg=COLOURS[r.verdict])}")
        if r.verdict != "correct":
            out.append(f"    {r.message}")
        if r.verdict == "incorrect":
            if r.lines:
                out += ["    " + row for row in printer.worked(list(r.lines))]
            else:
                out.append(f"    right value: {_number(r.expected)}")
    counts = {v: sum(1 for r in report.results if r.verdict == v) for v in MARKS}
    out += ["", style(f"Score: {report.score}/{report.max_score}", bold=True) +
            f" ({counts['correct']} correct, {counts['carried']} carried, "
            f"{counts['incorrect']} incorrect)"]
    return "\n".join(out) + "\n"


def _plain(value):
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_json(report) -> str:
    return json.dumps({
        "format": 1,
        "score": report.score,
        "max_score": report.max_score,
        "results": [{"name": r.name, "given": _plain(r.given), "expected": _plain(r.expected),
                     "verdict": r.verdict, "diagnosis": r.diagnosis, "message": r.message}
                    for r in report.results],
    }, indent=2, ensure_ascii=False) + "\n"


def as_gradescope(report) -> str:
    """Gradescope's results.json: one test per answer, a point each (a carried answer
    earns its point: error carried forward)."""
    tests = []
    for number, r in enumerate(report.results, 1):
        output = f"{r.verdict}" + (f" ({r.diagnosis})" if r.diagnosis else "") + \
            f": {r.message} You gave {_number(r.given)}"
        if r.verdict == "incorrect":
            output += f"; the right value is {_number(r.expected)}"
        tests.append({"score": 1 if r.verdict != "incorrect" else 0, "max_score": 1,
                      "status": "passed" if r.verdict != "incorrect" else "failed",
                      "name": r.name, "number": str(number), "output": output + "."})
    return json.dumps({"score": report.score,
                       "output": f"{report.score} of {report.max_score} answers right "
                                 f"(carried errors count).",
                       "visibility": "visible", "tests": tests},
                      indent=2, ensure_ascii=False) + "\n"
