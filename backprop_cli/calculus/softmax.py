"""Softmax, recognised where a formula writes it out: exp(a_j) / (exp(a_1) + ... + exp(a_n)).

Formulas have no softmax function (it returns a vector); a user writes each component
out, as a textbook defines it. The engine replaces that quotient by `softmax(j, a_1, ...,
a_n)`, whose derivative is the textbook's s_j (delta_ij - s_i) instead of SymPy's
quotient-rule expansion, and names the components s_1, ..., s_n for printing.
"""

from __future__ import annotations

import sympy as sp

from ..functions import softmax  # the same function a layered softmax layer applies


def to_exp(expr: sp.Expr) -> sp.Expr:
    """Write every softmax out again as exp(a_j) / sum_k exp(a_k)."""
    return expr.replace(lambda e: isinstance(e, softmax), lambda e: e.rewrite(sp.exp))


def recognise(expr: sp.Expr, order: dict) -> sp.Expr:
    """Replace each exp(a_j) / (exp(a_1) + ... + exp(a_n)) (n >= 2) by softmax(j, a_1..a_n).

    `order` (Symbol -> position) orders the a_k when they are variables, so z1, z2, z10
    keep the order the user wrote them in."""
    def rank(a):
        return (0, order[a], "") if a in order else (1, 0, sp.srepr(a))

    def group(denominator):
        terms = sp.Add.make_args(denominator)
        if len(terms) < 2 or not all(isinstance(t, sp.exp) for t in terms):
            return None
        arguments = sorted((t.args[0] for t in terms), key=rank)
        return arguments if len(set(arguments)) == len(arguments) else None

    def rewrite(mul):
        factors = list(mul.args)
        for d, den in enumerate(factors):
            if not (den.is_Pow and den.exp == -1):
                continue
            arguments = group(den.base)
            if arguments is None:
                continue
            for n, num in enumerate(factors):
                if isinstance(num, sp.exp) and num.args[0] in arguments:
                    j = arguments.index(num.args[0]) + 1
                    rest = [f for k, f in enumerate(factors) if k not in (d, n)]
                    return sp.Mul(*rest) * softmax(j, *arguments)
        return mul

    return expr.replace(lambda e: e.is_Mul, rewrite)
