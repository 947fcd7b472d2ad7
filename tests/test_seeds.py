"""The seed problems, checked against numbers worked out independently."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from backprop_cli.engine import solve
from backprop_cli.graph import build_graph
from backprop_cli.spec import load_problem

PROBLEMS = Path(__file__).parent.parent / "problems"
R = sp.Rational


def solve_file(name: str):
    path = PROBLEMS / name
    return solve(build_graph(load_problem(path.read_text(), str(path))))


def by_name(mapping: dict) -> dict:
    return {str(symbol): value for symbol, value in mapping.items()}


def significant(value, digits: int) -> str:
    """`value` rounded to `digits` significant digits, as text (0.0061919 for 5 digits)."""
    return f"{float(value):.{digits - 1}e}"


# --- seed 000: sparse sigmoid network ---------------------------------------------------

@pytest.fixture(scope="module")
def seed000():
    return solve_file("seed000_sparse_sigmoid.yaml")


def test_seed000_forward_values(seed000):
    values = by_name(seed000.passes[0].samples[0].values)
    assert significant(values["h1"], 5) == significant(0.78751, 5)
    assert significant(values["yhat"], 5) == significant(0.57869, 5)


def test_seed000_loss(seed000):
    assert significant(seed000.passes[0].loss, 5) == significant(0.0061919, 5)


def test_seed000_gradient_w1(seed000):
    gradients = by_name(seed000.passes[0].gradients)
    assert set(gradients) == {"w1", "w2", "w3", "w4", "w5", "w6"}
    assert significant(gradients["w1"], 5) == significant(0.00089889, 5)


def test_seed000_values_are_50_digit_floats(seed000):
    # sigmoid of a rational is irrational: the engine keeps 50 significant digits.
    loss = seed000.passes[0].loss
    assert isinstance(loss, sp.Float)
    assert loss._prec >= 166  # bits: at least 50 decimal digits
    # 40 digits from an independent 60-digit computation (tests/oracle.py)
    reference = sp.Float("0.006191874700767679353181651539436166764088", 60)
    assert abs(sp.Float(loss, 60) - reference) < sp.Float("1e-42")


# --- seed 001: one ReLU unit, two samples, one SGD step ----------------------------------

@pytest.fixture(scope="module")
def seed001():
    return solve_file("seed001_relu_two_samples.yaml")


def test_seed001_loss_is_exact(seed001):
    loss = seed001.passes[0].loss
    assert isinstance(loss, sp.Rational)
    assert loss == R(13, 4)


def test_seed001_gradient_is_exact(seed001):
    gradients = by_name(seed001.passes[0].gradients)
    expected = {"w0": R("3.4"), "w1": R("1.7"), "w2": R("1.7"), "w3": R("5.1"), "w4": R("-0.2")}
    assert gradients == expected
    assert all(isinstance(v, sp.Rational) for v in gradients.values())


def test_seed001_one_step(seed001):
    assert len(seed001.updates) == 1
    params = by_name(seed001.updates[0].params)
    expected = {"w0": R("0.966"), "w1": R("0.983"), "w2": R("-0.017"), "w3": R("0.949"),
                "w4": R("0.002")}
    assert params == expected
    assert all(isinstance(v, sp.Rational) for v in params.values())


def test_seed001_loss_after_step(seed001):
    assert len(seed001.passes) == 2
    after = seed001.passes[1]
    assert by_name(after.params) == by_name(seed001.updates[0].params)
    assert isinstance(after.loss, sp.Rational)
    assert after.loss == R(1427823662201, 500000000000)
    assert after.loss == R("2.855647324402")


def test_seed001_second_sample_is_on_the_flat_side_of_relu(seed001):
    first, second = (by_name(s.values) for s in seed001.passes[0].samples)
    assert first["h"] == 3 and first["yhat"] == 3
    assert second["h"] == 0 and second["yhat"] == 0
    assert seed001.warnings == ()


# --- seed 003, computation graphs, question 12: three sigmoid units, three samples ----------

def test_seed003_q12_regression_matches_the_seeds_first_sample():
    solution = solve_file("seed003_graphs_q12_regression.yaml")
    first = by_name(solution.passes[0].samples[0].values)
    # the seed's own numbers for sample 1 (its later hand arithmetic has errors)
    assert [significant(first[z], 6) for z in ("z1", "z2", "z3")] == \
        [significant(v, 6) for v in (0.522485, 0.519989, 0.517493)]
    assert significant(first["yhat"], 4) == significant(0.05675, 4)
    assert significant(solution.passes[0].samples[0].loss, 5) == significant(63.095, 5)


def test_seed003_q12_regression_matches_torch():
    """Every gradient against torch autograd in float64."""
    torch = pytest.importorskip("torch")
    solution = solve_file("seed003_graphs_q12_regression.yaml")
    t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
    w = [[t(0.01), t(0.02), t(0.03)], [t(0.03), t(0.01), t(0.02)], [t(0.02), t(0.03), t(0.01)]]
    v = [t(0.01), t(0.02), t(0.03), t(0.04)]
    loss = 0
    for x1, x2, y in ((1, 2, 8), (1, 3, 11), (2, 2, 10)):
        z = [torch.sigmoid(a + b * x1 + c * x2) for a, b, c in w]
        loss = loss + (y - (v[0] + v[1] * z[0] + v[2] * z[1] + v[3] * z[2])) ** 2
    loss.backward()
    assert abs(float(solution.passes[0].loss) - loss.item()) < 1e-10
    want = {f"w{j + 1}{k}": w[j][k].grad for j in range(3) for k in range(3)}
    want.update({f"v{k}": v[k].grad for k in range(4)})
    got = by_name(solution.passes[0].gradients)
    assert set(got) == set(want)
    for name, grad in want.items():
        assert abs(float(got[name]) - float(grad)) < 1e-10, name
