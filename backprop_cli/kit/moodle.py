"""Moodle XML: one question per variant, built with xml.etree.

A variant that asks for one number is a `numerical` question; one that asks for several
(a loss and gradients, a matrix) is a `cloze` question (Moodle's "embedded answers")
with a `{1:NUMERICAL:=value:tolerance#feedback}` field per number. The question text is
the question sheet (the given part as the terminal shows it, in <pre>), the general
feedback the worked key. Tolerances are absolute, as Moodle's are: checks.tolerance
(1% of the answer, at least 1e-4). Each number also has, as answers worth 0% whose
feedback says what went wrong, the values the common mistakes give (kit/mistakes.py,
from `backprop check`'s table): "The step goes uphill: w + η·g where ...".
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from .asked import entries
from .export import Item, margin, number

PENALTY = "0.3333333"


def moodle_xml(items: list[Item], category: str) -> bytes:
    quiz = ET.Element("quiz")
    head = ET.SubElement(quiz, "question", type="category")
    _text(ET.SubElement(head, "category"), f"$course$/top/backprop/{category}")
    for item in items:
        numbers = [e for a in item.answers for e in entries(a)]
        question = _numerical(item, numbers[0]) if len(numbers) == 1 else _cloze(item)
        quiz.append(question)
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"


def _text(parent, text: str, **attributes) -> ET.Element:
    ET.SubElement(parent, "text").text = text
    for k, v in attributes.items():
        parent.set(k, v)
    return parent


def _common(question: ET.Element, item: Item, body: str) -> None:
    _text(ET.SubElement(question, "name"), f"{item.title} ({item.name})")
    _text(ET.SubElement(question, "questiontext"), body, format="html")
    _text(ET.SubElement(question, "generalfeedback"), _pre(item.key), format="html")
    ET.SubElement(question, "defaultgrade").text = "1"
    ET.SubElement(question, "penalty").text = PENALTY
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = item.name


def _pre(text: str) -> str:
    """Text as HTML in <pre>; braces written as entities, so no cloze field is seen in it."""
    escaped = html.escape(text, quote=False).replace("{", "&#123;").replace("}", "&#125;")
    return f'<pre style="font-size: 90%">{escaped}</pre>'


def _numerical(item: Item, entry: tuple) -> ET.Element:
    _, value = entry
    q = item.questions[0]
    question = ET.Element("question", type="numerical")
    _common(question, item, _pre(item.given) + f"<p>{q.label}. {_sentence(q)}</p>"
                                                f"<p>{html.escape(q.lhs.unicode)} =</p>")
    answer = ET.SubElement(question, "answer", fraction="100", format="moodle_auto_format")
    ET.SubElement(answer, "text").text = number(value)
    _text(ET.SubElement(answer, "feedback"), "Correct.", format="html")
    ET.SubElement(answer, "tolerance").text = margin(value)
    for wrong, sentence in item.mistakes.get(entry[0], ()):
        answer = ET.SubElement(question, "answer", fraction="0", format="moodle_auto_format")
        ET.SubElement(answer, "text").text = number(wrong)
        _text(ET.SubElement(answer, "feedback"), html.escape(sentence), format="html")
        ET.SubElement(answer, "tolerance").text = margin(wrong)
    # no units: Moodle's own export of a numerical question writes these
    for tag, text in (("unitgradingtype", "0"), ("unitpenalty", "0.1000000"),
                      ("showunits", "3"), ("unitsleft", "0")):
        ET.SubElement(question, tag).text = text
    return question


def _sentence(q) -> str:
    return html.escape(f"Compute {q.text}." if q.text else "Compute:")


def _cloze(item: Item) -> ET.Element:
    parts = [_pre(item.given)]
    for q, answer in zip(item.questions, item.answers):
        parts.append(f"<p>{html.escape(q.label)}. {_sentence(q)}</p>")
        value = answer["value"]
        lhs = html.escape(q.lhs.unicode)
        wrong = {key: item.mistakes.get(key, ()) for key, _ in entries(answer)}
        if not isinstance(value, list):
            parts.append(f"<p>{lhs} = {_field(value, wrong[answer['key']])}</p>")
            continue
        rows = value if value and isinstance(value[0], list) else [value]
        keys = iter(k for k, _ in entries(answer))
        cells = "".join("<tr>" + "".join(f"<td>{_field(v, wrong[next(keys)])}</td>" for v in row)
                        + "</tr>" for row in rows)
        parts.append(f"<p>{lhs} =</p><table>{cells}</table>")
    question = ET.Element("question", type="cloze")
    _common(question, item, "\n".join(parts))
    question.remove(question.find("defaultgrade"))  # a cloze question's grade is its fields'
    return question


def _field(value, wrong=()) -> str:
    """A cloze NUMERICAL field: the right value, then each mistake's at 0% with its sentence."""
    others = "".join(f"~%0%{number(v)}:{margin(v)}#{_cloze_text(sentence)}" for v, sentence in wrong)
    return f"{{1:NUMERICAL:={number(value)}:{margin(value)}#Correct.{others}}}"


def _cloze_text(text: str) -> str:
    """Feedback inside a cloze field: HTML, with the field's own signs escaped."""
    text = html.escape(text, quote=False)
    for sign in "\\}#~/\"":
        text = text.replace(sign, "\\" + sign)
    return text
