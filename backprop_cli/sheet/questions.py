"""A question sheet: the worksheet of a solved problem without its solution.

The same Worksheet the answer key is, with its given part (the network, its diagram,
the numbers) and, instead of the worked sections and the summary, the asked quantities
as Questions (kit/asked.py says which), each written as the key writes it: L, ∂L/∂w₁,
∂l/∂W⁽¹⁾. The warnings go too: "ReLU at its kink" tells a student part of the answer.
"""

from __future__ import annotations

import dataclasses

from . import model as m


def question_sheet(sheet: m.Worksheet, asked: list) -> m.Worksheet:
    """`sheet` as a question sheet; `asked`: {key, label, text, value} (kit/asked.py)."""
    written = _written(sheet)
    questions = tuple(m.Question(a["label"], a.get("text") or "", written.get(a["key"])
                                 or _plain(sheet, a), _shape(a["value"])) for a in asked)
    return dataclasses.replace(sheet, warnings=(), sections=(), summary=(), steps=(),
                               questions=questions)


def _written(sheet: m.Worksheet) -> dict:
    """key -> Named, for the quantities the key's summary writes: the loss, the gradients."""
    out = {}
    names = sheet.names
    for block in sheet.summary:
        if isinstance(block, m.Losses):
            name = names.get(block.symbol)
            out["loss"] = m.Named(name.latex, name.unicode) if name else \
                m.Named(str(block.symbol), str(block.symbol))
        elif isinstance(block, m.GradientTable):
            loss = names[block.loss]
            for param, _, _ in block.rows:
                p = names[param]
                out[f"gradients.{p.plain}"] = m.Named(
                    f"\\frac{{\\partial {loss.latex}}}{{\\partial {p.latex}}}",
                    f"∂{loss.unicode}/∂{p.unicode}")
        elif isinstance(block, m.Gradients):
            tensors = [t.plain for t in sheet.solution.network.tensors()]
            for plain, (name, _) in zip(tensors, block.items):
                out[f"gradients.{plain}"] = m.Named(
                    f"\\frac{{\\partial {block.loss.latex}}}{{\\partial {name.latex}}}",
                    f"∂{block.loss.unicode}/∂{name.unicode}")
    return out


def _plain(sheet: m.Worksheet, answer: dict) -> m.Named:
    """Any other asked quantity: by its name as the problem writes it, where it has one."""
    plain = answer.get("name") or answer["key"]
    if plain.startswith(("at.", "derivatives.")):  # a calculus problem's ∂f/∂x
        plain = plain.split(".", 1)[1]
    for name in sheet.names.values():
        if name.plain == plain:
            return m.Named(name.latex, name.unicode)
    return m.Named(f"\\text{{{_tex_safe(plain)}}}", plain)


def _tex_safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in " ./()" else "?" for ch in text)


def _shape(value) -> tuple:
    if not isinstance(value, list):
        return ()
    if value and isinstance(value[0], list):
        return (len(value), len(value[0]))
    return (len(value),)
