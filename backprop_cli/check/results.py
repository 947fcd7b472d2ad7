"""A check's results: each answer's marks gathered into one Result (a vector or matrix
given whole is one answer), with its verdict, diagnosis, message and the worked lines of
what is wrong; a formula answer is marked by its values at the points (formulas.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .marking import Marker, Tolerance, aggregate
from .mistakes import BY_CODE, MISTAKES


@dataclass
class Result:
    name: str  # as written in the answers file
    given: object  # a number, or nested lists
    expected: object
    verdict: str  # correct, carried, incorrect
    diagnosis: str | None
    message: str
    keys: object = None  # the slot key(s) it covers
    lines: tuple = ()  # worked lines (sheet model) of what is wrong
    line: int | None = None  # its line in the answers file


@dataclass
class Report:
    title: str | None
    results: list
    model: object

    @property
    def score(self) -> int:
        return sum(1 for r in self.results if r.verdict != "incorrect")

    @property
    def max_score(self) -> int:
        return len(self.results)

    @property
    def all_correct(self) -> bool:
        return all(r.verdict == "correct" for r in self.results)


def title_of(result) -> str | None:
    """The problem's title, whatever the form's solution keeps it in."""
    for holder in (result, getattr(result, "graph", None),
                   getattr(getattr(result, "scalar", None), "graph", None)):
        if getattr(holder, "title", None):
            return holder.title
    return None


def mark(model, answers: list, tolerance: Tolerance, title=None) -> Report:
    values, digits = {}, {}
    for a in answers:
        if a.transposed or a.points is not None:
            continue  # transposed: its entries are not where their names say; formulas: below
        for key, g, d in _entries(a.keys, a.given, a.digits):
            if g is not None:
                values[key], digits[key] = g, d
    marks = Marker(model, values, digits, tolerance).run()
    owner = {}  # slot key -> the name the student gave it under
    for a in answers:
        for key, g, _, index in _indexed(a.keys, a.given):
            if g is not None:
                owner.setdefault(key, a.name + "".join(f".{i}" for i in index))
    order = {k: i for i, k in enumerate(model.slots)}
    results = [_result(a, model, marks, owner, tolerance) for a in answers]
    first = lambda r: min((order.get(k, 0) for k in _flat(r.keys)), default=0)  # noqa: E731
    results.sort(key=first)
    return Report(title, results, model)


def _result(a, model, marks, owner, tolerance) -> Result:
    if a.points is not None:
        return _formula_result(a, model, tolerance)
    expected = _map(a.keys, lambda k: model.slots[k].value)
    if a.transposed:
        flipped = [list(col) for col in zip(*expected)]
        right = all(tolerance.close(g, e) for g, e in zip(_flat(a.given), _flat(flipped))
                    if g is not None)
        diagnosis = "transposed" if right else None
        return Result(a.name, a.given, expected, "incorrect", diagnosis,
                      _message("incorrect", diagnosis, None, None, expected),
                      a.keys, _lines(model, _flat(a.keys)), a.line)
    own = [marks[k] for k, g, _ in _entries(a.keys, a.given, a.digits) if g is not None]
    verdict, roots = aggregate(own)
    diagnosis = detail = None
    if verdict == "incorrect":
        wrong = [m for m in own if m.verdict == "incorrect"]
        for mistake in MISTAKES:
            if mistake.matrix is not None and isinstance(expected, list):
                candidate = mistake.matrix(expected)
                if candidate is not None and all(
                        g is None or tolerance.close(g, c)
                        for g, c in zip(_flat(a.given), _flat(candidate))):
                    diagnosis = mistake.code
                    break
        if diagnosis is None:
            codes = {m.diagnosis for m in wrong}
            if len(codes) == 1:
                diagnosis = codes.pop()
                detail = wrong[0].detail
    first_root = min(roots, key=list(model.slots).index) if roots else None
    root_name = owner.get(first_root, first_root) if first_root else None
    other = owner.get(detail, detail) if detail else None
    shown = [m.key for m in own if m.verdict == "incorrect"]
    message = _message(verdict, diagnosis, root_name, other, expected)
    if verdict == "correct" and any(m.rounded for m in own):
        message = "Right, given your own earlier (rounded) numbers."
    return Result(a.name, a.given, expected, verdict, diagnosis, message,
                  a.keys, _lines(model, shown), a.line)


def _formula_result(a, model, tolerance) -> Result:
    """A formula (or a Jacobian of them) is right when its values are the right formula's
    at the problem's point and at the fixed points; else sign or factor_2, or transposed."""
    from .formulas import FORMULA_MISTAKES, same

    slots = model.formulas.slots
    close = tolerance.close
    expected = _map(a.keys, lambda k: slots[k].text)
    pairs = [(g, slots[k].values) for k, g, _ in _entries(a.keys, a.points, a.points)
             if g is not None]
    if a.transposed:
        flipped = [list(col) for col in zip(*a.keys)]
        right = all(same(g, slots[k].values, close)
                    for k, g, _ in _entries(flipped, _transpose(a.points), a.points) if g is not None)
        diagnosis = "transposed" if right else None
        return Result(a.name, a.given, expected, "incorrect", diagnosis,
                      _message("incorrect", diagnosis, None, None, expected), a.keys, (), a.line)
    if all(same(g, e, close) for g, e in pairs):
        return Result(a.name, a.given, expected, "correct", None, "Right.", a.keys, (), a.line)
    diagnosis = None
    square = isinstance(a.keys, list) and len(a.keys) > 1 and isinstance(a.keys[0], list) \
        and len(a.keys) == len(a.keys[0])
    if square:
        flipped = [list(col) for col in zip(*a.keys)]
        if all(same(g, slots[k].values, close) for k, g, _ in
               _entries(flipped, a.points, a.points) if g is not None):
            diagnosis = "transposed"
    wrong = [(k, g) for k, g, _ in _entries(a.keys, a.points, a.points)
             if g is not None and not same(g, slots[k].values, close)]
    for code, scales in FORMULA_MISTAKES if diagnosis is None else ():
        if wrong and any(all(same(g, slots[k].values, close, x) for k, g in wrong) for x in scales):
            diagnosis = code
            break
    for code in ("update_sign", "no_learning_rate") if diagnosis is None else ():
        if wrong and all(code in slots[k].mistakes and same(g, slots[k].mistakes[code], close)
                         for k, g in wrong):
            diagnosis = code
            break
    return Result(a.name, a.given, expected, "incorrect", diagnosis,
                  _message("incorrect", diagnosis, None, None, expected), a.keys, (), a.line)


