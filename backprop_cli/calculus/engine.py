"""CalculusProblem -> CalculusSolution: every partial derivative with its rule, the chain
rule through the inner functions, the values at the point, the update. Never prints.

Numbers stay exact (Rationals) where they can; anything else is evaluated to PRECISION
significant digits and rounded only when printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from ..errors import EvaluationError, SpecError
from ..formula import FormulaError, parse_formula
from ..functions import leaky_relu, relu, step
from .magnitude import check_magnitude
from .naming import SOFTMAX_LETTERS, Naming
from .rules import partial, plus, tidy, times
from .softmax import recognise, softmax
from .spec import CalculusProblem

PRECISION = 50
_KINKS = {relu: "ReLU", leaky_relu: "LeakyReLU", sp.Abs: "|·|", step: "[· > 0]"}


@dataclass(frozen=True)
class Line:
    """One worked line: `lhs relation forms[0] = forms[1] = ...`, then optionally
    `substituted` printed with `values` put in for its symbols, then `value`."""

    lhs: sp.Expr
    forms: tuple = ()
    rule: tuple = ()  # rule keys (rules.py), empty when nothing needs saying
    substituted: sp.Expr | None = None
    values: dict = field(default_factory=dict)
    value: sp.Expr | None = None
    relation: str = "="
    written: bool = False  # forms[0] and `substituted` are formulas as the user wrote them


@dataclass(frozen=True)
class Chain:
    """J = (outer Jacobian, in the inner variables) · (inner Jacobian, in the variables)."""

    inner: tuple  # the inner variables: the inner functions used, then variables used directly
    outer: tuple[Line, ...]  # ∂f_i/∂u_k
    inner_lines: tuple[Line, ...]  # ∂u_k/∂w_j (inner functions only; a variable's row is 0/1)
    outer_matrix: tuple[tuple, ...]
    inner_matrix: tuple[tuple, ...]
    product: tuple[tuple, ...]  # the entries of the product, before tidying
    lines: tuple[Line, ...]  # ∂f_i/∂w_j = Σ_k ∂f_i/∂u_k ∂u_k/∂w_j = ... = result


@dataclass(frozen=True)
class Point:
    values: tuple  # (variable, number), as given
    inner: tuple[Line, ...]  # the inner functions' and softmax outputs' values
    lines: tuple[Line, ...]  # each entry of the result, with the numbers put in
    matrix: tuple[tuple, ...]  # the result's values


@dataclass(frozen=True)
class Update:
    symbol: sp.Symbol  # η, the learning rate's name
    lr: sp.Expr  # a number, or the symbol itself
    lines: tuple[Line, ...]  # w ← w − η ∂f/∂w = ...
    formulas: tuple  # (variable, new value in the variables)
    values: tuple | None  # (variable, new value) at the point


@dataclass(frozen=True)
class CalculusSolution:
    title: str | None
    notes: str | None
    names: dict  # Symbol -> graph.Name
    variables: tuple
    wrt: tuple
    defines: tuple[Line, ...]  # x = t
    functions: tuple[Line, ...]  # f = ... (as written)
    texts: dict  # for programs: {"define": {name: text}, "function": [text, ...]}
    softmax: tuple  # ((s_1, ..., s_n), (a_1, ..., a_n)) per softmax recognised
    gradient: bool  # one function: a gradient; several: a Jacobian
    label: sp.Symbol  # ∇_w f, J_F or ∂f/∂x: the result's name
    vector: sp.Symbol | None  # F, the vector of the components (Jacobian only)
    components: tuple
    partials: tuple[Line, ...]  # without inner functions: ∂f_i/∂w_j with its rule
    chain: Chain | None
    jacobian: tuple[tuple, ...]  # the result as printed (inner functions may stay named)
    expanded: tuple[tuple, ...]  # the result in the variables only (for programs)
    point: Point | None
    update: Update | None
    warnings: tuple[str, ...]
    kind: str = field(default="calculus", init=False)


def solve_calculus(problem: CalculusProblem) -> CalculusSolution:
    taken = set(problem.names) | {n for n, _ in problem.components if n is not None}
    naming = Naming(taken)
    variables = [naming.user(v) for v in problem.variables]
    inner = [naming.user(d) for d, _ in problem.defines]
    symbols = {s.name: s for s in variables + inner}
    order = {s: i for i, s in enumerate(variables + inner)}
    wrt = [symbols[w] for w in problem.wrt]

    def parse(text):
        formula = _parse(text, symbols)
        return formula, recognise(formula.expr, order)

    defines = [(d, *parse(text)) for d, (_, text) in zip(inner, problem.defines)]
    parsed = [parse(text) for _, text in problem.components]
    exprs = [expr for _, expr in parsed]
    single = len(parsed) == 1
    components, vector_name = naming.components([n for n, _ in problem.components], single)
    vector = None
    if vector_name is not None:
        vector = sp.Symbol(f"{vector_name.plain}:vector")
        naming.names[vector] = vector_name

    shown, groups = _softmax_symbols(naming, [e for _, _, e in defines] + exprs, order)
    warnings = []
    used_inner = [d for d, _, _ in defines if any(e.has(d) for e in exprs)]
    for d, _, _ in defines:
        if d not in used_inner:
            warnings.append(f"the inner function {d.name} is defined but the function does not use it")
    definition = {d: e for d, _, e in defines}

    if used_inner:
        chain, values = _chain(naming, components, exprs, used_inner, definition, wrt, shown)
        partials = ()
    else:
        chain = None
        partials, values = _partials(naming, components, exprs, wrt, shown)
    kept = _kept(values, used_inner)
    substitute = {d: definition[d] for d in used_inner if d not in kept}
    result = [[tidy(v.xreplace(substitute)) if substitute else v for v in row] for row in values]
    if chain is not None:
        chain = _finish_chain(chain, values, result, shown)
    expanded = [[v.xreplace(definition) for v in row] for row in values]

    label = naming.result(components, vector, wrt, problem.variables == problem.wrt)

    point = None
    if problem.at is not None:
        point, kinks = _point(naming, problem, variables, defines, groups, result, components, wrt,
                              shown, exprs)
        warnings.extend(kinks)
    update = None
    if problem.update is not None:
        update = _update(naming, problem, components[0], wrt, list(result[0]), list(expanded[0]),
                         point, shown)

    return CalculusSolution(
        title=problem.title, notes=problem.notes, names=naming.names,
        variables=tuple(variables), wrt=tuple(wrt),
        defines=tuple(Line(d, (f.display,), written=True) for d, f, _ in defines),
        functions=tuple(Line(c, _written_forms(f, e, shown), written=True)
                        for c, (f, e) in zip(components, parsed)),
        texts={"define": {d.name: text.text for d, (_, text) in zip(inner, problem.defines)},
               "function": [text.text for _, text in problem.components]},
        softmax=tuple(groups), gradient=single, label=label, vector=vector,
        components=tuple(components), partials=tuple(partials), chain=chain,
        jacobian=tuple(tuple(_show(v, shown) for v in row) for row in result),
        expanded=tuple(tuple(row) for row in expanded), point=point, update=update,
        warnings=tuple(warnings))


# -- parsing ------------------------------------------------------------------------------

def _parse(text, symbols):
    try:
        return parse_formula(text.text, symbols)
    except FormulaError as exc:
        column = text.column
        if column is not None and exc.column is not None:
            column += exc.column
        raise SpecError(exc.message, field=text.field, line=text.line, column=column) from None


def _written_forms(formula, expr, shown) -> tuple:
    """f = the formula as written, then (if a softmax was recognised) = s_j."""
    with_names = _show(expr, shown)
    if expr.atoms(softmax) and with_names != formula.display:
        return formula.display, with_names
    return (formula.display,)


def _softmax_symbols(naming: Naming, exprs, order) -> tuple[dict, list]:
    """Name the outputs of each softmax recognised: s1, s2, ... (p1, ... for a second one)."""
    shown, groups = {}, []
    seen = []
    for expr in exprs:
        for s in sorted(expr.atoms(softmax), key=lambda e: (sp.default_sort_key(e.arguments), e.index)):
            if s.arguments not in seen:
                seen.append(s.arguments)
    for arguments in seen:
        letter = naming.free_letter(SOFTMAX_LETTERS, len(arguments))
        outputs = tuple(naming.made_up(f"{letter}{k}", "softmax") for k in range(1, len(arguments) + 1))
        for k, symbol in enumerate(outputs, start=1):
            shown[softmax(k, *arguments)] = symbol
        groups.append((outputs, tuple(arguments)))
    return shown, groups


def _show(expr, shown: dict):
    """The expression as printed: each softmax output by its name s_j. Written forms stay
    as written (xreplace would evaluate them: −1 · (−s₂) would become s₂); SymPy's own
    products are rebuilt in SymPy's order, which the printers know how to write."""
    if not shown:
        return expr
    return _replace(expr, shown)


