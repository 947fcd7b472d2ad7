"""Errors carry their parts as fields (reason, advice, cause, subject, context, note), so
that a later layer adds what it knows without reading or rewriting the text."""

from __future__ import annotations

import pytest
import sympy as sp

from backprop_cli.errors import EvaluationError, SpecError
from backprop_cli.formula import FormulaError, parse_formula
from backprop_cli.numeric import ADVICE, evaluate, why_undefined
from backprop_cli.pipeline import solve_text

x, w = sp.symbols("x w", real=True)


def test_message_is_context_reason_advice_and_note_in_that_order():
    error = EvaluationError("x is undefined", advice="; change x")
    assert error.message == "x is undefined; change x"
    error.refine(context="after step 2", note="x moved")
    assert error.message == "after step 2, x is undefined; change x (x moved)"
    error.refine(advice="; make it positive")
    assert (error.reason, error.advice) == ("x is undefined", "; make it positive")
    assert error.message == "after step 2, x is undefined; make it positive (x moved)"
    assert str(SpecError("plain")) == "plain"  # nothing added: the text as raised


def test_an_undefined_log_keeps_its_cause_rule_and_advice_apart():
    why = why_undefined(sp.log(x - 1), {x: sp.Integer(1)})
    assert (why.what, why.cause) == ("undefined: log(x - 1) is the logarithm of 0", "log")
    assert (why.rule, why.change) == ("; log needs a positive number", ADVICE[1])
    with pytest.raises(EvaluationError) as info:
        evaluate(sp.log(x - 1), {x: sp.Integer(1)}, "h")
    error = info.value
    assert (error.cause, error.advice) == ("log", ADVICE[1])
    assert error.message == f"h is {why}"


def test_division_and_root_have_their_causes():
    assert why_undefined(1 / x, {x: sp.Integer(0)}).cause == "division"
    assert why_undefined(sp.sqrt(x), {x: sp.Integer(-4)}).cause == "root"


def test_a_formula_too_large_says_what_to_split_as_a_field():
    with pytest.raises(FormulaError) as info:
        parse_formula("-" * 45 + "x", {"x": x})
    error = info.value
    assert error.cause == "size" and error.advice == "split it into several nodes"
    assert error.message == f"{error.reason}; split it into several nodes"


NETWORK = """\
network:
  inputs: 1
  layers: [{units: 2, activation: identity}]
params:
  W1: [[1], [-1]]
  b1: [0, 0]
loss: cross_entropy
data:
  - {x: [1], y: [1, 0]}
"""


def test_the_layered_loss_error_is_marked_and_given_cross_entropys_advice():
    with pytest.raises(EvaluationError) as info:
        solve_text(NETWORK, "ce.yaml")
    error = info.value
    assert (error.subject, error.cause, error.field) == ("loss", "log", "loss")
    assert error.advice == "; cross_entropy needs every output above 0: put softmax on the last layer"
    assert ADVICE[1] not in error.message


GRAPH = """\
inputs: [x]
params: {w: 0.5}
nodes:
  yhat: log(w*x)
loss: (yhat - y)**2
data:
  - {x: 1, y: -3}
optimizer: {lr: 10, steps: 2}
"""


def test_an_error_after_a_step_says_so_in_its_own_fields():
    with pytest.raises(EvaluationError) as info:
        solve_text(GRAPH, "step.yaml")
    error = info.value
    assert error.context == "after gradient-descent step 1"
    assert "smaller learning rate" in error.note
    assert error.reason.startswith("yhat in sample 1 (data[0]) is undefined: log(w*x)")
    assert error.subject is None  # about a node, not the loss


CALCULUS = """\
function: log(x - 1)
at: {x: 1}
"""


@pytest.mark.parametrize("text, field, line", [(CALCULUS, "at", 2), (NETWORK, "loss", 7)])
def test_a_value_undefined_while_solving_names_its_line_without_the_yaml(text, field, line):
    """The problem keeps the lines a later stage names, so an error has its line where it
    is raised (the pipeline need not find it again from the field's text)."""
    from backprop_cli.calculus.engine import solve_calculus
    from backprop_cli.layered.solve import solve_network
    from backprop_cli.spec import load_problem

    problem = load_problem(text)
    solve = solve_calculus if problem.kind == "calculus" else solve_network
    with pytest.raises(EvaluationError) as info:
        solve(problem)
    assert (info.value.field, info.value.line) == (field, line)