def _transpose(matrix):
    return [list(col) for col in zip(*matrix)]


def _message(verdict, diagnosis, root, other, expected) -> str:
    if verdict == "correct":
        return "Right."
    if verdict == "carried":
        return (f"Right method, wrong input: this follows from your {root}, which is wrong "
                f"(error carried forward).")
    if diagnosis is not None:
        sentence = BY_CODE[diagnosis].sentence
        if other:
            sentence = sentence.rstrip(".") + f" ({other})."
        return sentence
    return "Not right, and not explained by your earlier answers or a common mistake."


def _lines(model, keys) -> tuple:
    seen, out = set(), []
    for k in keys:
        line = model.slots[k].line
        if line is not None and id(line) not in seen:
            seen.add(id(line))
            out.append(line)
    return tuple(out)


# nested lists of keys and values, walked together -------------------------------------------
def _indexed(keys, values, index=()):
    if isinstance(keys, list):
        for i, (k, v) in enumerate(zip(keys, values)):
            yield from _indexed(k, v, index + (i + 1,))
    else:
        yield keys, values, None, index


def _entries(keys, values, digits):
    if isinstance(keys, list):
        for k, v, d in zip(keys, values, digits):
            yield from _entries(k, v, d)
    else:
        yield keys, values, digits


def _flat(value):
    if isinstance(value, list):
        return [x for v in value for x in _flat(v)]
    return [value]


def _map(keys, f):
    return [_map(k, f) for k in keys] if isinstance(keys, list) else f(keys)
