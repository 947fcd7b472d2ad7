"""max and min in formulas: values and derivatives against PyTorch autograd (float64),
PyTorch's subgradient on ties (torch.maximum/minimum: 1/2 each; torch.amax/amin over the
stacked arguments: 1/n each) and the seed's published local gradients. The worked lines
and warnings, which need no torch, are tests/test_max_min_lines.py."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import sympy as sp

from click.testing import CliRunner

from backprop_cli.cli import main
from backprop_cli.engine import solve
from backprop_cli.graph import build_graph
from backprop_cli.spec import load_problem
from test_max_min_lines import graph

torch = pytest.importorskip("torch")  # the oracle of every test here
PROBLEMS = Path(__file__).parent.parent / "problems"
T = torch.float64


def solve_text(text: str):
    return solve(build_graph(load_problem(text, "<test>")))


def solve_file(name: str):
    path = PROBLEMS / name
    return solve(build_graph(load_problem(path.read_text(), str(path))))


def gradients(solution) -> dict:
    return {str(p): float(v) for p, v in solution.passes[0].gradients.items()}


def torch_gradients(f, values: dict) -> dict:
    leaves = {k: torch.tensor(v, dtype=T, requires_grad=True) for k, v in values.items()}
    f(**leaves).backward()
    return {k: float(t.grad) for k, t in leaves.items()}


def assert_same(got: dict, want: dict):
    assert set(got) == set(want)
    for k in want:
        assert abs(got[k] - want[k]) <= 1e-10, (k, got[k], want[k])


# -- the examples against torch and the published values ------------------------------------

def test_cs231n_max_gate_matches_torch_and_the_notes():
    got = gradients(solve_file("cs231n_max_gate.yaml"))
    want = torch_gradients(lambda x, y, z, w: 2 * (x * y + torch.maximum(z, w)),
                           {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0})
    assert_same(got, want)
    assert got == {"x": -8.0, "y": 6.0, "z": 2.0, "w": 0.0}  # CS231n's values


def test_seed003_q5_gates_match_torch_and_the_seed():
    solution = solve_file("seed003_graphs_q5_max_min.yaml")
    want = torch_gradients(lambda a, b: (a + 2) + (a + b) + 3 * a + a * b + torch.maximum(a, b)
                           + torch.minimum(a, b), {"a": 0.3, "b": -0.1})
    assert_same(gradients(solution), want)
    # the seed's local gradients: 1 through a sum, c through ca, the other input through
    # ab, 1 to the winner of max (a >= b) and of min (b <= a), 0 to the loser
    a, b = sp.Rational(3, 10), sp.Rational(-1, 10)
    exact = {str(p): v for p, v in solution.passes[0].gradients.items()}
    assert exact == {"a": 1 + 1 + 3 + b + 1 + 0, "b": 1 + a + 0 + 1}
    assert not solution.warnings


# -- random formulas against torch ----------------------------------------------------------

FORMULAS = [
    ("max(a*b, c - a, 0.5*b)*min(a, tanh(b))",
     lambda a, b, c: torch.amax(torch.stack([a * b, c - a, 0.5 * b])) * torch.minimum(a, torch.tanh(b))),
    ("relu(max(a, b) - min(b, c)) + sigmoid(max(a, 2*c))",
     lambda a, b, c: torch.relu(torch.maximum(a, b) - torch.minimum(b, c)) + torch.sigmoid(torch.maximum(a, 2 * c))),
    ("min(a, b, c, a*c)**2",
     lambda a, b, c: torch.amin(torch.stack([a, b, c, a * c])) ** 2),
    ("max(a, a*b) + c", lambda a, b, c: torch.maximum(a, a * b) + c),
]


@pytest.mark.parametrize("text, f", FORMULAS, ids=[t for t, _ in FORMULAS])
def test_graph_formulas_match_torch_at_random_points(text, f):
    rng = random.Random(text)
    for _ in range(8):
        values = {k: round(rng.uniform(-2, 2), 3) for k in "abc"}
        solution = solve_text(graph("g", values, {"g": text}))
        got = gradients(solution)
        want = torch_gradients(f, values)
        assert_same({k: got.get(k, 0.0) for k in want}, want)


@pytest.mark.parametrize("text, f", FORMULAS, ids=[t for t, _ in FORMULAS])
def test_calculus_json_formulas_read_back_and_match_torch(text, f):
    """The JSON's derivative formulas (Max, Heaviside, Piecewise) read back with plain
    sympify and agree with torch at points away from ties."""
    runner = CliRunner()
    result = runner.invoke(main, ["derive", text, "--wrt", "a,b,c", "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    symbols = {n: sp.Symbol(n) for n in "abc"}
    rng = random.Random(len(text))
    for _ in range(6):
        values = {k: round(rng.uniform(-2, 2), 3) for k in "abc"}
        want = torch_gradients(f, values)
        point = {symbols[k]: sp.Rational(str(v)) for k, v in values.items()}
        for k, formula in zip("abc", data["jacobian"][0]):
            got = float(sp.sympify(formula, locals=symbols).xreplace(point).evalf(30))
            assert abs(got - want[k]) <= 1e-10, (formula, values)


# -- ties: PyTorch's split, and a warning ---------------------------------------------------

@pytest.mark.parametrize("loss, torch_f, values", [
    ("max(a, b)", lambda a, b, c: torch.maximum(a, b) + 0 * c, {"a": 0.5, "b": 0.5, "c": 1.0}),
    ("min(a, b)", lambda a, b, c: torch.minimum(a, b) + 0 * c, {"a": 0.5, "b": 0.5, "c": 1.0}),
    ("max(a, b, c)", lambda a, b, c: torch.amax(torch.stack([a, b, c])), {"a": 2.0, "b": 2.0, "c": 2.0}),
    ("min(a, b, c)", lambda a, b, c: torch.amin(torch.stack([a, b, c])), {"a": 1.0, "b": -3.0, "c": -3.0}),
])
def test_ties_split_the_gradient_as_torch_does(loss, torch_f, values):
    solution = solve_text(graph("g", values, {"g": loss}))
    assert_same(gradients(solution), torch_gradients(torch_f, values))
    assert any("is at a tie" in w and "split evenly" in w for w in solution.warnings), solution.warnings


def test_torch_amax_splits_a_tie_evenly():
    """The convention the derivative follows, checked in the installed torch itself."""
    t = torch.tensor([2.0, 2.0, 1.0], dtype=T, requires_grad=True)
    torch.amax(t, 0).backward()
    assert t.grad.tolist() == [0.5, 0.5, 0.0]
