"""The Python API as a notebook user uses it: a dict, YAML text or a path in; a Solution
out, shown by _repr_latex_ / _repr_markdown_; SpecError with its field and line."""

from __future__ import annotations

import json

import click
import pytest

import backprop_cli as bp
from backprop_cli.cli import main
from support import PROBLEMS

SEED001 = PROBLEMS / "seed001_relu_two_samples.yaml"

ONE_UNIT = {
    "title": "One <b>unit</b> & *stars*",
    "inputs": ["x"],
    "params": {"w": 0.1, "b": -0.2},
    "nodes": {"yhat": "sigmoid(w*x + b)"},
    "data": [{"x": 2, "y": 1}],
    "loss": "bce",
}


def test_a_dict_in_worked_latex_out():
    solution = bp.solve(ONE_UNIT)
    shown = solution._repr_latex_()
    assert shown.startswith("$$\\begin{array}{l}") and shown.endswith("\\end{array}$$")
    assert "\\sigma" in shown and "\\frac{\\partial L}{\\partial w}" in shown
    assert "\\textbf{One <b>unit</b> and *stars*}" in shown  # no TeX special left to break it


def test_markdown_shows_sections_and_escapes_the_title():
    markdown = bp.solve(ONE_UNIT)._repr_markdown_()
    assert markdown.startswith("## One &lt;b&gt;unit&lt;/b&gt; &amp; \\*stars\\*\n")
    assert "### Forward pass\n" in markdown and "### Backward pass\n" in markdown
    assert all(line.startswith("$$") and line.endswith("$$")
               for line in markdown.splitlines() if "\\frac" in line)


def test_dict_values_are_read_as_typed():
    """0.1 in a dict is one tenth, as in a YAML file: the gradient is the exact one."""
    solution = bp.solve(ONE_UNIT)
    from_yaml = bp.solve(SEED001.parent.joinpath("bce_logistic.yaml"))  # any file works too
    assert from_yaml.kind == "graph"
    z = solution.quantity("samples.1.yhat")
    assert z.name == "yhat" and z.phase == "forward"
    # σ(0.1·2 − 0.2) = σ(0) = 1/2 exactly, so ∂L/∂w = (ŷ − y)·x = −1
    assert solution.quantity("gradients.w").value == -1


def test_numpy_values_in_a_dict():
    numpy = pytest.importorskip("numpy")
    spec = dict(ONE_UNIT, params={"w": numpy.float64(0.1), "b": numpy.array(-0.2)})
    assert bp.solve(spec).quantity("gradients.w").value == -1


def test_yaml_text_bytes_and_paths_give_the_same_solution():
    text = SEED001.read_text()
    expected = bp.solve(SEED001).to_json()
    assert bp.solve(text).to_json() == expected
    assert bp.solve(text.encode()).to_json() == expected
    assert bp.solve(str(SEED001)).to_json() == expected


def test_to_json_and_to_text_are_what_the_command_prints(runner):
    solution = bp.solve(SEED001)
    result = runner.invoke(main, ["solve", str(SEED001), "-f", "json"])
    assert result.exit_code == 0
    assert solution.to_json() == json.loads(result.stdout)
    result = runner.invoke(main, ["solve", str(SEED001), "--no-color"])
    from backprop_cli.cli import _terminal_width

    assert solution.to_text(width=_terminal_width()) == result.stdout
    assert "Gradient-descent step 1" in solution.to_text()


def test_to_latex_document_and_fragment():
    solution = bp.solve(SEED001, digits=3)
    document, fragment = solution.to_latex(), solution.to_latex(fragment=True)
    assert document.startswith("\\documentclass") and "\\begin{document}" in document
    assert "\\documentclass" not in fragment and "\\begin{document}" not in fragment
    assert "0.966" in document  # w0 after the step, to 3 digits


def test_a_bad_spec_raises_spec_error_with_field_and_line():
    text = SEED001.read_text().replace("loss: squared_error", "loss: squared_eror")
    assert text != SEED001.read_text()
    with pytest.raises(bp.SpecError) as caught:
        bp.solve(text)
    error = caught.value
    assert error.field == "loss" and error.line == text.splitlines().index(
        "loss: squared_eror") + 1
    assert "squared_error" in error.message  # the suggestion
    assert isinstance(error, click.ClickException) and error.exit_code == 2


def test_a_bad_dict_names_the_field_without_a_line():
    with pytest.raises(bp.SpecError) as caught:
        bp.solve(dict(ONE_UNIT, params={"w": "0.1x", "b": 0}))
    assert caught.value.field == "params.w" and caught.value.line is None
    with pytest.raises(bp.SpecError) as caught:
        bp.solve(dict(ONE_UNIT, params={"w": object(), "b": 0}))
    assert caught.value.field == "params.w"


def test_a_missing_file_is_a_spec_error():
    with pytest.raises(bp.SpecError, match="no such file"):
        bp.solve("no/such/problem.yaml")


def test_settings_are_checked_once():
    with pytest.raises(TypeError, match="unknown setting 'digit'"):
        bp.solve(SEED001, digit=3)
    with pytest.raises(ValueError, match="digits"):
        bp.solve(SEED001, digits=99)
    with pytest.raises(ValueError, match="view"):
        bp.solve(SEED001, view="table")
    with pytest.raises(TypeError, match="path, YAML text or a dict"):
        bp.solve(42)


def test_every_form_gives_the_same_solution_type():
    kinds = {bp.solve(PROBLEMS / name).kind for name in (
        "seed001_relu_two_samples.yaml", "seed004_numeric_batch_row.yaml", "seed003_q13c_chain.yaml")}
    assert kinds == {"graph", "network", "calculus"}
    calculus = bp.solve(PROBLEMS / "seed003_q13c_chain.yaml")
    assert "### Chain rule" in calculus._repr_markdown_()
    assert repr(calculus).startswith("<backprop Solution (calculus form): ")


def test_notebook_output_ends_with_the_asked_answers():
    """ask: in a notebook: the Answers, each by its label, with the value the JSON gives."""
    solution = bp.solve(PROBLEMS / "seed004_single_sample_asked.yaml")
    markdown = solution._repr_markdown_()
    answers = markdown[markdown.index("### Answers\n"):]
    assert answers.count("$$\\text{(1.") == len(solution.answers) > 5
    assert "\\text{(1.3)}\\ \\frac{\\partial l}{\\partial W^{3}} = \\begin{bmatrix}" in answers
    assert "\\text{Answers}" in solution._repr_latex_()
    plain = bp.solve(ONE_UNIT)._repr_markdown_()
    assert "Answers" not in plain  # no ask:, no Answers
