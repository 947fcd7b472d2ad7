"""`ask:`, what the homework asks for, in every spec form: a list of quantities, each
written as a string or as {quantity: ..., label: "1.7", text: "..."}.

A quantity is a key of the answers vocabulary (quantities.py: `loss`, `gradients.w1`,
`samples.2.h`, `updates.1.params.w1`, `derivatives.df/dx`, `at.u`) or a derivative
request in the problem's own names (`d(h2_1)/d(W2)`, `dL/dx`, `samples.2.dl/dx`). Only
the shape is checked here; whether the names exist is known once the problem is built,
and answers.py says so with the field and line kept here. Nothing here imports SymPy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import clip
from .base import MAX_NAME, MAX_TEXT, Reader, _kind

#: The most quantities one problem may ask for (a question sheet, not a dump).
MAX_ASKED = 200
ENTRY_KEYS = ("quantity", "label", "text")
_QUANTITY = re.compile(r"^[A-Za-z0-9_().,/ ∂-]+$")


@dataclass(frozen=True)
class Ask:
    """One asked quantity, as written, with where it was written (for messages)."""

    quantity: str
    label: str | None = None
    text: str | None = None
    field: str | None = None  # ask[2] or ask[2].quantity
    line: int | None = None


def read_ask(reader: Reader, top: dict) -> tuple | None:
    """The `ask:` list, or None when the spec does not say (the default is answers.py's)."""
    if top.get("ask") is None:
        return None
    entries = reader.sequence(("ask",), top["ask"], "ask",
                              like="ask: [loss, gradients.w1, {quantity: 'd(h2)/d(h1)', label: '1.13'}]")
    if not entries:
        reader.fail(("ask",), "is empty; list what the homework asks for, like ask: [loss, "
                              "gradients.w1], or leave 'ask:' out for the loss and every gradient")
    if len(entries) > MAX_ASKED:
        reader.fail(("ask",), f"asks for {len(entries)} quantities; the limit is {MAX_ASKED}")
    asked, seen = [], {}
    for i, entry in enumerate(entries):
        path = ("ask", i)
        label = text = None
        if isinstance(entry, dict):
            reader.unknown_keys(path, entry, ENTRY_KEYS, f"ask[{i}]")
            if "quantity" not in entry:
                reader.fail(path, "needs 'quantity:', like {quantity: gradients.w1, label: '2.3'}")
            if entry.get("label") is not None:
                label = reader.text(path + ("label",), entry["label"])
                if len(label) > MAX_NAME:
                    reader.fail(path + ("label",), f"is {len(label)} characters long; a label is "
                                                   f"a question's number, like 1.7 (at most {MAX_NAME})")
            if entry.get("text") is not None:
                text = reader.text(path + ("text",), entry["text"])
            qpath, quantity = path + ("quantity",), entry["quantity"]
        else:
            qpath, quantity = path, entry
        if not isinstance(quantity, str) or not quantity.strip():
            reader.fail(qpath, f"a quantity must be a name like gradients.w1 or d(h2)/d(h1), "
                               f"not {_kind(quantity)}")
        quantity = quantity.strip()
        if len(quantity) > MAX_TEXT // 10 or not _QUANTITY.match(quantity):
            reader.fail(qpath, f"'{clip(quantity)}' is not a quantity: write a key like "
                               f"gradients.w1 or samples.2.h, or a derivative like d(h2)/d(h1)")
        if label is not None and label in seen:
            reader.fail(path + ("label",), f"the label '{clip(label)}' is also ask[{seen[label]}]'s; "
                                           f"give each question its own")
        if label is not None:
            seen[label] = i
        asked.append(Ask(quantity, label, text, reader.spelling.field(qpath), reader.line(qpath)))
    return tuple(asked)
