"""What a careful reader of the answer key trips on (issue 13): the title block, options
that would silently do something else, zero terms, labels that name the rules a line
uses, equation numbers, the spacing of function brackets, matrix columns, notes with math,
warnings that say where they happened, and page breaks."""

from __future__ import annotations

import re

from backprop_cli.cli import main
from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from support import PROBLEMS


def latex_of(spec: str, **settings) -> str:
    return render(solve_text(spec, "spec.yaml"), "latex", Settings(**settings))


def text_of(spec: str) -> str:
    return render(solve_text(spec, "spec.yaml"), "text", Settings(color=False, width=100))


UNTITLED = "function: x**2\nat: {x: 3}\n"


# -- the title block -------------------------------------------------------------------

def test_an_untitled_problem_is_titled_worked_solution_once():
    tex = latex_of(UNTITLED)
    assert tex.count("Worked solution") == 1


def test_a_titled_problem_says_worked_solution_under_its_title():
    tex = latex_of("title: Squares\n" + UNTITLED)
    assert "Squares" in tex and tex.count("Worked solution") == 1


# -- options ---------------------------------------------------------------------------

def test_fragment_without_latex_is_a_usage_error_naming_the_fix(runner):
    spec = str(PROBLEMS / "seed003_q8_log_sigmoid.yaml")
    for args in ([], ["--format", "json"], ["--format", "text"]):
        result = runner.invoke(main, ["solve", spec, "--fragment", *args])
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert "--latex" in result.stderr
    for args in (["--latex"], ["--format", "latex"]):
        result = runner.invoke(main, ["solve", spec, "--fragment", *args])
        assert result.exit_code == 0, args
        assert "\\documentclass" not in result.stdout and "\\partial" in result.stdout


def test_derive_fragment_without_latex_is_refused_too(runner):
    result = runner.invoke(main, ["derive", "x**2", "--fragment"])
    assert result.exit_code == 2 and "--latex" in result.stderr
