"""What the homework asks for (`ask:`), answered from a solved problem of any form.

An asked quantity is a key of the answers vocabulary (quantities.py), whose value is the
engine's, or a derivative request in the problem's own names, `d(h2_1)/d(W2)`, `dL/dx`,
`samples.2.d(l)/d(h1)`: a derivative of one quantity with respect to another, which
derivatives.py works out as the chain rule is taught. Without `ask:` the answers are the
loss and every gradient (a calculus problem: every entry of its derivative), unlabelled.

Nothing here prints; an unknown name is a SpecError with the `ask:` entry's field and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import SpecError
from .quantities import quantities
from .suggest import closest

#: d(top)/d(bottom), dtop/dbottom or ∂top/∂bottom, perhaps after samples.<k>.
_DERIVATIVE = re.compile(r"^(?:samples\.(?P<sample>\d+)\.)?[d∂]\(?(?P<top>[A-Za-z][\w]*)\)?"
                         r"\s*/\s*[d∂]\(?(?P<bottom>[A-Za-z][\w]*)\)?$")


@dataclass(frozen=True)
class Answer:
    """One answer: the quantity as asked (`name`), its vocabulary key, the label and text
    of its question, its value (a SymPy number or expression, or nested lists of them),
    and for a derivative request how it is worked (derivatives.Worked), else None."""

    name: str
    key: str
    label: str | None
    text: str | None
    value: Any
    symbol: tuple  # (LaTeX, Unicode) of the quantity, for the Answers table
    work: Any = None
    asked: bool = True  # False: the default list (no `ask:`), which only the JSON shows


def answers_of(solution) -> tuple:
    """The answers a solution keeps (its `ask:`), or else the default ones."""
    return getattr(solution, "answers", ()) or answer(solution, None)


def answer(solution, asked: tuple | None) -> tuple:
    """The answers to `asked` (spec/ask.py's Asks), or to the default list."""
    table = {q.key: q for q in quantities(solution)}
    names = _names(solution)
    if asked is None:
        at_point = any(q.phase == "point" for q in table.values())
        return tuple(Answer(key, key, None, None, q.value, _symbol(q, names), asked=False)
                     for key, q in table.items() if _default(q, at_point))
    out = []
    for ask in asked:
        q = table.get(ask.quantity)
        if q is not None:
            out.append(Answer(ask.quantity, q.key, ask.label, ask.text, q.value, _symbol(q, names)))
            continue
        match = _DERIVATIVE.match(ask.quantity.replace(" ", ""))
        if match is None:
            _unknown(ask, table)
        out.append(_derivative(solution, ask, match, table))
    return tuple(out)


def _default(q, at_point: bool) -> bool:
    """The loss and every gradient at the given parameters; a calculus problem's every
    derivative, at its point when it has one."""
    if q.phase in ("derivative", "point"):
        return q.key.startswith("at.d" if at_point else "derivatives.") and "/" in q.key
    return q.key == "loss" or q.key.startswith("gradients.")


def _derivative(solution, ask, match, table: dict) -> Answer:
    from . import derivatives

    top, bottom, sample = match.group("top"), match.group("bottom"), match.group("sample")
    if getattr(solution, "kind", "graph") == "calculus":
        return _calculus_derivative(solution, ask, top, bottom, sample, table)
    try:
        worked = derivatives.work(solution, top, bottom, int(sample) if sample else None)
    except derivatives.Refused as exc:
        raise SpecError(str(exc), field=ask.field, line=ask.line) from None
    q = table.get(worked.key)
    # the engine's gradient over the data; else as worked (in the names the work writes)
    value = worked.value if worked.value is not None else q.value
    return Answer(ask.quantity, worked.key, ask.label, ask.text, value, worked.symbol,
                  worked if worked.samples else None)


def _calculus_derivative(solution, ask, top, bottom, sample, table) -> Answer:
    """df/dx of a calculus problem: its entry, at the point when there is one."""
    if sample is not None:
        raise SpecError("a calculus problem has no samples; ask for d(f)/d(x)", field=ask.field,
                        line=ask.line)
    for prefix in ("at.", "derivatives."):
        q = table.get(f"{prefix}d{top}/d{bottom}")
        if q is not None:
            return Answer(ask.quantity, q.key, ask.label, ask.text, q.value,
                          _symbol(q, _names(solution)))
    _unknown(ask, table)


def _unknown(ask, table: dict):
    keys = list(table)
    close = closest(ask.quantity, keys)
    hint = ("; did you mean " + " or ".join(f"'{c}'" for c in close) + "?") if close else \
        (f" (the quantities are keys like {', '.join(keys[:3])}, or a derivative like "
         f"d(h)/d(x))" if keys else "")
    raise SpecError(f"unknown quantity '{ask.quantity}' in ask{hint}", field=ask.field,
                    line=ask.line)


def _names(solution) -> dict:
    """Plain name -> Name: every symbol's, and a layered network's vectors and matrices."""
    kind = getattr(solution, "kind", "graph")
    if kind == "calculus":
        return {n.plain: n for n in solution.names.values()}
    if kind == "network" and solution.scalar is None:
        return {}
    graph = solution.scalar.graph if kind == "network" else solution.graph
    by_plain = {n.plain: n for n in graph.names.names.values()}
    if kind == "network":
        from .graph import Name

        net = solution.network
        for t in [net.x] + [t for layer in net.layers for t in layer.parameters() + layer.computed()]:
            by_plain[t.plain] = Name(t.latex, t.unicode, t.plain)
    return by_plain


def _symbol(q, by_plain: dict) -> tuple:
    """(LaTeX, Unicode) of a vocabulary quantity: its name, with the sample or step."""
    top, slash, bottom = q.name.partition("/d")
    if slash and top.startswith("d"):
        t, b = _written(top[1:], by_plain), _written(bottom, by_plain)
        latex = f"\\frac{{\\partial {t[0]}}}{{\\partial {b[0]}}}"
        unicode = f"∂{t[1]}/∂{b[1]}"
    else:
        latex, unicode = _written(q.name, by_plain)
    where = []
    if q.sample is not None and not slash:
        where.append(f"sample {q.sample}")
    if q.step:
        where.append(f"after step {q.step}")
    if where:
        latex += f"\\ \\text{{({', '.join(where)})}}"
        unicode += f" ({', '.join(where)})"
    return latex, unicode


def _written(plain: str, by_plain: dict) -> tuple:
    """A plain name (l(2), W1, yhat) as the solution writes it."""
    base, _, sample = plain.partition("(")
    name = by_plain.get(plain) or by_plain.get(base)
    if name is None:
        return f"\\mathrm{{{plain}}}", plain
    if sample and plain not in by_plain:
        return f"{name.latex}^{{({sample}}}", f"{name.unicode}({sample}"
    return name.latex, name.unicode
