"""A student's answers file, read and checked against the problem's vocabulary.

The file has the shape of the solve JSON, any subset of it, in YAML or JSON: `loss`,
`gradients` ({w1: ..}, a matrix as nested lists), `samples` (a list, sample 1 first, each
a mapping of quantity names to numbers plus its `loss`), `updates` (a list, step 1 first,
each {params: {..}, loss: ..}); a calculus problem's `at` (the Jacobian at the point, or
{df1/dx: ..}) and `update` ({w0: ..}). A matrix may be given whole, with null for an entry
left out, or entry by entry (`W2.1.3: 0.5`, rows and columns from 1). Anything else is one
SpecError naming the place: exit status 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import SpecError
from ..suggest import did_you_mean
from ..yamlload import load_yaml


@dataclass
class Answer:
    name: str  # as written, list positions from 1: 'samples.2.h1', 'gradients.W2.1.3'
    keys: object  # a slot key, or nested lists of them (a vector or matrix given whole)
    given: object  # a float, or nested lists of floats and None (an entry left out)
    digits: object  # the significant digits written, the same shape
    line: int | None = None
    transposed: bool = False  # a matrix given in its transpose's shape
    points: object = None  # a formula's values at the check's points, the shape of `given`


_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def significant_digits(text: str) -> int | None:
    """The significant digits a number was written with: 0.00513 -> 3, 1.50 -> 3."""
    match = _NUMBER.match(text.strip())
    if not match:
        return None
    mantissa = re.split("[eE]", match.group().lstrip("+-"))[0].replace("_", "")
    digits = mantissa.replace(".", "").lstrip("0")
    return max(len(digits), 1)


class _Reader:
    def __init__(self, source: str, text: str, model):
        self.source, self.lines, self.model = source, text.splitlines(), model
        self.doc = None
        self.answers: list[Answer] = []

    def fail(self, message: str, name: str | None, path=()) -> SpecError:
        mark = self.doc.mark(path) if self.doc is not None else None
        return SpecError(message, field=name or None, line=mark.line if mark else None,
                         column=mark.column if mark else None).located(self.source)

    def read(self, text) -> list[Answer]:
        empty = SpecError("the answers file gives no numbers; write the ones you worked out, "
                          "like loss: 0.25 (README, 'Checking your own numbers')").located(self.source)
        if not self.lines or not "".join(self.lines).strip():
            raise empty
        self.doc = load_yaml(text)
        if not isinstance(self.doc.data, dict):
            raise self.fail("an answers file is a mapping: loss:, gradients:, samples:, "
                            "updates: (or at:, update: for a calculus problem)", None)
        if not self.model.slots and not self.formula_keys():
            raise SpecError("this problem's solution is all formulas (its values or sizes are "
                            "symbols): there are no numbers to check").located(self.source)
        self.walk(self.doc.data, (), [], [])
        if not self.answers:
            raise empty
        return self.answers

    # walking the file: `path` is the document's (for lines), `parts` the public name's
    def walk(self, data, path, parts, written) -> None:
        for key, value in data.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise self.fail(f"{key!r} is not a name", ".".join(written), path)
            if _statement(parts, key):
                continue
            step = str(key).split(".")
            self.visit(value, path + (key,), parts + step, written + step)

    def visit(self, value, path, parts, written) -> None:
        name = ".".join(written)
        if parts and parts[-1] == "values" and len(parts) >= 3 and parts[-3] == "samples":
            parts = parts[:-1]  # the solve JSON's samples: [{values: {..}, loss: ..}]
        if value is None or value == {}:
            return
        resolved = self.resolve(parts)
        if resolved is not None:
            key, index = resolved
            self.answer(key, index, value, path, name)
            return
        if isinstance(value, dict):
            self.walk(value, path, parts, written)
        elif isinstance(value, list) and parts and parts[-1] in ("samples", "updates"):
            for i, item in enumerate(value):
                self.visit(item, path + (i,), parts + [str(i + 1)], written + [str(i + 1)])
        else:
            raise self.fail(self.unknown(parts), name, path)

    def unknown(self, parts) -> str:
        wanted = ".".join(parts)
        if parts and parts[0] == "jacobian":
            return ("this problem has no jacobian to check (it is not a calculus problem); "
                    "give the numbers at the point under at:")
        if self.plain(wanted) in self.model.symbolic:
            return f"{wanted} is a formula in this problem, not a number; check marks numbers"
        known = list(self.model.tensors) + [k for k in self.model.slots
                                            if "_" not in k.rpartition(".")[2]
                                            or self.model.kind != "network"]
        return f"this problem has no quantity {wanted}{did_you_mean(wanted, known)}"

    @staticmethod
    def plain(wanted: str) -> str:
        return wanted

    # names -----------------------------------------------------------------------------
    def resolve(self, parts) -> tuple | None:
        """(slot or tensor key, entry index) for a public name, or None."""
        model = self.model
        for cut in range(len(parts), 0, -1):
            head, tail = parts[:cut], parts[cut:]
            if tail and not all(p.isdigit() for p in tail):
                continue
            for key in self.spellings(head):
                if key in model.tensors or (self.leaf(key) and not tail):
                    return key, tuple(int(p) for p in tail)
        return None

    def leaf(self, key: str) -> bool:
        return key in self.model.slots or key in self.formula_keys()

    def formula_keys(self) -> dict:
        return self.model.formulas.slots if self.model.formulas is not None else {}

    def spellings(self, parts) -> list[str]:
        """The keys a name may mean: dl/dz1, dL/dz1 and dl(2)/dz1 in sample 2 are one;
        update.w0 is update.values.w0."""
        key = ".".join(parts)
        out = [key]
        if len(parts) == 2 and parts[0] == "update":
            out.append(f"update.values.{parts[1]}")
        if len(parts) == 2 and parts[0] == "jacobian":
            out.append(f"derivatives.{parts[1]}")
        match = re.fullmatch(r"(.*samples\.(\d+)\.)d(?:l|L|l\(\d+\))/d(.+)", key)
        if match:
            head, k, rest = match.groups()
            out += [f"{head}d{top}/d{rest}" for top in ("L", f"l({k})", "l")]
        return out

    # values ----------------------------------------------------------------------------
    def answer(self, key, index, value, path, name) -> None:
        model = self.model
        if key in self.formula_keys():
            self.answers.append(Answer(name, key, value, None, self.line(path),
                                       points=self.formula(value, path, name)))
            return
        # a vector of one entry is named as its entry is (b2): a list means the vector
        whole = key in model.tensors and (index or isinstance(value, (list, dict)))
        if key in model.slots and not whole:
            self.answers.append(Answer(name, key, *self.number(value, path, name),
                                       line=self.line(path)))
            return
        label, keys = model.tensors[key]
        for i in index:
            if not isinstance(keys, list) or not 1 <= i <= len(keys):
                raise self.fail(f"{label} has no entry {'.'.join(map(str, index))}; "
                                f"it is {_shape_words(model.tensors[key][1])}", name, path)
            keys = keys[i - 1]
        if isinstance(value, dict):  # entries by position: {1: {3: 0.5}} or {"1.3": 0.5}
            self.walk(value, path, name.split("."), name.split("."))
            return
        if not isinstance(keys, list):
            self.answer(keys, (), value, path, name)
            return
        if not isinstance(value, list) and len(keys) == 1 and not isinstance(keys[0], list):
            value = [value]  # a vector of one entry given as its number
        if isinstance(value, list) and keys and isinstance(keys[0], list) and len(keys) == 1 \
                and value and not isinstance(value[0], list):
            value = [value]  # a one-row matrix given as a flat list
        given, digits, transposed = self.shaped(value, keys, path, name, label)
        points = None
        if _first(keys) in self.formula_keys():
            points = [[self.formula(v, path + (i, j), f"{name}.{i + 1}.{j + 1}")
                       for j, v in enumerate(row)] for i, row in enumerate(value)]
            given, digits = value, None
        self.answers.append(Answer(name, keys, given, digits, self.line(path), transposed, points))

    def shaped(self, value, keys, path, name, label):
        if not isinstance(value, list):
            raise self.fail(f"{label} is {_shape_words(keys)}: give it as a list, or its entries "
                            f"one by one", name, path)
        shape = _shape(keys)
        got = _shape(value)
        transposed = len(shape) == 2 and got == shape[::-1] and shape[0] != shape[1]
        if got != shape and not transposed:
            raise self.fail(f"{label} is {_shape_words(keys)}; this is {_shape_words(value)}",
                            name, path)
        if _first(keys) in self.formula_keys():
            return value, None, transposed  # formulas: read by formula() above
        if len(shape) == 1:
            pairs = [self.number(v, path + (i,), name, allow_none=True) for i, v in enumerate(value)]
            return [p[0] for p in pairs], [p[1] for p in pairs], False
        if len(shape) > 2:  # a kernel or a feature map: channels of rows
            def numbers(v, at):
                return [numbers(x, at + (i,)) for i, x in enumerate(v)] if isinstance(v, list) \
                    else self.number(v, at, name, allow_none=True)

            def part(v, k):
                return [part(x, k) for x in v] if isinstance(v, list) else v[k]
            pairs = numbers(value, path)
            return part(pairs, 0), part(pairs, 1), False
        rows = [[self.number(v, path + (i, j), name, allow_none=True) for j, v in enumerate(row)]
                for i, row in enumerate(value)]
        return ([[p[0] for p in row] for row in rows], [[p[1] for p in row] for row in rows],
                transposed)

    def formula(self, value, path, name):
        from .formulas import parse

        if value is None:
            return None
        return parse(value, self.model.formulas,
                     lambda message: self.fail(f"{name} {message}", name, path))

    def number(self, value, path, name, allow_none=False):
        if value is None and allow_none:
            return None, None
        if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
            shown = "a list" if isinstance(value, list) else "a mapping" \
                if isinstance(value, dict) else repr(value)
            raise self.fail(f"{name} must be a number, not {shown}", name, path)
        return float(value), self.digits(path)

    def digits(self, path) -> int | None:
        mark = self.doc.mark(path)
        if mark is None or mark.line > len(self.lines):
            return None
        return significant_digits(self.lines[mark.line - 1][mark.column - 1:])

    def line(self, path) -> int | None:
        mark = self.doc.mark(path)
        return mark.line if mark else None


#: The solve JSON's fields that state the problem or lay it out rather than answer it: a
#: copy of `backprop solve --format json` is an answers file (all of it right).
_STATEMENT = {(): {"format", "title", "notes", "steps", "warnings", "matrix_form", "function",
                   "define", "components", "variables", "wrt", "point",
                   "answers", "sums"},  # what ask: asks (the same numbers again); Σ formulas
              ("updates", None): {"step", "batch"}, ("update",): {"lr"}}


def _statement(parts, key) -> bool:
    shape = tuple(None if p.isdigit() else p for p in parts)
    return str(key) in _STATEMENT.get(shape, ())


def _first(keys):
    while isinstance(keys, list):
        keys = keys[0] if keys else None
    return keys


def _shape(value) -> tuple:
    """(n,) a vector, (r, c) a matrix, (c, h, w) a feature map; -1 where rows differ."""
    if not isinstance(value, list):
        return ()
    if value and all(isinstance(row, list) for row in value):
        inner = {_shape(row) for row in value}
        return (len(value),) + inner.pop() if len(inner) == 1 and -1 not in next(iter(inner)) \
            else (len(value), -1)
    return (len(value),)


def _shape_words(value) -> str:
    shape = _shape(value)
    if len(shape) == 2:
        return f"a {shape[0]}×{shape[1]} matrix" if shape[1] >= 0 else "rows of different lengths"
    if len(shape) > 2:
        return f"a {'×'.join(map(str, shape))} array"
    return f"a vector of {shape[0]}" if shape else "a number"


def read_answers(source: str, text, model) -> list[Answer]:
    """The answers in `text` (YAML or JSON), each resolved to the model's slots."""
    return _Reader(source, text if isinstance(text, str) else text.decode("utf-8", "replace"),
                   model).read(text)
