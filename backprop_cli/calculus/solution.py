"""What the calculus engine produces: a worked solution as data, for the renderers.

Every expression is SymPy; every symbol's written form is in `names` (naming.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp


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
    said: tuple = ()  # a sentence after the line, as parts: which argument of a max wins


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
    #: inner functions of inner functions (stages.py): each further stage below `inner`,
    #: (its symbols, their Jacobian in the next stage down, the last one's in wrt);
    #: `inner_matrix` is then the Jacobian of `inner` in the first of them
    deeper: tuple = ()
    #: (∂a/∂b, its formula) for every nonzero factor of a deeper chain, to evaluate
    local: tuple = ()


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
    sums: object = None  # samples: m, the Σ lines and formulas (calculus/sums.py Sums)
    answers: tuple = ()  # what the problem asks for (answers.py), set by the pipeline