def _replace(expr, mapping: dict):
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [_replace(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        written = expr.func(*expr.args) != expr
        return expr.func(*args, evaluate=not written)
    return expr.func(*args)


# -- derivatives --------------------------------------------------------------------------

def _line(naming, top, var, expr, shown) -> tuple[Line, sp.Expr]:
    worked = partial(expr, var)
    forms = tuple(_show(f, shown) for f in (worked.form, worked.value) if f is not None)
    return Line(naming.derivative(top, var), forms, worked.rule), worked.value


def _partials(naming, components, exprs, wrt, shown):
    lines, values = [], []
    for c, expr in zip(components, exprs):
        row = []
        for w in wrt:
            line, value = _line(naming, c, w, expr, shown)
            lines.append(line)
            row.append(value)
        values.append(row)
    return lines, values


def _chain(naming, components, exprs, inner, definition, wrt, shown):
    direct = [w for w in wrt if any(e.has(w) for e in exprs)]
    middle = list(inner) + direct
    outer_lines, outer = [], []
    for c, expr in zip(components, exprs):
        row = []
        for u in middle:
            line, value = _line(naming, c, u, expr, shown)
            outer_lines.append(line)
            row.append(value)
        outer.append(row)
    inner_lines, inner_rows = [], []
    for u in middle:
        row = []
        for w in wrt:
            if u in definition:
                line, value = _line(naming, u, w, definition[u], shown)
                inner_lines.append(line)
            else:
                value = sp.Integer(1 if u == w else 0)
            row.append(value)
        inner_rows.append(row)
    product, values, lines = [], [], []
    for i, c in enumerate(components):
        product_row, value_row = [], []
        for j, w in enumerate(wrt):
            # the terms through inner variables that depend on w (∂z₂/∂θ₁₁ = 0 is left out)
            general = plus(*(sp.Mul(naming.derivative(c, u), naming.derivative(u, w), evaluate=False)
                             for k, u in enumerate(middle) if inner_rows[k][j] != 0))
            written = plus(*(sp.Mul(outer[i][k], inner_rows[k][j], evaluate=False)
                             for k in range(len(middle)) if outer[i][k] != 0 and inner_rows[k][j] != 0))
            value = tidy(sum((outer[i][k] * inner_rows[k][j] for k in range(len(middle))), sp.Integer(0)))
            product_row.append(written)
            value_row.append(value)
            said = (general, written) if _only_reordered(written, value) else (general, written, value)
            lines.append(Line(naming.derivative(c, w), said, ("chain",)))
        product.append(product_row)
        values.append(value_row)
    chain = Chain(inner=tuple(middle), outer=tuple(outer_lines), inner_lines=tuple(inner_lines),
                  outer_matrix=_matrix(outer, shown), inner_matrix=_matrix(inner_rows, shown),
                  product=_matrix(product, shown), lines=tuple(lines))
    return chain, values


def _only_reordered(written, value) -> bool:
    """(y − σ(z))x₀ = x₀(y − σ(z)) says nothing; 2x · 1 = 2x and 1 · 1 = 1 do."""
    return written.is_Mul and not any(f.is_Number for f in written.args) \
        and sp.Mul(*written.args) == value


def _finish_chain(chain: Chain, values, result, shown) -> Chain:
    """Each chain line ends with its entry in the variables (2x + 4t = 6t), where the
    inner functions were put in."""
    flat = [(v, r) for value_row, result_row in zip(values, result)
            for v, r in zip(value_row, result_row)]
    lines = []
    for line, (value, final) in zip(chain.lines, flat):
        forms = tuple(_show(f, shown) for f in line.forms)
        if final != value:
            forms += (_show(final, shown),)
        lines.append(Line(line.lhs, forms, line.rule))
    return Chain(chain.inner, chain.outer, chain.inner_lines, chain.outer_matrix,
                 chain.inner_matrix, chain.product, tuple(lines))


def _kept(values, inner) -> set:
    """Inner functions that stay named in the result: those inside a function's argument,
    like z in σ(z) (σ(θ₀x₀ + θ₁x₁) helps nobody). The others are put in: 2x + 4t -> 6t."""
    kept = set()
    for row in values:
        for v in row:
            for f in v.atoms(sp.Function):
                kept |= {d for d in inner if any(a.has(d) for a in f.args)}
    return kept


def _matrix(rows, shown) -> tuple:
    return tuple(tuple(_show(v, shown) for v in row) for row in rows)


# -- the point ----------------------------------------------------------------------------

def evaluate(expr: sp.Expr, values: dict, what: str) -> sp.Expr:
    """The exact value where there is one, else PRECISION digits; undefined -> EvaluationError."""
    check_magnitude(expr, values, what)
    result = expr.xreplace(values)
    if result.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise EvaluationError(f"{what} is undefined at the point (a division by zero or the "
                              f"logarithm of 0)", field="at")
    if result.free_symbols or result.is_Rational:
        return result
    number = result.evalf(PRECISION)
    if not number.is_finite or not number.is_real:
        raise EvaluationError(f"{what} is not a real number at the point", field="at")
    return number


def _point(naming, problem, variables, defines, groups, result, components, wrt, shown, exprs):
    by_name = {v.name: v for v in variables}
    given = {by_name[name]: sp.Rational(f.numerator, f.denominator) for name, f in problem.at}
    values = dict(given)
    inner_lines = []
    for d, formula, expr in defines:
        values[d] = evaluate(expr, given, d.name)
        inner_lines.append(Line(d, (formula.display,), (), formula.display, given, values[d],
                                written=True))
    for outputs, arguments in groups:
        for k, s in enumerate(outputs, start=1):
            definition = softmax(k, *arguments)
            values[s] = evaluate(definition, values, naming.names[s].plain)
            written = definition.rewrite(sp.exp)
            inner_lines.append(Line(s, (written,), (), written, values, values[s]))
    numbers = {**values, **{o: values[s] for o, s in shown.items()}}
    lines, matrix = [], []
    for i, c in enumerate(components):
        row = []
        for j, w in enumerate(wrt):
            entry = result[i][j]
            d = naming.derivative(c, w)
            value = evaluate(entry, numbers, naming.names[d].plain)
            shown_entry = _show(entry, shown)
            lines.append(Line(d, (shown_entry,), (), shown_entry, values, value))
            row.append(value)
        matrix.append(tuple(row))
    kinks = _kinks([e for _, _, e in defines] + list(exprs), values)
    point = Point(values=tuple(given.items()), inner=tuple(inner_lines), lines=tuple(lines),
                  matrix=tuple(matrix))
    return point, kinks


def _kinks(exprs, values) -> list[str]:
    warnings = []
    for expr in exprs:
        for kind, name in _KINKS.items():
            for f in expr.atoms(kind):
                if f.args[0].xreplace(values) == 0:
                    warnings.append(f"{name} is at its kink (argument 0) at the point; its "
                                    f"derivative there is taken as {'alpha' if kind is leaky_relu else 0}")
    return warnings


# -- the update ---------------------------------------------------------------------------

def _update(naming, problem, function, wrt, entries, expanded, point, shown) -> Update:
    eta = naming.learning_rate()
    lr = eta if problem.update.lr is None else _rational(problem.update.lr)
    numbers = dict(point.values) if point else {}
    at = {line.lhs: line.value for line in point.lines} if point else {}
    lines, formulas, new = [], [], []
    for w, entry, base in zip(wrt, entries, expanded):
        d = naming.derivative(function, w)
        general = sp.Add(w, sp.Mul(-1, eta, d, evaluate=False), evaluate=False)
        rate = lr if lr == eta else sp.Float(lr, PRECISION)  # printed as the decimal it is
        stepped = sp.Add(w, sp.Mul(-1, times(rate, _show(entry, shown)), evaluate=False),
                         evaluate=False) if entry != 0 else w
        formulas.append((w, w - lr * base))
        if point is None:
            lines.append(Line(w, (general, stepped), relation="←"))
            continue
        value = evaluate(numbers[w] - lr * at[d], {}, w.name)
        new.append((w, value))
        put_in = {w: numbers[w], d: at[d]}
        if lr != eta:
            put_in[eta] = lr
        lines.append(Line(w, (general,), (), general, put_in, value, relation="←"))
    return Update(symbol=eta, lr=lr, lines=tuple(lines), formulas=tuple(formulas),
                  values=tuple(new) if point else None)


def _rational(value: Fraction) -> sp.Rational:
    return sp.Rational(value.numerator, value.denominator)
