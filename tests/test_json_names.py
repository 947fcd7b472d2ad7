"""JSON formula strings read back with plain `sympy.sympify` to the right value for any
name the spec accepts (issue 12), including the names SymPy and Python own (E is Euler's
number to sympify, I the imaginary unit, N a function, ln the logarithm, max a builtin)."""

from __future__ import annotations

import random

import pytest
import sympy as sp

import backprop_cli as bp

OWNED = ["E", "I", "S", "N", "O", "Q", "C", "gamma", "beta", "zeta", "pi", "ln", "li", "re",
         "im", "sign", "Max", "exp", "max", "min", "abs", "sum", "oo", "nan", "zoo", "E1",
         "Symbol", "var", "test", "ff", "rf", "Lambda"]


def spec(name: str) -> dict:
    return {"inputs": ["x"], "params": {name: None, "w": 0.5},
            "nodes": {"h": f"tanh({name}*x)", "yhat": "w*h"},
            "data": [{"x": 2, "y": 1}], "loss": "squared_error"}


def same_value(text: str, expected: sp.Expr) -> bool:
    """sympify(text) and `expected` agree at random points (symbols matched by name)."""
    read = sp.sympify(text)
    assert not read.has(sp.E, sp.I, sp.pi, sp.oo, sp.zoo, sp.nan), read
    names = sorted({s.name for s in read.free_symbols | expected.free_symbols})
    for _ in range(3):
        point = {n: sp.Rational(random.randint(-9, 9), 7) for n in names}
        a = read.subs({s: point[s.name] for s in read.free_symbols})
        b = expected.subs({s: point[s.name] for s in expected.free_symbols})
        if abs(sp.N(a - b, 30)) > 1e-20:
            return False
    return True


@pytest.mark.parametrize("name", OWNED)
def test_a_name_sympy_owns_reads_back_as_a_symbol(name):
    try:
        solution = bp.solve(spec(name))
    except bp.SpecError as exc:  # refused by the spec: nothing to read back
        assert exc.field, exc
        return
    data = solution.to_json()
    for key in ("loss",):
        assert same_value(data[key], solution.quantity(key).value), (name, data[key])
    for param, text in data["gradients"].items():
        assert same_value(text, solution.quantity(f"gradients.{param}").value), (name, text)


def test_most_owned_names_are_accepted_so_the_test_above_tests_something():
    accepted = 0
    for name in OWNED:
        try:
            bp.solve(spec(name))
            accepted += 1
        except bp.SpecError:
            pass
    assert accepted >= len(OWNED) // 2


def test_calculus_formula_strings_too(runner):
    import json

    from backprop_cli.cli import main

    result = runner.invoke(main, ["derive", "E*x**2 + gamma*x", "--wrt", "x,E", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    E, x, gamma = sp.symbols("E x gamma")
    assert same_value(data["jacobian"][0][0], 2 * E * x + gamma)
    assert same_value(data["jacobian"][0][1], x ** 2)
