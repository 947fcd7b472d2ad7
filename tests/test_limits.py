"""Exact numbers at the limits (issue 12): an exact integer of more than 4300 digits (the
limit Python puts on int <-> str by default), well inside the values backprop accepts,
solves and prints in every output; the limit is Python's again afterwards."""

from __future__ import annotations

import sys

import pytest

import backprop_cli as bp

BIG = {"inputs": ["x"], "params": {"w": 1e300}, "nodes": {"yhat": "w**15 * x"},
       "data": [{"x": 1, "y": 1}], "loss": "squared_error"}


@pytest.mark.skipif(not hasattr(sys, "get_int_max_str_digits"), reason="Python < 3.11 has no limit")
def test_a_4500_digit_integer_prints_everywhere_and_the_limit_comes_back():
    before = sys.get_int_max_str_digits()
    solution = bp.solve(BIG)
    assert solution.quantity("samples.1.yhat").value == 10 ** 4500
    data = solution.to_json()
    assert data["samples"][0]["values"]["yhat"] == "1.0000000000000000e+4500"
    assert data["loss"] == "1.0000000000000000e+9000"  # (10^4500 − 1)²
    text, latex = solution.to_text(), solution.to_latex()
    assert "Loss: L = 1·10⁹⁰⁰⁰" in text
    assert "10^{9000}" in latex
    assert sys.get_int_max_str_digits() == before
