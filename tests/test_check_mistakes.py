"""backprop check's diagnoses: each common mistake made on a real problem from problems/,
and named by its code; the number it gives is worked out here by hand from the solution."""

from __future__ import annotations

from pathlib import Path

import pytest

from backprop_cli.check import MISTAKES, check_answers

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
SEED000 = str(PROBLEMS / "seed000_sparse_sigmoid.yaml")
SEED001 = str(PROBLEMS / "seed001_relu_two_samples.yaml")
SEED003 = str(PROBLEMS / "seed003_q12_numeric_pass.yaml")
LAYERED = str(PROBLEMS / "layered_scalar_two_samples.yaml")


def results(problem: str, answers: str) -> dict:
    return {r.name: r for r in check_answers(problem, answers).results}


# seed 000: yhat = 0.57869, dL/dyhat = 2(yhat - y) = 0.15738, dL/dz3 = 0.03837, h1 = 0.78751,
# z1 = 1.31 (the homework's s1)
CASES = [
    ("sign", SEED000, "samples: [{dL/dyhat: -0.15738}]", "samples.1.dL/dyhat"),
    ("factor_2", SEED000, "samples: [{dL/dyhat: 0.07869}]", "samples.1.dL/dyhat"),
    # sigma'(z3) left out: dL/dz3 = dL/dyhat
    ("no_activation_derivative", SEED000, "samples: [{dL/dyhat: 0.15738, dL/dz3: 0.15738}]",
     "samples.1.dL/dz3"),
    # sigma(z3) = yhat where sigma'(z3) belongs: 0.15738 * 0.57869
    ("activation_not_derivative", SEED000, "samples: [{dL/dz3: 0.091074}]", "samples.1.dL/dz3"),
    # dL/dw5 = dL/dz3 * z1 (1.31) where h1 belongs: 0.03837 * 1.31
    ("pre_vs_post_activation", SEED000, "samples: [{dL/dw5: 0.050265}]", "samples.1.dL/dw5"),
    ("pre_vs_post_activation", SEED000, "samples: [{h1: 1.31}]", "samples.1.h1"),
    # seed 001: L = (2.89 + 3.61) / 2 = 3.25; summed: 6.5
    ("mean_vs_sum", SEED001, "samples: [{loss: 2.89}, {loss: 3.61}]\nloss: 6.5", "loss"),
    # w0 = 1 - 0.01 * 3.4 = 0.966; uphill: 1.034; without the rate: 1 - 3.4
    ("update_sign", SEED001, "updates: [{params: {w0: 1.034}}]", "updates.1.params.w0"),
    ("no_learning_rate", SEED001, "updates: [{params: {w0: -2.4}}]", "updates.1.params.w0"),
    # sample 2's z is -1; sample 1's is 3
    ("wrong_sample", SEED001, "samples: [{}, {z: 3}]", "samples.2.z"),
    # seed 003's own slip: sample 2's z1 is sigma(0.12) = 0.52996, z2 is sigma(0.1) = 0.52498
    ("wrong_unit", SEED003, "samples: [{}, {z1: 0.52498}]", "samples.2.z1"),
    ("decimal_point", SEED003, "samples: [{}, {}, {yhat: 0.5722303}]", "samples.3.yhat"),
    # dL/dW1 = [[-6, -3], [1.375, 1.625]]
    ("transposed", LAYERED, "gradients: {W1: [[-6, 1.375], [-3, 1.625]]}", "gradients.W1"),
    # dL/dW2 = [[-2, -7.875]], given as a column
    ("transposed", LAYERED, "gradients: {W2: [[-2], [-7.875]]}", "gradients.W2"),
]


@pytest.mark.parametrize("code,problem,answers,name", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_mistake_is_named(code, problem, answers, name):
    result = results(problem, answers)[name]
    assert result.verdict == "incorrect"
    assert result.diagnosis == code
    assert result.message == next(m.sentence for m in MISTAKES if m.code == code) or \
        result.message.startswith(next(m.sentence for m in MISTAKES if m.code == code)[:-1])


def test_every_mistake_in_the_table_has_a_case():
    assert {m.code for m in MISTAKES} == {c[0] for c in CASES}


def test_a_wrong_number_no_mistake_explains_has_no_diagnosis():
    result = results(SEED000, "samples: [{dL/dyhat: 0.3}]")["samples.1.dL/dyhat"]
    assert (result.verdict, result.diagnosis) == ("incorrect", None)


def test_the_right_value_is_never_called_a_mistake():
    # with one sample the mean and the sum are the same: the right loss stays right
    result = results(SEED000, "loss: 0.0061919")["loss"]
    assert (result.verdict, result.diagnosis) == ("correct", None)
