"""max and min in formulas, without torch: the worked line naming the argument that wins,
the tie said on the line and warned, and the formula syntax's errors. (The values and
derivatives against PyTorch are tests/test_max_min.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from backprop_cli.cli import main

PROBLEMS = Path(__file__).parent.parent / "problems"


def graph(loss: str, params: dict, nodes: dict | None = None) -> str:
    lines = ["inputs: []", "targets: []", "params: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}"]
    if nodes:
        lines.append("nodes:")
        lines += [f"  {k}: {v}" for k, v in nodes.items()]
    lines.append(f"loss: {loss}")
    return "\n".join(lines) + "\n"


# -- the worked line says which argument wins ----------------------------------------------

def run(*args):
    return CliRunner().invoke(main, [*args], env={"COLUMNS": "100", "NO_COLOR": "1"})


def test_forward_line_names_the_winner():
    result = run("solve", str(PROBLEMS / "seed003_graphs_q5_max_min.yaml"))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "m = max(a, b) = max(0.3, −0.1) = 0.3" in text
    assert "the first argument wins, so ∂m/∂a = 1 and ∂m/∂b = 0" in text
    assert "the second argument wins, so ∂n/∂a = 0 and ∂n/∂b = 1" in text
    assert "∂L/∂m · [a = max(a, b)]" in text


def test_a_tie_is_said_on_the_line_and_warned(tmp_path):
    path = tmp_path / "tie.yaml"
    path.write_text(graph("m", {"a": 0.5, "b": 0.5}, {"m": "max(a, b)"}))
    result = run("solve", str(path))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # lines wrapped at 100 columns
    assert "the first and second arguments tie, so ∂m/∂a = 0.5 and ∂m/∂b = 0.5, split evenly as PyTorch does" in text
    assert "warning: max(a, b) is at a tie" in result.output


def test_calculus_tie_is_warned():
    result = run("derive", "max(x, y)", "--at", "x=1,y=1")
    assert result.exit_code == 0, result.output
    assert "max(x, y) at the point is at a tie" in result.output
    assert "∂f/∂x = [x = max(x, y)] = [1 = max(1, 1)] = 0.5" in result.output


# -- the formula syntax ---------------------------------------------------------------------

@pytest.mark.parametrize("formula, words", [
    ("max(a)", "max() takes from 2 to 32 arguments, not 1: write it like max(a, b) or max(a, b, c)"),
    ("Max(a, b)", "unknown function 'Max'; write max"),
    ("amin(a, b)", "unknown function 'amin'; write min"),
])
def test_formula_errors(formula, words):
    result = run("derive", formula)
    assert result.exit_code == 2
    assert words in result.output


def test_calculus_point_says_which_argument_wins():
    result = run("derive", "max(x, y) + min(x, 2)", "--at", "x=1,y=0")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "∂f/∂x = [x = max(x, y)] + [x = min(x, 2)] = [1 = max(1, 0)] + [1 = min(1, 2)] = 2" in text
    assert "in max(x, y) the first argument wins; in min(x, 2) the first argument wins" in text
