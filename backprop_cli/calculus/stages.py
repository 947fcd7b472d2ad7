"""The chain rule through inner functions of any depth (define: u in x, v in u, ...),
stage by stage, as it is taught: ∂f/∂x = ∂f/∂v · ∂v/∂u · ∂u/∂x.

Each inner function has a level: 1 above the highest of the inner functions it uses (a
variable is level 0). The stages run from what the functions use down to the variables:
a stage holds the next stage's inner functions of the level being taken apart, and
passes the others down unchanged (their row of the stage's Jacobian is 0s and a 1). The
Jacobian is the product of the stages' Jacobians; each entry's chain-rule line sums the
products along the paths from the function to the variable. One level (F(G(t))) is
engine._chain's, whose output this does not change.
"""

from __future__ import annotations

import sympy as sp

from .naming import show
from .rules import plus, tidy
from .solution import Chain, Line

#: An entry with more paths than this is not written out as a sum of path products: the
#: stages' matrices in the Jacobian section show it.
MAX_PATHS = 8


def reachable(exprs, definition: dict, inner: list) -> list:
    """The inner functions the functions use, directly or through other inner ones, in
    the order they were defined."""
    used, todo = set(), [s for e in exprs for s in e.free_symbols if s in definition]
    while todo:
        d = todo.pop()
        if d not in used:
            used.add(d)
            todo.extend(s for s in definition[d].free_symbols if s in definition)
    return [d for d in inner if d in used]


def is_deep(definition: dict, used: list) -> bool:
    """Whether an inner function the functions use is made of another inner function."""
    return any(definition[d].free_symbols & set(definition) for d in used)


def stages(exprs, definition: dict, used: list, wrt: list) -> list[list]:
    """The stages, from the symbols the functions use down to wrt (the last one)."""
    level = {}
    for d in used:  # in the order defined: every inner function it uses is above it
        level[d] = 1 + max((level[s] for s in definition[d].free_symbols if s in level), default=0)
    rank = {s: i for i, s in enumerate(list(used) + list(wrt))}

    def ordered(symbols):
        return sorted(set(symbols), key=rank.__getitem__)

    current = ordered(s for e in exprs for s in e.free_symbols if s in rank)
    out = [current]
    for k in range(max(level[s] for s in current if s in level), 0, -1):
        below = []
        for s in current:
            if level.get(s) == k:
                below.extend(t for t in definition[s].free_symbols if t in rank)
            else:
                below.append(s)
        current = ordered(below)
        out.append(current)
    out[-1] = list(wrt)  # every variable differentiated by is a column, used or not
    return out


def deep_chain(naming, components, exprs, definition, used, wrt, shown, line):
    """The Chain through every stage, and the product's entries (in the stages' symbols).
    `line(naming, top, var, expr, shown)` is engine._line: one partial derivative worked."""
    steps = stages(exprs, definition, used, wrt)
    outer_lines, outer, local = [], [], []
    for c, e in zip(components, exprs):
        row = []
        for s in steps[0]:
            worked, value = line(naming, c, s, e, shown)
            outer_lines.append(worked)
            row.append(value)
            if value != 0:
                local.append((worked.lhs, value))
        outer.append(row)
    factors, factor_lines = [], []
    for upper, lower in zip(steps, steps[1:]):
        rows = []
        for s in upper:
            row = []
            for t in lower:
                if s in definition and s not in lower:  # taken apart at this stage
                    worked, value = line(naming, s, t, definition[s], shown)
                    factor_lines.append(worked)
                    if value != 0:
                        local.append((worked.lhs, value))
                else:  # passed down
                    value = sp.Integer(1 if s == t else 0)
                row.append(value)
            rows.append(row)
        factors.append(rows)
    product = sp.Matrix(outer)
    for rows in factors:
        product = product * sp.Matrix(rows)
    values = [[tidy(product[i, j]) for j in range(len(wrt))] for i in range(len(components))]
    lines = []
    for i, c in enumerate(components):
        for j, w in enumerate(wrt):
            paths = _paths(outer[i], factors, steps, j)
            if len(paths) > MAX_PATHS or not paths:
                said = (values[i][j],)
            else:
                general = plus(*(_product(naming, [c] + [steps[k][p] for k, p in enumerate(path)]
                                          + [w]) for path, _ in paths))
                written = plus(*(sp.Mul(*factors_, evaluate=False) if len(factors_) > 1
                                 else factors_[0] for _, factors_ in paths))
                said = (general, written, values[i][j])
            lines.append(Line(naming.derivative(c, w), said, ("chain",)))
    chain = Chain(inner=tuple(steps[0]), outer=tuple(outer_lines), inner_lines=tuple(factor_lines),
                  outer_matrix=_matrix(outer, shown), inner_matrix=_matrix(factors[0], shown),
                  product=_matrix(values, shown), lines=tuple(lines),
                  deeper=tuple((tuple(lower), _matrix(rows, shown))
                               for lower, rows in zip(steps[1:-1], factors[1:])),
                  local=tuple(local))
    return chain, values


def _paths(outer_row, factors, steps, column) -> list:
    """Every path from the function down to variable `column` whose factors are all
    nonzero: (the index in each stage but the last, the factors, passed-down 1s left out)."""
    found = []

    def walk(k, index, taken, said):
        if k == len(factors):
            if index == column:
                found.append((tuple(taken), said))
            return
        for nxt, value in enumerate(factors[k][index]):
            if value != 0 and len(found) <= MAX_PATHS:
                passed = steps[k][index] == steps[k + 1][nxt]
                walk(k + 1, nxt, taken + [index], said if passed else said + [value])

    for start, value in enumerate(outer_row):
        if value != 0:
            walk(0, start, [], [value])
    return found


def _product(naming, chain_symbols):
    """∂f/∂v · ∂v/∂u · ∂u/∂x along one path, a symbol passed down named once."""
    kept = [s for k, s in enumerate(chain_symbols) if k == 0 or s != chain_symbols[k - 1]]
    factors = [naming.derivative(a, b) for a, b in zip(kept, kept[1:])]
    return sp.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]


def in_variables(values, definition: dict, used: list, kept) -> list:
    """The entries with the inner functions put in, level after level, except those that
    `kept(rows, used)` keeps named (inside a function's argument, like u in tanh(u))."""
    current = values
    for _ in range(len(used) + 1):
        stay = kept(current, used)
        put = {d: definition[d] for d in used if d not in stay
               and any(v.has(d) for row in current for v in row)}
        if not put:
            break
        current = [[v.xreplace(put) for v in row] for row in current]
    return [[tidy(v) for v in row] for row in current]


def expand(definition: dict, used: list) -> dict:
    """Each inner function in the variables alone (for programs, and the update rule)."""
    full = {}
    for d in used:
        full[d] = definition[d].xreplace(full)
    return full


def _matrix(rows, shown) -> tuple:
    return tuple(tuple(show(v, shown) for v in row) for row in rows)
