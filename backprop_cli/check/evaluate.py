"""SymPy formulas compiled once into plain float functions of a mapping key -> float.

Marking re-evaluates each formula many times (once per common mistake, with the student's
numbers put in), and SymPy's substitution costs a hundred times more than a float
operation; a check of a homework-size problem must take well under a second. A function
this module does not know is handed to SymPy (slow, but correct).
"""

from __future__ import annotations

import math

import sympy as sp

from ..functions import leaky_relu, relu, sigmoid, softmax, softplus, step

NAN = float("nan")


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


_ONE_ARGUMENT = {
    sp.exp: math.exp, sp.log: math.log, sp.tanh: math.tanh, sigmoid: _sigmoid,
    relu: lambda x: x if x > 0 else 0.0, step: lambda x: 1.0 if x > 0 else 0.0,
    softplus: _softplus, sp.Abs: abs, sp.sign: lambda x: float((x > 0) - (x < 0)),
    sp.sqrt: math.sqrt, sp.sin: math.sin, sp.cos: math.cos,
}


def slot_symbol(key: str) -> sp.Symbol:
    """The symbol standing for the slot `key` in a formula (§ keeps it apart from the
    problem's own symbols)."""
    return sp.Symbol("\u00a7" + key, real=True)


def compile_float(expr: sp.Expr):
    """f(env) -> float: `expr` with each slot symbol read as env[its key]. A value that is
    undefined there (log of a negative, overflow, a symbol left over) is NaN, which matches
    nothing."""
    inner = _compile(sp.sympify(expr))

    def run(env: dict) -> float:
        try:
            return float(inner(env))
        except (ArithmeticError, ValueError, TypeError, KeyError):
            return NAN

    return run


def _compile(expr):
    if expr.is_Number:
        value = float(expr)
        return lambda env: value
    if expr.is_Symbol:
        key = expr.name[1:] if expr.name.startswith("\u00a7") else None
        return lambda env: env[key]
    parts = [_compile(a) for a in expr.args]
    if expr.is_Add:
        return lambda env: math.fsum(p(env) for p in parts)
    if expr.is_Mul:
        def product(env):
            out = 1.0
            for p in parts:
                out *= p(env)
            return out
        return product
    if expr.is_Pow:
        base, power = parts
        return lambda env: base(env) ** power(env)
    one = _ONE_ARGUMENT.get(expr.func)
    if one is not None and len(parts) == 1:
        (a,) = parts
        return lambda env: one(a(env))
    if expr.func is leaky_relu:
        x, alpha = parts
        return lambda env: (lambda v: v if v > 0 else alpha(env) * v)(x(env))
    if expr.func is softmax:
        k, zs = int(expr.args[0]), parts[1:]

        def soft(env):
            values = [z(env) for z in zs]
            top = max(values)
            exps = [math.exp(v - top) for v in values]
            return exps[k - 1] / math.fsum(exps)
        return soft
    func = expr.func  # anything else: SymPy evaluates it at the numbers
    return lambda env: float(func(*[sp.Float(p(env), 20) for p in parts]).evalf(20))
