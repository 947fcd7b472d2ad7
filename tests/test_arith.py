"""arith.py, the fast path of numeric.evaluate, against SymPy's own evaluation.

Wherever arith gives a value, it must be the value SymPy gives (numeric.evaluate_with_sympy,
bounds checked first): the same Rational where the arithmetic is exact, a Float agreeing
to 80 of the PRECISION digits where it is not; where SymPy refuses a value (a log of 0, a
division by zero), arith must not give one.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_cli import arith
from backprop_cli.errors import EvaluationError
from backprop_cli.functions import leaky_relu, relu, sigmoid, softplus, step
from backprop_cli.numeric import PRECISION, evaluate, evaluate_with_sympy, exact

SYMBOLS = sp.symbols("x1:5", real=True)
R = sp.Rational
UNARY = [sp.tanh, sigmoid, sp.exp, softplus, sp.log, relu, step, sp.Abs]


def agree(fast: sp.Expr, reference: sp.Expr) -> None:
    assert fast.is_Rational == reference.is_Rational, (fast, reference)
    if fast.is_Rational:
        assert fast == reference
        return
    assert fast.is_Float and fast._prec == reference._prec
    with mpmath.workprec(400):
        a, b = mpmath.mpf(fast._mpf_), mpmath.mpf(reference.evalf(PRECISION)._mpf_)
        assert abs(a - b) <= mpmath.mpf(10) ** -80 * max(abs(b), mpmath.mpf(10) ** -300), (a, b)


def compare(expr: sp.Expr, env: dict) -> bool:
    """Check arith against SymPy on expr; whether arith gave a value."""
    fast = arith.value(expr, env)
    try:
        reference = evaluate_with_sympy(expr, env)
    except EvaluationError:
        assert fast is None, f"arith computed {fast} where SymPy finds no value: {expr}"
        return False
    if fast is None:
        return False
    assert reference.is_number
    agree(fast, reference)
    return True


# --- strategies ------------------------------------------------------------------------------

rationals = st.builds(R, st.integers(-300, 300), st.sampled_from([1, 2, 3, 4, 10, 100, 7]))
leaves = st.one_of(st.sampled_from(SYMBOLS), rationals)


def _extend(children):
    return st.one_of(
        st.builds(lambda a, b: sp.Add(a, b), children, children),
        st.builds(lambda a, b: sp.Mul(a, b), children, children),
        st.builds(lambda a, e: sp.Pow(a, e), children, st.integers(-3, 3)),
        st.builds(lambda f, a: f(a), st.sampled_from(UNARY), children),
        st.builds(lambda a, alpha: leaky_relu(a, alpha), children, rationals),
    )


expressions = st.recursive(leaves, _extend, max_leaves=12)


@st.composite
def environments(draw):
    """Values as the engine keeps them: fractions, a unit's tanh(r), σ(r) or e^r, and the
    Floats of computed values (PRECISION digits)."""
    env = {}
    for s in SYMBOLS:
        r = draw(rationals)
        kind = draw(st.sampled_from(["rational", "rational", "tanh", "sigmoid", "exp", "float"]))
        if kind == "tanh" and r != 0:
            env[s] = sp.tanh(r)
        elif kind == "exp" and r != 0:
            env[s] = sp.exp(r / 100)
        elif kind == "sigmoid" and r != 0:
            env[s] = sigmoid(r)
        elif kind == "float":
            env[s] = sp.Float(sp.tanh(r + R(1, 3)).evalf(PRECISION), PRECISION)
        else:
            env[s] = r
    return env


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions, environments())
def test_arith_gives_sympys_value_or_none(expr, env):
    compare(expr, env)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.one_of(rationals, st.builds(
    lambda r: sp.tanh(r + R(1, 5)).evalf(PRECISION), rationals)), expressions), min_size=1,
    max_size=4), environments())
def test_combination_is_the_sum_of_products(pairs, env):
    """Σ c·e, c a fraction or a computed Float (an adjoint): the Float is inexact, so the
    sum is a Float, equal to the exact sum of exact(c)·e computed by SymPy."""
    fast = arith.combination(pairs, env)
    if fast is None:
        return
    try:
        reference = evaluate_with_sympy(sp.Add(*[exact(c) * e for c, e in pairs]), env)
    except EvaluationError:
        pytest.fail(f"arith computed {fast} where SymPy finds no value")
    if any(c.is_Float for c, _ in pairs) and not fast.is_Rational:
        reference = sp.Float(reference, PRECISION)
    agree(fast, reference)


# --- the shapes a dense network is made of, and the forms left to SymPy ---------------------

x1, x2, x3, x4 = SYMBOLS


def test_a_dense_unit_is_exact_while_its_inputs_are():
    env = {x1: R(36, 100), x2: R(-57, 100), x3: R(1, 3), x4: R(2)}
    assert compare(x1 * x2 + x3 * x4 + R(1, 10), env)
    assert arith.value(x1 * x2 + x3 * x4, env) == R(36 * -57, 10000) + R(2, 3)


def test_a_tanh_unit_makes_the_next_sum_inexact():
    env = {x1: sp.tanh(R(1, 2)), x2: R(3, 10), x3: sigmoid(R(-7, 5)), x4: R(1)}
    assert compare(x1 * x2 + x3 * x4, env)
    assert arith.value(x1 * x2, env).is_Float


@pytest.mark.parametrize("expr", [
    sp.tanh(x1 - 800), sigmoid(x4 - 1),  # f(0): SymPy keeps 0, 1/2 exact
    sp.log(x4), sp.log(x3),  # log 1 = 0; log e^r = r, exactly (x3 is a unit's e^r)
    x2 / x3,  # two units with the same value: SymPy cancels it to 1
    1 / (x4 - 1),  # a division by zero
    sp.sqrt(x4 + 1),  # not an integer power
    1 - sp.tanh(x1) ** 2,  # at tanh(800): cancels every digit; numeric's rewrite keeps them
    sp.exp(x4 * 1000),  # beyond MAX_ARGUMENT
    sp.pi * x4, sp.Float(0.1) * x4,  # constants of SymPy's own; a short Float
])
def test_left_to_sympy(expr):
    env = {x1: R(800), x2: sp.exp(R(3, 10)), x3: sp.exp(R(3, 10)), x4: R(1)}
    assert arith.value(expr, env) is None


def test_evaluate_uses_it_and_gives_the_same():
    env = {x1: sp.tanh(R(1, 2)), x2: R(3, 10)}
    for expr in (x1 * x2 + 1, (x1 - x2) ** 2 / 2, sp.log(x1) * x2, relu(x2 - 1) + step(x2)):
        agree(evaluate(expr, env), evaluate_with_sympy(expr, env))


@pytest.mark.parametrize("expr", [
    (x1 + x2) / x2,  # x1 = 0: SymPy sees tanh(1)/tanh(1) = 1
    x2 - x4 + 1,  # x2 = x4 = tanh(1): exactly 1
    sp.log(x1 + x3),  # log(0 + e^(1/100)) = 1/100 exactly
    x3 * sp.exp(-R(1, 100)),  # e^(1/100) e^(-1/100) = 1
    sp.tanh(sp.log(x3 + 1)),  # a function of a form
    sp.log(sp.tanh(37 + x1)),  # log near 1: ill-conditioned, SymPy raises its precision
])
def test_forms_sympy_may_simplify_are_left_to_it(expr):
    """Found by the property above: SymPy's automatic simplification, once the values
    are in, can make an inexact-looking value exact, or need more digits than arith has."""
    env = {x1: R(0), x2: sp.tanh(R(1)), x3: sp.exp(R(1, 100)), x4: sp.tanh(R(1))}
    assert arith.value(expr, env) is None
    compare(expr, env)
