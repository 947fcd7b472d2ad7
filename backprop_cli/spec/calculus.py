"""The calculus form, YAML -> a validated, frozen CalculusProblem (no SymPy here).

    title: Jacobian of F(G(t))
    define: {x: t, y: t**2}               # optional inner functions, in order; each in the
                                          # variables and the inner functions above it
    function: [x**2 + 2*y, 3*x + 4*y**2]  # a formula (gradient), a list (Jacobian),
                                          # or a mapping name -> formula (named components)
    wrt: [t]                              # optional: default, every variable
    at: {t: 2}                            # optional: every variable gets a number
    update: {lr: 0.1}                     # optional: lr a number, or null / eta for η

The variables are the names the formulas use that `define` does not define; nothing
else is declared. Names are read from the formula text here, so that `wrt` and `at` can
be checked with their lines, after each formula's shape has been checked (by
formula_syntax.py, which imports no SymPy); the formulas are built (by formula.py,
safely) in the engine, which reports what only values show with the field and line kept.
"""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field
from fractions import Fraction

from .. import formula_syntax
from ..errors import SpecError
from ..yamlload import Flag
from . import budget
from .base import RESERVED, FormulaText, line_of
from .graph import check_notes_math
from .ask import read_ask
from .notation import DEFAULT as DEFAULT_NOTATION, Notation, read_notation
from .spelling import FILE, Spelling
from .sums import Samples, read_samples

KEYS = ("title", "notes", "define", "function", "wrt", "at", "update", "notation", "samples",
        "reduction", "one_hot", "ask")
MAX_COMPONENTS = 12
MAX_VARIABLES = 40
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


@dataclass(frozen=True)
class Update:
    lr: Fraction | None  # None: the symbol η


