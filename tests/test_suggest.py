"""'did you mean': short and re-cased typos too, ties listed, nothing for a far word."""

from __future__ import annotations

import pytest

from backprop_cli.suggest import closest, did_you_mean, edit_distance

FUNCTIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "exp", "log", "sqrt", "abs"]
NAMES = ["x1", "x2", "w1", "w2", "b", "yhat", "h1"]


@pytest.mark.parametrize("word, candidates, expected", [
    ("sigmod", FUNCTIONS, ["sigmoid"]),
    ("sigomid", FUNCTIONS, ["sigmoid"]),  # two letters swapped: one edit
    ("ReLU", FUNCTIONS, ["relu"]),
    ("tahn", FUNCTIONS, ["tanh"]),
    ("leakyrelu", FUNCTIONS, ["leaky_relu"]),
    ("w3", NAMES, ["w1", "w2"]),
    ("x", NAMES, ["x1", "x2"]),
    ("h", NAMES, ["h1"]),
    ("W1", NAMES, ["w1"]),
    ("yaht", NAMES, ["yhat"]),
    ("q", NAMES, []),  # nothing in common with any name
    ("open", FUNCTIONS, []),
    ("optimiser", ["optimizer", "inputs"], ["optimizer"]),
])
def test_closest(word, candidates, expected):
    assert closest(word, candidates) == expected


def test_did_you_mean_phrases():
    assert did_you_mean("sigmod", FUNCTIONS) == "; did you mean 'sigmoid'?"
    assert did_you_mean("w3", NAMES) == "; did you mean 'w1' or 'w2'?"
    assert did_you_mean("zzz", NAMES) == ""
    assert did_you_mean("x" * 1000, NAMES) == ""  # no quadratic work on hostile text


@pytest.mark.parametrize("a, b, distance", [
    ("", "", 0), ("abc", "abc", 0), ("abc", "acb", 1), ("abc", "ab", 1), ("abc", "xbc", 1),
    ("kitten", "sitting", 3),
])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)
