"""Numbers from expressions (numeric.py) and the bounds checked first (bounds.py)."""

from __future__ import annotations

import pytest
import sympy as sp

from backprop_cli import bounds
from backprop_cli.errors import EvaluationError
from backprop_cli.functions import sigmoid, softplus
from backprop_cli.numeric import MAX_SYMBOLIC_PARTS, evaluate, exact, sized, stable

x, y, z, yhat = sp.symbols("x y z yhat", real=True)
R = sp.Rational
I = sp.Integer


def message(expr, env, **kw) -> str:
    with pytest.raises(EvaluationError) as info:
        evaluate(expr, env, "yhat in sample 1", **kw)
    return info.value.message


# --- values ----------------------------------------------------------------------------------

def test_exact_where_the_arithmetic_is_exact():
    assert evaluate(x * y + R(1, 10), {x: R(1, 3), y: I(3)}) == R(11, 10)


def test_saturated_forms_keep_their_digits():
    # bce at sigma(800): the loss is 800 for y = 0 and log(1 + e^-800) for y = 1
    assert float(evaluate(-sp.log(1 - yhat), {yhat: sigmoid(I(800))})) == 800.0
    assert sp.sstr(sp.Float(evaluate(-sp.log(yhat), {yhat: sigmoid(I(800))}), 5)) == "3.6679e-348"
    assert sp.sstr(sp.Float(evaluate(1 - sp.tanh(z) ** 2, {z: I(400)}), 5)) == "1.4671e-347"  # 4e^-800
    assert sp.sstr(softplus(I(-800)).evalf(5)) == "3.6679e-348"


def test_stable_rewrites_keep_the_value():
    a = R(3, 2)
    for expr in (1 - sigmoid(a), 2 * sigmoid(a) - 2, sp.log(sigmoid(a)), 1 - sp.tanh(a) ** 2):
        assert abs(stable(expr).evalf(40) - expr.evalf(40)) < sp.Float("1e-38")


def test_exact_keeps_floats_far_from_one_as_floats():
    assert exact(sp.Float("0.5", 30)) == R(1, 2)
    huge = sp.Float("1e-40000", 30)
    assert exact(huge) is huge  # a fraction of 130000 bits would slow everything after


# --- undefined values name the part and say what to do ----------------------------------------

def test_division_by_zero_names_the_denominator():
    assert message(x / (y - 1), {x: I(2), y: I(1)}) == (
        "yhat in sample 1 is undefined: a division by zero, as y - 1 = 0 here; change the "
        "data, the parameters or the formula so that it is not 0")


def test_log_of_zero_in_a_loss_says_what_bce_needs():
    text = message(-sp.log(1 - yhat), {yhat: I(1)}, output=yhat)
    assert "log(1 - yhat) is the logarithm of 0" in text
    assert "needs yhat strictly between 0 and 1" in text


def test_square_root_of_a_negative_number():
    assert "x - 5 = -4 is negative" in message(sp.sqrt(x - 5), {x: I(1)})


def test_errors_carry_the_field_and_line_of_where():
    class Where:
        field, line = "nodes.h1", 7

    with pytest.raises(EvaluationError) as info:
        evaluate(1 / x, {x: I(0)}, "h1 in sample 1", Where())
    assert (info.value.field, info.value.line) == ("nodes.h1", 7)
    assert str(info.value).startswith("line 7, in nodes.h1: h1 in sample 1 is undefined")


# --- bounds ----------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, env", [
    (x ** (x ** x), {x: I(9)}),
    (sp.exp(sp.exp(sp.exp(x))), {x: I(10)}),
    (sigmoid(x), {x: R(-10) ** 5}),
    ((x ** 64) ** 64, {x: R(1, 10**300)}),
])
def test_too_large_or_small_is_refused_before_it_is_computed(expr, env):
    with pytest.raises(bounds.OutOfRange):
        bounds.check(expr, env)
    assert "cannot be computed" in message(expr, env)


def test_large_exact_powers_are_computed_as_decimals():
    near_one = 1 + R(1, 10**300)  # 2000 bits; to the 1000th power, 2 million
    assert bounds.check(x ** y, {x: near_one, y: I(1000)}) is False
    value = evaluate(x ** y, {x: near_one, y: I(1000)})
    assert value.is_Float


def test_sigmoid_of_a_large_positive_argument_is_allowed():
    assert bounds.check(sigmoid(x), {x: R(10) ** 50}) is True


def test_a_symbolic_value_too_long_to_write_out_is_refused():
    expr = x
    for _ in range(20):  # each step doubles the written-out size, sharing the branches
        expr = sp.Add(expr * x, expr * y, evaluate=False)
    with pytest.raises(EvaluationError, match=f"more than {MAX_SYMBOLIC_PARTS} parts"):
        sized(expr, "dL/dw")
    assert sized(x * y, "dL/dw") == x * y


def test_a_nest_sympy_cannot_simplify_is_computed_from_decimals():
    """xreplace of log(log(h)**-2) at h = sigma(131/4) fails inside SymPy's assumptions
    (found by tests/test_arith.py); the value is computed from h's decimals instead."""
    value = evaluate(sp.log(sp.log(x) ** -2), {x: sigmoid(R(131, 4))})
    h = sp.Float(sigmoid(R(131, 4)).evalf(60), 60)
    assert abs(value - sp.log(sp.log(h) ** -2)) < sp.Float("1e-40")