@dataclass(frozen=True)
class CalculusProblem:
    source: str
    title: str | None
    notes: str | None
    defines: tuple[tuple[str, FormulaText], ...]  # inner functions, in order
    components: tuple[tuple[str | None, FormulaText], ...]  # (name or None, formula)
    variables: tuple[str, ...]  # every free base variable, in order of first use
    wrt: tuple[str, ...]
    at: tuple[tuple[str, Fraction], ...] | None  # every variable, in the order written
    update: Update | None
    kind: str = field(default="calculus", init=False)
    lines: tuple = ()  # (field, line) of what a later stage may name: the point
    #: How the source writes fields, for a later stage's messages: "choose values in at:"
    spelling: Spelling = field(default=FILE, compare=False)
    notation: Notation = DEFAULT_NOTATION  # the course's notation: the rate's symbol here
    samples: Samples | None = None  # samples: m, the loss over m samples in Σ notation
    ask: tuple | None = None  # spec/ask.py: what the homework asks for; None: the default

    def line_of(self, field: str) -> int | None:
        return line_of(self.lines, field)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a formula may use: the variables and the inner functions."""
        return self.variables + tuple(name for name, _ in self.defines)


def formula_names(text: str) -> list[str]:
    """The names a formula uses, in order, without the functions it calls.

    Only a first reading: formula_syntax.py rejects what is not a formula."""
    names = []
    for match in _IDENTIFIER.finditer(text):
        name = match.group()
        called = text[match.end():].lstrip().startswith("(")
        if called or name in RESERVED or name in names:
            continue
        names.append(name)
    return names


def read_calculus(reader) -> CalculusProblem:
    """Validate the calculus form with `reader` (spec.base.Reader): every error names field and line."""
    top = reader.doc.data
    reader.unknown_keys((), top, KEYS, "the problem")
    title = reader.text(("title",), top["title"]) if top.get("title") is not None else None
    notes = reader.text(("notes",), top["notes"]) if top.get("notes") is not None else None
    if notes is not None:
        check_notes_math(notes, lambda msg: reader.fail(("notes",), msg))

    defines = _defines(reader, top.get("define"))
    defined = [name for name, _ in defines]
    paths, components = _components(reader, top["function"])

    spelling = reader.spelling
    for _, text in defines + components:  # a formula's own errors first: injection, syntax
        _check_formula(text, defined, spelling)
    variables: list[str] = []
    for position, (name, text) in enumerate(defines):
        path = ("define", name)
        for used in formula_names(text.text):
            if used == name:
                reader.fail(path, f"'{name}' is defined in terms of itself; write it in the "
                                  f"variables, like {spelling.entry('define', name, 't**2')}")
            if used in defined[position:]:
                # in order: a chain x -> u -> v is read top to bottom, so no cycle can form
                reader.fail(path, f"'{name}' uses '{used}', an inner function defined after "
                                  f"it; define '{used}' first (each inner function may use the "
                                  f"variables and the inner functions above it)")
            if used not in defined:
                _add_variable(reader, path, used, variables)
    for path, (name, text) in zip(paths, components):
        for used in formula_names(text.text):
            if name is not None and used == name:
                reader.fail(path, f"'{name}' names the function; it cannot also be a variable: "
                                  f"give the function another name, like f")
            if used not in defined:
                _add_variable(reader, path, used, variables)
    clashes = [n for n, _ in components if n is not None and (n in variables or n in defined)]
    if clashes:
        reader.fail(("function", clashes[0]), f"'{clashes[0]}' is already a variable or an "
                                               f"inner function; choose another name")
    if not variables:
        reader.fail(("function",), "the formulas use no variables; there is nothing to "
                                   "differentiate: write a formula in variables, like x**2 + 3*y")
    if len(variables) > MAX_VARIABLES:
        reader.fail(("function",), f"the formulas use {len(variables)} variables; the limit is "
                                   f"{MAX_VARIABLES}: differentiate a smaller function")

    wrt = _wrt(reader, top.get("wrt"), variables, defined)
    samples = read_samples(reader, top, variables, wrt, components)
    at = _at(reader, top["at"], variables, defined) if top.get("at") is not None else None
    update = _update(reader, top, components) if top.get("update") is not None else None
    work = budget.calculus_work(len(wrt), len(defines),
                                [budget.parts(text.text) for _, text in components],
                                sum(budget.parts(text.text) for _, text in defines))
    if budget.over(work):
        reader.fail(("define",) if defines else ("function",),
                    f"{len(components)} function{'s' * (len(components) != 1)} x "
                    f"{len(wrt)} variables x ({len(defines)} inner functions + the formulas' "
                    f"parts / 10) = {budget.describe(work)}: differentiate by fewer "
                    f"variables, or use fewer inner functions or shorter formulas")
    return CalculusProblem(source=reader.source, title=title, notes=notes, defines=defines,
                           components=components, variables=tuple(variables), wrt=wrt, at=at,
                           update=update, lines=(("at", reader.line(("at",))),) if at else (),
                           spelling=spelling, notation=read_notation(reader, top),
                           samples=samples,
                           ask=read_ask(reader, top))


def _check_formula(text: FormulaText, defined: list, spelling: Spelling) -> None:
    """Check `text` is a formula (formula_syntax.py: its shape, no SymPy) with every name
    it uses, so that what is not a formula (attribute access, a call of an unknown function,
    a string, a lambda) is reported as such, before its words are taken for variables in
    wrt: and at:. What only its values show (a division by zero, a power too large) is
    reported, with the same field and line, when the engine builds it."""
    names = [n for n in formula_names(text.text) + list(defined)
             if n.isidentifier() and not keyword.iskeyword(n)]
    try:
        formula_syntax.check(text.text, dict.fromkeys(names))
    except formula_syntax.FormulaError as exc:
        column = text.column
        if column is not None and exc.column is not None:
            column += exc.column
        message = exc.message if exc.cause != "size" else \
            f"{exc.reason}; name parts of it as inner functions {spelling.within('define')}"
        # (the advice of a formula too large: inner functions here, not the graph's nodes)
        raise SpecError(message, field=text.field, line=text.line, column=column) from None


def _add_variable(reader, path, name: str, variables: list) -> None:
    if name in variables:
        return
    if keyword.iskeyword(name) or name in ("True", "False", "None"):
        reader.fail(path, f"'{name}' is a reserved word, not a variable")
    reader.name(path, name, "a variable")
    variables.append(name)


def _defines(reader, value) -> tuple:
    if value is None:
        return ()
    raw = reader.mapping(("define",), value, "define")
    defines = []
    for name, text in raw.items():
        path = ("define", name)
        defines.append((reader.name(path, name, "an inner function"), reader.formula(path, text)))
    return tuple(defines)


def _components(reader, value) -> tuple:
    path = ("function",)
    if value is None:
        reader.fail(path, "needs a formula, like (2*x + 3*y)**2, or a list of formulas")
    if isinstance(value, list):
        if not value:
            reader.fail(path, "the list of functions is empty; write at least one formula, "
                              "like [x**2 + y, x*y]")
        paths = [path + (i,) for i in range(len(value))]
        names = [None] * len(value)
        texts = value
    elif isinstance(value, dict):
        if not value:
            reader.fail(path, "the mapping of functions is empty; write at least one, like "
                              "{f: x**2 + y}")
        paths = [path + (k,) for k in value]
        names = [reader.name(p, k, "a function name") for p, k in zip(paths, value)]
        texts = list(value.values())
    else:
        paths, names, texts = [path], [None], [value]
    if len(paths) > MAX_COMPONENTS:
        reader.fail(path, f"has {len(paths)} components; the limit is {MAX_COMPONENTS}: split "
                          f"it into several problems")
    return paths, tuple((n, reader.formula(p, t)) for p, n, t in zip(paths, names, texts))


def _wrt(reader, value, variables: list, defined: list) -> tuple:
    path = ("wrt",)
    if value is None:
        return tuple(variables)
    items = value if isinstance(value, list) else [value]
    if not items:
        spelling = reader.spelling
        reader.fail(path, f"needs at least one variable, like "
                          f"{spelling.listing('wrt', variables[:2])}; "
                          f"or {spelling.leave_out('wrt')} for every variable")
    wrt = []
    for i, item in enumerate(items):
        where = path + (i,) if isinstance(value, list) else path
        name = reader.name(where, item, "a variable")
        if name in defined:
            reader.fail(where, f"'{name}' is an inner function ({reader.spelling.key('define')}); "
                               f"differentiate by the variables it is made of: "
                               f"{', '.join(variables)}")
        if name not in variables:
            reader.fail(where, f"'{name}' does not appear in any formula{_hint(name, variables)}")
        if name in wrt:
            reader.fail(where, f"'{name}' is listed twice; list each variable once")
        wrt.append(name)
    return tuple(wrt)


def _at(reader, value, variables: list, defined: list) -> tuple:
    path = ("at",)
    spelling = reader.spelling
    raw = reader.mapping(path, value, "at")
    for key in raw:
        if key in defined:
            reader.fail(path + (key,), f"'{key}' is an inner function ({spelling.key('define')}); "
                                       f"its value follows from the variables: remove it from "
                                       f"{spelling.key('at')} and give values for "
                                       f"{', '.join(variables)}")
        if key not in variables:
            reader.fail(path + (key,), f"'{key}' does not appear in any formula"
                                       f"{_hint(str(key), variables)}")
    missing = [v for v in variables if v not in raw]
    if missing:
        reader.fail(path, f"needs a value for every variable; missing: {', '.join(missing)} "
                          f"({spelling.add_entry('at', missing[0], '1')})")
    return tuple((v, reader.number(path + (v,), raw[v], allow_null=False)) for v in raw)


def _update(reader, top, components) -> Update:
    path = ("update",)
    raw = reader.mapping(path, top["update"], "update")
    reader.unknown_keys(path, raw, ("lr",), "update")
    if len(components) != 1:
        reader.fail(path, "a gradient-descent step needs one function (a gradient), "
                          f"not {len(components)}: {reader.spelling.remove('update')}, or "
                          f"differentiate one function")
    if "lr" not in raw:
        reader.fail(path, "needs a learning rate 'lr:' (a number, or null or eta for the symbol η)")
    lr = raw["lr"]
    if isinstance(lr, str) and not isinstance(lr, Flag):
        if lr.strip() in ("eta", "η"):
            return Update(lr=None)
        reader.fail(path + ("lr",), f"'{lr}' is not a number; write a number, or eta (or null) "
                                    f"for the symbol η")
    lr = reader.number(path + ("lr",), lr, allow_null=True)
    reader.check_lr(path + ("lr",), lr)
    return Update(lr=lr)


def _hint(name: str, variables: list) -> str:
    close = difflib.get_close_matches(name, variables, n=1, cutoff=0.5)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f" (variables: {', '.join(variables)}); remove it, or check its spelling"

