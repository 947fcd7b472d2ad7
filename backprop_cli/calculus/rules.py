"""One partial derivative, worked: the rule used, the rule applied, the tidy result.

Rules are read off the top-level operation of the formula (a sum: the sum rule; a
product: the product or quotient rule; a power or a known function of a compound
argument: the chain rule with that derivative), one line each, as a person writes them.
Inner derivatives inside the applied form are already worked out and tidied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from ..functions import maximum, minimum, step
from ..vocab import activations
from .softmax import softmax

MAX_EXPANDED_TERMS = 2000

#: A known function's rule key (layout.py holds the words and formulas for each key): the
#: activations a formula calls (vocab/activations.py), then the other functions.
KNOWN = {**{a.function: a.name for a in activations.in_formulas()},
         sp.log: "log", sp.exp: "exp", sp.Abs: "abs", softmax: "softmax", step: "step",
         maximum: "max", minimum: "min"}
#: Functions of several arguments, each differentiated by all of them: Σ_k f_k · a_k′.
_SEVERAL = (softmax, maximum, minimum)


@dataclass(frozen=True)
class Partial:
    rule: tuple[str, ...]  # keys, e.g. ("chain", "sigmoid"); () when nothing needs saying;
    # ("independent",): the formula does not contain the variable, the derivative is 0
    form: sp.Expr | None  # the rule applied (unevaluated), None when it adds nothing
    value: sp.Expr  # the derivative, tidied


def partial(expr: sp.Expr, var: sp.Symbol) -> Partial:
    """d expr / d var with the rule of its top-level operation."""
    value = tidy(sp.diff(expr, var))
    rule, form = _rule(expr, var)
    if form is not None and (form == value or _same_text(form, value)):
        form = None
    if rule not in (("independent",), ("derivative",)):
        rule = rules_used(expr, var)
    return Partial(rule, form, value)


def rules_used(expr: sp.Expr, var: sp.Symbol) -> tuple[str, ...]:
    """Every rule the derivative uses, outermost first, each once: ∂(ab + c)/∂a = b uses
    the sum rule and the constant factor; ∂ log σ(z)/∂z the chain rule with log′ and σ′.
    (A term without the variable differentiates to 0 by no named rule.)"""
    keys: list[str] = []
    _collect(expr, var, keys)
    return tuple(dict.fromkeys(keys))


def _collect(expr, var, keys: list) -> None:
    if not expr.has(var) or expr == var:
        return
    if expr.is_Add:
        keys.append("sum")
        for term in expr.args:
            _collect(term, var, keys)
    elif expr.is_Mul:
        varying = [f for f in expr.args if f.has(var)]
        if len(varying) < len(expr.args):
            keys.append("constant")
        below = [f for f in varying if f.is_Pow and f.exp.is_negative]
        if len(varying) > 1:
            # what _product writes: u/v by the quotient rule, else the product rule
            keys.append("quotient" if below else "product")
            for f in varying:
                _collect(1 / f if f in below else f, var, keys)
        else:
            _collect(varying[0], var, keys)
    elif expr.is_Pow:
        base, exponent = expr.args
        if not exponent.has(var):
            keys += ["power"] if base == var else ["chain", "power"]
            _collect(base, var, keys)
        elif not base.has(var):
            keys += ["exponential"] if exponent == var else ["chain", "exponential"]
            _collect(exponent, var, keys)
        else:
            keys.append("derivative")
    elif isinstance(expr, _SEVERAL):
        key = next(k for kind, k in KNOWN.items() if isinstance(expr, kind))
        keys.append(key)
        if not _plain_arguments(expr, var):
            keys.insert(len(keys) - 1, "chain")
            for a in _arguments(expr):
                _collect(a, var, keys)
    elif isinstance(expr, sp.Function):
        key = next((k for kind, k in KNOWN.items() if isinstance(expr, kind)), "derivative")
        argument = expr.args[0]
        keys += [key] if argument == var else ["chain", key]
        _collect(argument, var, keys)
    else:
        keys.append("derivative")


def tidy(expr: sp.Expr) -> sp.Expr:
    """The shortest of the expression, its expansion and its factorisation (ties: the first).
    y(1 - s) - (1 - y)s becomes y - s; s(1 - s) and 8x + 12y stay as they are."""
    # A product with a sum inside: pull a common factor out first, 2(1 - t²) not 2 - 2t².
    # A sum stays a sum unless something is strictly shorter: 2x + 4t, not 2(x + 2t).
    candidates = [sp.factor_terms(expr), expr] if expr.is_Mul else [expr]
    if expanded_terms(expr) > MAX_EXPANDED_TERMS:
        return candidates[0]  # (a + ... + h)**20 multiplied out would not fit in memory
    if _huge_exponent(expr):
        return candidates[0]  # exp(x + 1e30): factor would build a polynomial of that degree
    for rewrite in (sp.expand, sp.factor):
        try:
            candidates.append(rewrite(expr))
        except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
            pass
    return min(candidates, key=sp.count_ops)  # min keeps the first of equals


def _huge_exponent(expr) -> bool:
    """An exponent (of exp or a power) holding a number over 1000 in size: expanding or
    factoring treats exp(x + c) as exp(x)·exp(c), and the polynomial code a power of
    degree c."""
    for part in expr.atoms(sp.exp, sp.Pow):
        exponent = part.args[0] if isinstance(part, sp.exp) else part.exp
        if any(abs(n) > 1000 for n in exponent.atoms(sp.Number)):
            return True
    return False


def expanded_terms(expr) -> int:
    """How many terms `expr` would have multiplied out (an upper bound)."""
    if expr.is_Add:
        return sum(expanded_terms(a) for a in expr.args)
    if expr.is_Mul:
        return math.prod(expanded_terms(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1:
        k = expanded_terms(expr.base)
        return math.comb(int(expr.exp) + k - 1, k - 1)  # monomials of degree n in k terms
    return 1


def times(*factors) -> sp.Expr:
    """The product as written (unevaluated), leaving out factors of 1."""
    kept = [f for f in factors if f != 1]
    if not kept:
        return sp.Integer(1)
    if len(kept) == 1:
        return kept[0]
    return sp.Mul(*kept, evaluate=False)


def plus(*terms) -> sp.Expr:
    """The sum as written (unevaluated), leaving out terms that are 0."""
    kept = [t for t in terms if t != 0]
    if not kept:
        return sp.Integer(0)
    if len(kept) == 1:
        return kept[0]
    return sp.Add(*kept, evaluate=False)


def _rule(expr, var):
    if not expr.has(var):
        return ("independent",), None
    if expr == var:
        return (), None
    if expr.is_Add:
        return ("sum",), plus(*(tidy(sp.diff(t, var)) for t in expr.args))
    if expr.is_Mul:
        return _product(expr, var)
    if expr.is_Pow:
        return _power(expr, var)
    if isinstance(expr, sp.Function):
        return _function(expr, var)
    return ("derivative",), None


def _product(expr, var):
    constant = sp.Mul(*[f for f in expr.args if not f.has(var)])
    varying = [f for f in expr.args if f.has(var)]
    if len(varying) == 1:
        inner_rule, _ = _rule(varying[0], var)
        d = tidy(sp.diff(varying[0], var))
        return ("constant",) + inner_rule, times(constant, d)
    below = [f for f in varying if f.is_Pow and f.exp.is_negative]
    if below:
        u = sp.Mul(*[f for f in varying if f not in below])
        v = sp.Mul(*[1 / f for f in below])
        du, dv = tidy(sp.diff(u, var)), tidy(sp.diff(v, var))
        # (u'v - uv')/v^2 with every factor shown, 1s included: the rule is the point here
        top = plus(sp.Mul(du, v, evaluate=False),
                   sp.Mul(-1, sp.Mul(u, dv, evaluate=False), evaluate=False) if dv != 0 else 0)
        form = times(constant, sp.Mul(top, sp.Pow(sp.Pow(v, 2, evaluate=False), -1, evaluate=False),
                                       evaluate=False))
        return ("quotient",), form
    terms = []
    for k, f in enumerate(varying):
        d = tidy(sp.diff(f, var))
        if d != 0:
            others = [g for m, g in enumerate(varying) if m != k]
            terms.append(times(*others, d))
    return ("product",), times(constant, plus(*terms))


def _power(expr, var):
    base, exponent = expr.args
    if not exponent.has(var):
        d = tidy(sp.diff(base, var))
        lowered = sp.Pow(base, exponent - 1, evaluate=False) if exponent - 1 != 1 else base
        rule = ("power",) if base == var else ("chain", "power")
        return rule, times(exponent, lowered, d)
    if not base.has(var):
        d = tidy(sp.diff(exponent, var))
        rule = ("exponential",) if exponent == var else ("chain", "exponential")
        return rule, times(expr, sp.log(base), d)
    return ("power",), None


def _function(expr, var):
    key = next((k for kind, k in KNOWN.items() if isinstance(expr, kind)), "derivative")
    if isinstance(expr, _SEVERAL):
        arguments = _arguments(expr)
        if _plain_arguments(expr, var):
            return (key,), None
        first = 2 if isinstance(expr, softmax) else 1  # softmax's first argument is k
        terms = []
        for i, a in enumerate(arguments, start=first):
            d = tidy(sp.diff(a, var))
            if d != 0:
                terms.append(times(expr.fdiff(i), d))
        return ("chain", key), plus(*terms)
    argument = expr.args[0]
    if argument == var:
        return (key,), None
    outer = expr.fdiff(1)
    d = tidy(sp.diff(argument, var))
    return ("chain", key), times(outer, d)


def _arguments(expr) -> tuple:
    return expr.arguments if isinstance(expr, softmax) else expr.args


def _plain_arguments(expr, var) -> bool:
    """softmax(z₁, z₂) in z₁, max(a, b) in a: no inner derivative to multiply by.
    (max(a, 2a) in a is the chain rule: 1 · [a wins] + 2 · [2a wins].)"""
    if isinstance(expr, softmax):
        return all(a.is_Symbol for a in expr.arguments)
    return sum(1 for a in expr.args if a.has(var)) == 1 and var in expr.args


def _same_text(a, b) -> bool:
    return sp.srepr(a) == sp.srepr(b)
