"""What a problem asks for: the one place the kit reads it, from a solve JSON.

Each answer is {"name", "key", "label", "text", "value"}: the answers vocabulary's key
(quantities.py: `loss`, `gradients.w1`, `gradients.W2`), a label (the homework's question
number), a sentence, and the value (a number, or nested lists for a vector or matrix). The
JSON's own `answers` list (the spec's `ask:`) is used where it has one; otherwise the
default: the loss, then every gradient, labelled 1, 2, ...
"""

from __future__ import annotations

import re


def asked(solution: dict) -> list[dict]:
    """The asked quantities of a solve JSON (a dict), in order."""
    if solution.get("answers"):  # ask:, or solve's own default list (labels and text null)
        out = [dict(a) for a in solution["answers"]]
        for number, answer in enumerate(out, 1):
            if answer.get("label") is None:
                answer["label"] = str(number)
            if answer.get("text") is None:
                answer["text"] = _said(answer)
        return out
    out = []
    if solution.get("loss") is not None:
        out.append({"name": "L", "key": "loss", "text": "the loss", "value": solution["loss"]})
    for param, value in (solution.get("gradients") or {}).items():
        out.append({"name": f"dL/d{param}", "key": f"gradients.{param}",
                    "text": f"the gradient of the loss with respect to {param}", "value": value})
    for number, answer in enumerate(out, 1):
        answer["label"] = str(number)
    return out


def _said(answer: dict) -> str:
    """A default answer's sentence: the loss, the gradient of the loss with respect to w1."""
    key = answer.get("key") or ""
    if key == "loss":
        return "the loss"
    if key.startswith("gradients."):
        return f"the gradient of the loss with respect to {key.split('.', 1)[1]}"
    if key.startswith(("at.", "derivatives.")):  # df/dx: ∂f/∂x, at the point or as a formula
        what = re.sub(r"(^|/)d", r"\1∂", key.split(".", 1)[1])
        return f"{what} at the given point" if key.startswith("at.") else f"the derivative {what}"
    return str(answer.get("name") or key)


def entries(answer: dict) -> list[tuple[str, float]]:
    """(key, number) of each scalar in an answer: the key itself for a number, one per
    entry for a vector or matrix, 1-based like the `check` vocabulary (gradients.W2.1.3)."""
    out: list = []

    def walk(value, key):
        if isinstance(value, list):
            for i, item in enumerate(value, 1):
                walk(item, f"{key}.{i}")
        else:
            out.append((key, value))

    walk(answer["value"], answer["key"])
    return out
