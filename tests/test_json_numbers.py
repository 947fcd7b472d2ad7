"""JSON numbers at the limits of a double (issue 12): a value beyond its range or below
its smallest normal number is text with 17 significant digits, never inf, 0 or null, in
every form; the output is always valid JSON that sympify reads back to the value."""

from __future__ import annotations

import json
import math

import sympy as sp

import backprop_cli as bp
from backprop_cli.cli import main

SATURATED = {"inputs": ["x"], "params": {"w": 2000}, "nodes": {"yhat": "sigmoid(w*x)"},
             "data": [{"x": 1, "y": 1}], "loss": "bce"}


def test_an_underflowed_loss_is_text_not_zero():
    data = bp.solve(SATURATED).to_json()
    # L = log(1 + e^-2000) = e^-2000 (1 - ...): about 2.58e-869, far below a double
    assert data["loss"] == "2.5765358729611497e-869"
    assert data["gradients"]["w"] == "-2.5765358729611497e-869"
    import mpmath

    with mpmath.workdps(50):  # an independent value: log1p(e^-2000) at 50 digits
        exact = mpmath.log1p(mpmath.exp(-2000))
        assert abs(mpmath.mpf(data["loss"]) / exact - 1) < 1e-15


def test_a_subnormal_value_keeps_its_digits_as_text():
    data = bp.solve(dict(SATURATED, params={"w": 710})).to_json()
    assert isinstance(data["loss"], str)  # e^-710 ≈ 4.47e-309: a double keeps fewer digits
    assert math.isclose(float(sp.Float(data["loss"])), math.exp(-710), rel_tol=1e-15)


def test_calculus_values_beyond_a_double_are_text_and_the_json_is_valid(runner):
    for formula, expected in (("exp(x)", "2.7263745721125666e+347"),
                              ("exp(-x)", "-3.6678745841776872e-348")):
        result = runner.invoke(main, ["derive", formula, "--at", "x=800", "-f", "json"])
        assert result.exit_code == 0, result.stderr
        data = json.loads(result.stdout, parse_constant=lambda c: (_ for _ in ()).throw(
            AssertionError(f"{c} in the JSON")))
        assert data["at"] == [[expected]]
