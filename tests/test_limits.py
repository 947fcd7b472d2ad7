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


POWER = {"inputs": ["x"], "params": {"w": 0.00001}, "nodes": {"yhat": "w**3 * x"},
         "data": [{"x": 1, "y": 1}], "loss": "squared_error"}


def test_a_power_of_a_printed_number_keeps_its_brackets():
    """(10⁻⁵)³ was printed 1·10⁻⁵³ in the terminal (the LaTeX had its brackets)."""
    solution = bp.solve(POWER)
    text = solution.to_text()
    assert "(1·10⁻⁵)³ · 1 = 1·10⁻¹⁵" in text and "(1·10⁻⁵)² = −6·10⁻¹⁰" in text
    assert "1·10⁻⁵³" not in text and "1·10⁻⁵²" not in text
    assert "\\left(1 \\times 10^{-5}\\right)^{3}" in solution.to_latex()


def test_a_large_exact_value_prints_at_the_digits_asked():
    """w = 1e300 is exact (a 301-digit integer); the Given part printed all its digits."""
    solution = bp.solve(BIG, digits=3)
    assert "w = 1·10³⁰⁰" in solution.to_text()
    assert "1 \\times 10^{300}" in solution.to_latex()
    assert "0" * 20 not in solution.to_text() + solution.to_latex()
