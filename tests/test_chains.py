"""Inner functions of inner functions (define: u in x, v in u): the chain rule stage by
stage, checked against central differences at 60 digits (tests/oracle.py's formula walk)
and against its own factors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from backprop_cli.pipeline import solve_text
from backprop_cli.cli import main
from oracle import MP, close
from test_calculus import Spec, mp_point

PROBLEMS = Path(__file__).parent.parent / "problems"
THREE = PROBLEMS / "calculus_three_stage_chain.yaml"

BRANCHING = """\
title: Four inner functions, two of them made of others
define: {u: x*y, w: x - y, v: tanh(u) + w**2, s: sigmoid(v)*u}
function: [s + v, s*w]
wrt: [x, y]
at: {x: 0.5, y: -1}
"""


@pytest.fixture()
def runner():
    return CliRunner()


def test_three_stage_chain_matches_central_differences():
    doc = yaml.safe_load(THREE.read_text())
    solution = solve_text(THREE.read_bytes(), str(THREE))
    expected = Spec(doc).jacobian(mp_point(doc["at"]), ["x", "w", "b"])
    for value, oracle in zip(solution.point.matrix[0], expected[0]):
        assert close(value, oracle)
    # independently: f = (tanh(wx + b) - y)²/2, f' = (v - y)(1 - v²) · (w, x, 1)
    u = MP.mpf("0.8") * MP.mpf("1.5") - MP.mpf("0.4")
    v = MP.tanh(u)
    outer = (v - MP.mpf("0.5")) * (1 - v ** 2)
    for value, factor in zip(solution.point.matrix[0], (MP.mpf("0.8"), MP.mpf("1.5"), 1)):
        assert abs(MP.mpf(str(value)) - outer * factor) < MP.mpf("1e-45")


def test_three_stage_chain_is_worked_stage_by_stage():
    solution = solve_text(THREE.read_bytes(), str(THREE))
    chain = solution.chain
    names = lambda symbols: [s.name for s in symbols]  # noqa: E731
    assert names(chain.inner) == ["v"]
    assert [names(s) for s, _ in chain.deeper] == [["u"]]
    first = chain.lines[0]
    assert [s.name for s in first.forms[0].args] == ["df/dv", "dv/du", "du/dx"]  # in order
    assert len(first.forms) == 4  # the rule, the factors, their product, in the variables
    # at the point: each factor's number, then their product is the entry
    local = {line.lhs: line.value for line in solution.point.inner if line.lhs in dict(chain.local)}
    assert len(local) == len(chain.local) == 5  # ∂f/∂v, ∂v/∂u, ∂u/∂x, ∂u/∂w, ∂u/∂b
    for line, value in zip(solution.point.lines, solution.point.matrix[0]):
        product = MP.mpf(1)
        for factor in line.forms[0].args:
            product *= MP.mpf(str(local[factor]))
        assert abs(product - MP.mpf(str(value))) < MP.mpf("1e-45")


def test_text_shows_each_factor_and_the_product(runner):
    result = runner.invoke(main, ["solve", str(THREE)], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "∂f/∂x = ∂f/∂v · ∂v/∂u · ∂u/∂x = (v − y) · (1 − tanh(u)²) · w" in text
    assert "∂f/∂v · ∂v/∂u · ∂u/∂(x, w, b)" in text
    assert "∂f/∂x = ∂f/∂v · ∂v/∂u · ∂u/∂x = 0.16404 · 0.55906 · 0.8 = 0.073364" in text


def test_json_keeps_formulas_in_the_variables(runner, tmp_path):
    path = tmp_path / "branching.yaml"
    path.write_text(BRANCHING)
    result = runner.invoke(main, ["solve", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["define"] == {"u": "x*y", "w": "x - y", "v": "tanh(u) + w**2", "s": "sigmoid(v)*u"}
    for row in data["jacobian"]:
        for text in row:
            assert not {"u", "v", "w", "s"} & set(text.replace("(", " ").replace(")", " ").split())
    expected = Spec(yaml.safe_load(BRANCHING)).jacobian(mp_point({"x": 0.5, "y": -1}), ["x", "y"])
    for row, oracle_row in zip(data["at"], expected):
        for value, oracle in zip(row, oracle_row):  # JSON numbers are doubles
            assert abs(MP.mpf(value) - oracle) <= MP.mpf("1e-14") * abs(oracle)
    at_point = {s["name"] for s in data["steps"] if s["section"] == "At the point"}
    assert {"u", "w", "v", "s"} <= at_point  # every inner function's value at the point


def test_branching_chain_lines_sum_the_paths(tmp_path):
    solution = solve_text(BRANCHING.encode(), "branching.yaml")
    assert [[s.name for s in stage] for stage, _ in solution.chain.deeper] == [["u", "w", "v"], ["u", "w"]]
    first = solution.chain.lines[0]
    assert len(first.forms[0].args) == 5  # v←u←x, v←w←x, s←u←x, s←v←u←x, s←v←w←x


@pytest.mark.parametrize("define, field, words", [
    ("{y: x**2, x: t}", "define.y", "'y' uses 'x', an inner function defined after it"),
    ("{x: y, y: x}", "define.x", "'x' uses 'y', an inner function defined after it"),
    ("{x: x + t}", "define.x", "'x' is defined in terms of itself"),
])
def test_forward_references_and_cycles_are_refused(runner, tmp_path, define, field, words):
    path = tmp_path / "bad.yaml"
    path.write_text(f"define: {define}\nfunction: x + t\n")
    result = runner.invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert f"in {field} (line 1)" in result.output or f"{field}" in result.output
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_product_too_wide_for_the_page_points_to_its_worked_entries(runner, tmp_path):
    path = tmp_path / "branching.yaml"
    path.write_text(BRANCHING)
    text = runner.invoke(main, ["solve", str(path)], env={"COLUMNS": "100", "NO_COLOR": "1"}).output
    assert "= the matrix of the entries worked out by the chain rule above" in text
    latex = runner.invoke(main, ["solve", str(path), "--latex"]).output
    assert "\\text{the matrix of the entries worked out by the chain rule above}" in latex
    # a gradient too wide stands up as a column instead (the three-stage example)
    latex = runner.invoke(main, ["solve", str(THREE), "--latex"]).output
    assert "\\end{bmatrix}^{\\top}" in latex
