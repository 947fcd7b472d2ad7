"""No symbolic step whose cost grows exponentially with nesting: a nest of each function
40 levels deep (the deepest a formula may be) is solved, or refused, within a bound on the
CPU time of a separate process (not wall-clock: a loaded machine does not make it flake).

A sigmoid nest 35 deep never ended and a tanh nest 11 deep took 90 s: SymPy's evalf of
1/(1 + exp(-x)) retried each level at a higher precision, evaluating the levels below
again each time (functions.py now evaluates the argument once), and the point's value was
the exact nest simplified level by level, then evalf'd (calculus/point.py, and numeric.py for a
deep nest in a graph, now evaluate innermost first, each application once).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from support import ROOT

FUNCTIONS = ("tanh", "sigmoid", "exp", "log", "softplus", "relu", "sqrt")
CPU_LIMIT = 10.0  # seconds of the child's CPU; each takes about 1 s


def nest(function: str, depth: int, inner: str) -> str:
    return f"{function}(" * depth + inner + ")" * depth


def cpu_of(args: list, stdin: str | None = None) -> tuple[float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "backprop_cli", *args], input=stdin,
                            capture_output=True, text=True, env=env, timeout=30)  # a hang ends as a failure
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), result


@pytest.mark.parametrize("point", ["0.5", "3"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_nest_40_deep_in_the_calculus_form(function, point):
    cpu, result = cpu_of(["derive", nest(function, 40, "x"), "--at", f"x={point}"])
    assert cpu < CPU_LIMIT, f"{function} nest: {cpu:.1f} s of CPU"
    assert result.returncode in (0, 2), result.stderr  # exp overflows, log goes negative
    assert "internal error" not in result.stderr


def test_a_nest_41_deep_is_refused():
    cpu, result = cpu_of(["derive", nest("tanh", 41, "x")])
    assert result.returncode == 2
    assert "nested more than 40 levels deep" in result.stderr


GRAPH = """inputs: [x]
params: {{w: 1}}
nodes:
  yhat: {formula}
loss: squared_error
data: [{{x: {point}, y: 1}}]
optimizer: {{lr: 0.1, steps: 1}}
"""


@pytest.mark.parametrize("point", ["0.5", "3"])
@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_nest_40_deep_in_the_graph_form(function, point):
    spec = GRAPH.format(formula=nest(function, 39, "w*x"), point=point)  # w*x: the 40th level
    cpu, result = cpu_of(["solve", "-", "--format", "json"], stdin=spec)
    assert cpu < CPU_LIMIT, f"{function} nest: {cpu:.1f} s of CPU"
    assert result.returncode in (0, 2), result.stderr
    assert "internal error" not in result.stderr
