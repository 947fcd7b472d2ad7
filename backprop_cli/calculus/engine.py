"""CalculusProblem -> CalculusSolution: every partial derivative with its rule, the chain
rule through the inner functions, then (point.py) the values at the point and the update.
Never prints.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from ..errors import EvaluationError, SpecError
from ..formula import FormulaError, parse_formula
from .naming import SOFTMAX_LETTERS, Naming, show
from .point import at_point, gradient_step
from .rules import partial, plus, tidy
from .softmax import recognise, softmax
from .solution import CalculusSolution, Chain, Line
from .stages import deep_chain, expand, in_variables, is_deep, reachable, stages
from .sums import sample_sums
from ..spec import CalculusProblem


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
    definition = {d: e for d, _, e in defines}
    used_inner = reachable(exprs, definition, inner)
    for d, _, _ in defines:
        if d not in used_inner:
            warnings.append(f"the inner function {d.name} is defined but the function does not use it")

    if is_deep(definition, used_inner):  # inner functions of inner functions: stages.py
        chain, values = deep_chain(naming, components, exprs, definition, used_inner, wrt, shown, _line)
        partials = ()
        result = in_variables(values, definition, used_inner, _kept)
    else:
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
    full = expand(definition, inner)
    expanded = [[v.xreplace(full) for v in row] for row in values]

    levels = len(stages(exprs, definition, used_inner, wrt)) - 1 if used_inner else 0
    label = naming.result(components, vector, wrt, problem.variables == problem.wrt, levels)

    point = None
    update = None
    try:
        if problem.at is not None:
            point, kinks = at_point(naming, problem, variables, defines, groups, result, components,
                                    wrt, shown, exprs, chain)
            warnings.extend(kinks)
        if problem.update is not None and problem.samples is None:  # else: Σ's update
            update = gradient_step(naming, problem, components[0], wrt, list(result[0]),
                                   list(expanded[0]), point, shown)
    except EvaluationError as exc:  # a value undefined at the point: the line of at:
        if exc.field == problem.spelling.field(("at",)) and exc.line is None:
            exc.line = problem.line_of("at")
        raise

    sums = None
    if problem.samples is not None:  # samples: m, the loss and its gradient in Σ notation
        # the function as the Given writes it last: in s₁, s₂ where a softmax was recognised
        sums = sample_sums(naming, problem, variables, components[0],
                           _written_forms(parsed[0][0], parsed[0][1], shown)[-1],
                           exprs[0], definition, wrt, result[0], expanded[0], shown)
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
        jacobian=tuple(tuple(show(v, shown) for v in row) for row in result),
        expanded=tuple(tuple(row) for row in expanded), point=point, update=update,
        warnings=tuple(warnings), sums=sums)


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
    with_names = show(expr, shown)
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


# -- derivatives --------------------------------------------------------------------------

def _line(naming, top, var, expr, shown) -> tuple[Line, sp.Expr]:
    worked = partial(expr, var)
    forms = tuple(show(f, shown) for f in (worked.form, worked.value) if f is not None)
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
    outer_lines, outer = _partials(naming, components, exprs, middle, shown)
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
            # only the paths that exist: ∂f/∂z₂ · ∂z₂/∂θ₁₁ with ∂z₂/∂θ₁₁ = 0 is left out
            general = plus(*(sp.Mul(naming.derivative(c, u), naming.derivative(u, w), evaluate=False)
                             for k, u in enumerate(middle)
                             if outer[i][k] != 0 and inner_rows[k][j] != 0))
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
        forms = tuple(show(f, shown) for f in line.forms)
        if final != value:
            forms += (show(final, shown),)
        lines.append(Line(line.lhs, forms, line.rule))
    return dataclasses.replace(chain, lines=tuple(lines))


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
    return tuple(tuple(show(v, shown) for v in row) for row in rows)


