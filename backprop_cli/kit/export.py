"""What the exports share: the problems to export (a variants folder, or one spec), each
with its question sheet, its worked key and its asked numbers; and the answers files.

An Item is one problem (one variant): `questions` are the question sheet's Questions
(sheet/questions.py), `given` the sheet's text before them, `key` the worked solution as
the terminal shows it, `answers` kit/asked.py's list. Nothing here computes a value: the
numbers are the solve JSON's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..api import make_settings
from ..errors import SpecError
from ..pipeline import render, solve_text
from ..render.text import render_text
from ..sheet import build_sheet
from .mistakes import mistake_values
from ..sheet.questions import question_sheet
from .asked import asked, entries
from .checks import tolerance

#: the terminal's rendering for a quiz page: no colour, a width a browser shows whole
_WIDTH = 100


@dataclass(frozen=True)
class Item:
    name: str  # variant-001, or the spec's file name
    title: str
    given: str  # the question sheet's text without its questions
    questions: tuple  # sheet.model.Question, one per answer
    answers: list  # kit/asked.py's
    key: str  # the worked solution, text
    #: an asked entry's key -> [(value, the mistake's sentence)]: what common mistakes give
    mistakes: dict = field(default_factory=dict)


def items(source: str) -> list[Item]:
    """The problems of a variants folder (in order), or of one spec file."""
    from .files import read_folder

    path = Path(source)
    if path.is_dir():
        return [item(name, spec, data) for name, spec, data in read_folder(source)]
    if not path.is_file():
        raise SpecError(f"no such file or folder: {source}")
    text = path.read_text("utf-8")
    result = solve_text(text, source)
    data = json.loads(render(result, "json", make_settings()))
    return [item(path.stem, text, data, result)]


def item(name: str, spec: str, data: dict, result=None) -> Item:
    if result is None:
        if not spec:
            raise SpecError(f"{name}.yaml is missing beside {name}.json: the worked key is "
                            f"solved from it")
        result = solve_text(spec, f"{name}.yaml")
    settings = make_settings(width=_WIDTH)
    answers = asked(data)
    sheet = question_sheet(build_sheet(result, settings), answers)
    text = render_text(sheet, settings)
    given = text[:text.rfind("\n\nQuestions\n")] if "\n\nQuestions\n" in text else text
    return Item(name, data.get("title") or name, given.rstrip() + "\n", sheet.questions,
                answers, render(result, "text", settings), mistake_values(result))


def number(value: float) -> str:
    """A JSON number as a quiz writes it: the shortest text that reads back as it."""
    text = repr(float(value))
    return format(Decimal(text), "f") if "e" in text else text


def margin(value: float) -> str:
    """The tolerance of an answer (checks.tolerance) to three digits, without an exponent."""
    return format(Decimal(f"{tolerance(value):.3g}"), "f")


# -- answers files: one per variant, in the shape of the solve JSON (`backprop check`) ------------

def answers_document(answers: list) -> dict:
    """The asked quantities in the shape of the solve JSON: loss, gradients: {w1: ..},
    samples: [{h1: ..}, ...], updates: [{params: {..}}]; a list holds every position up
    to the last one asked ({} where nothing is asked)."""
    out: dict = {}
    for answer in answers:
        parts = answer["key"].split(".")
        at = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part.isdigit() and isinstance(at, list):
                k = int(part) - 1
                at.extend({} for _ in range(k + 1 - len(at)))
                if last:
                    at[k] = answer["value"]
                at = at[k]
                continue
            if last:
                at[part] = answer["value"]
            else:
                nxt = parts[i + 1]
                at = at.setdefault(part, [] if nxt.isdigit() else {})
    return out


def write_answers(all_items: list, folder: str) -> list[str]:
    from .files import write_file

    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    for it in all_items:
        text = json.dumps(answers_document(it.answers), indent=2, ensure_ascii=False) + "\n"
        write_file(out / f"{it.name}.answers.json", text.encode("utf-8"))
    count = sum(len(entries(a)) for a in all_items[0].answers)
    return [f"wrote {len(all_items)} answers file{'s' if len(all_items) != 1 else ''} "
            f"({count} numbers each) to {folder}: {all_items[0].name}.answers.json ..."]
