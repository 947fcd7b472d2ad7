"""What the homework asks (ask:) in the terminal: each asked derivative worked, then the
Answers table by label; everything inside the terminal's width (a matrix too wide for a
row is left to the table, and a value too wide for the table is listed entry by entry,
each entry's formula cut before a top-level + or −)."""

from __future__ import annotations

from ..sheet import model as m
from .boxes import pad, width
from .pieces import answer_piece, form_box, standing

_TOO_WIDE = m.Named("", "(entry by entry in the Answers below)")


def asked_text(r, works, rows) -> list[str]:
    """`r` is the text renderer (its style, names, digits, settings and blocks)."""
    out = ["", r.style.heading("Asked derivatives")] if works else []
    for work in works:
        head = f"{work.label}  " if work.label else ""
        out += ["", f"  {head}{work.symbol[1]}"]
        if work.text:
            out += r.prose(work.text, "    ")
        if work.note:
            out += r.prose(f"({work.note[1]})", "    ")
        out += [""] + r.blocks(tuple(_fitted(r, line) for line in work.lines))
    if rows:
        out += _table(r, rows)
    return out


def _fitted(r, line):
    """A matrix line whose lone matrix is wider than the terminal: a row stands as a
    column (transposed), and what still does not fit is left to the Answers table."""
    if not isinstance(line, m.MatrixLine):
        return line
    room = r.settings.width - width(form_box(list(line.lhs), r.names, r.digits).lines[0]) - 6
    forms = []
    for form in line.forms:
        if len(form) == 1 and isinstance(form[0], m.Mat) and _wide(r, form, room):
            turned = (standing(form[0]), m.Op("ᵀ")) if len(form[0].rows) == 1 else None
            form = turned if turned and not _wide(r, turned, room) else (_TOO_WIDE,)
        forms.append(form)
    return m.MatrixLine(line.lhs, tuple(forms), line.relation, line.note)


def _wide(r, form, room: int) -> bool:
    return max(map(width, form_box(list(form), r.names, r.digits).lines)) > room


def _table(r, rows) -> list[str]:
    out = ["", r.style.heading("Answers"), ""]
    labels = [row.label or "" for row in rows]
    quantities = [row.symbol[1] for row in rows]
    wl = max(map(width, labels + ["Label"]))
    wq = max(map(width, quantities + ["Quantity"]))
    out.append(f"  {pad('Label', wl)}   {pad('Quantity', wq)}   Value")
    out.append(f"  {'─' * wl}   {'─' * wq}   {'─' * 5}")
    room = r.settings.width - wl - wq - 8
    below = []  # too wide for the table: entry by entry after it
    for label, quantity, row in zip(labels, quantities, rows):
        piece = answer_piece(row.value)
        value = form_box([piece], r.names, r.digits).lines if isinstance(piece, m.Mat) \
            else [r.u(row.value, decimals=True)]
        if max(map(width, value)) > room:
            value = ["(entry by entry below)"]
            below.append((label, quantity, piece))
        middle = (len(value) - 1) // 2  # the label beside the value's middle row
        for i, line in enumerate(value):
            left = (pad(label, wl), pad(quantity, wq)) if i == middle else (" " * wl, " " * wq)
            out.append(f"  {left[0]}   {left[1]}   {line}".rstrip())
    for label, quantity, piece in below:
        out += ["", f"  {label + '  ' if label else ''}{quantity}, entry by entry:"]
        if not isinstance(piece, m.Mat):
            out += _cut(f"    {quantity} = ", r.u(row_value(piece), decimals=True), r.settings.width)
            continue
        for i, entries in enumerate(piece.rows):
            for j, e in enumerate(entries):
                index = f"{j + 1}" if len(piece.rows) == 1 else f"{i + 1},{j + 1}"
                out += _cut(f"    ({quantity})[{index}] = ", r.u(e, decimals=True), r.settings.width)
    return out


def row_value(piece):
    return piece.expr


def _cut(head: str, text: str, limit: int) -> list[str]:
    """`head` + `text`, cut where the line is full before a + or − of the outermost
    sum (inside brackets, ½W(a + b): the shallowest sum there is)."""
    cuts, depth = {}, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in "+−" and i > 1 and text[i - 1] == " ":
            cuts.setdefault(depth, []).append(i)
    if not cuts or width(head + text) <= limit:
        return [head + text]
    points = [0] + cuts[min(cuts)] + [len(text)]
    parts = [text[a:b].strip() for a, b in zip(points, points[1:])]
    lines, current = [], head + parts[0]
    for part in parts[1:]:
        if width(current) + 1 + width(part) > limit:
            lines.append(current)
            current = " " * (len(head) + 2) + part
        else:
            current += " " + part
    return lines + [current]
