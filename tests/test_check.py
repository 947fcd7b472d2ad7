"""backprop check: the seeds' own hand answers, carried errors told from new ones, every
form, bad answers files (one line, the place, exit 2), and the JSON and Gradescope output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_cli.check import Tolerance, check_answers

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
ANSWERS = PROBLEMS / "answers"
SEED000 = str(PROBLEMS / "seed000_sparse_sigmoid.yaml")
SEED001 = str(PROBLEMS / "seed001_relu_two_samples.yaml")
SEED003 = str(PROBLEMS / "seed003_q12_numeric_pass.yaml")
LAYERED = str(PROBLEMS / "layered_scalar_two_samples.yaml")


def results(problem, answers, **tolerance) -> dict:
    report = check_answers(problem, answers, Tolerance(**tolerance) if tolerance else None)
    return {r.name: r for r in report.results}


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "backprop_cli", "check", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT)


# -- the seeds ------------------------------------------------------------------------------

def test_seed000_rounded_hand_values_all_pass():
    report = check_answers(SEED000, str(ANSWERS / "seed000_sparse_sigmoid.yaml"))
    assert len(report.results) == 12
    assert report.all_correct, [(r.name, r.verdict) for r in report.results]


def test_seed003_numeric_pass_is_marked_where_its_arithmetic_goes_wrong():
    marked = results(SEED003, str(ANSWERS / "seed003_q12_numeric_pass.yaml"))
    wrong = {name: r.diagnosis for name, r in marked.items() if r.verdict != "correct"}
    # sample 2: z1 and z2 swapped (w2's weights used for z1); sample 3: yhat ten times too
    # large; every gradient: signs, the 2 and the sums mixed up, no one mistake explains them
    assert wrong == {"samples.2.z1": "wrong_unit", "samples.2.z2": "wrong_unit",
                     "samples.3.yhat": "decimal_point",
                     "gradients.v1": None, "gradients.v2": None, "gradients.v3": None,
                     "gradients.w10": None, "gradients.w11": None, "gradients.w12": None}
    assert "(samples.2.z2)" in marked["samples.2.z1"].message
    # yhat of sample 2 is right though z1 and z2 were swapped: right is right
    assert marked["samples.2.yhat"].verdict == "correct"


def test_seed003_digit_slip_is_within_the_default_tolerance_but_not_a_tighter_one():
    answers = str(ANSWERS / "seed003_q12_numeric_pass.yaml")
    assert results(SEED003, answers)["samples.3.z2"].verdict == "correct"  # 0.522184 for 0.522485
    assert results(SEED003, answers, rtol=1e-4)["samples.3.z2"].verdict == "incorrect"
    assert results(SEED003, answers, sigfigs=6)["samples.3.z2"].verdict == "incorrect"


# -- carried errors ---------------------------------------------------------------------------

def test_a_value_right_from_a_wrong_earlier_answer_is_carried_and_names_it():
    # h1 = 0.8 is wrong (0.78751); z3 = 0.8 * -0.2 + 0.94979 * 0.5 = 0.3149 follows from it
    marked = results(SEED000, "samples: [{h1: 0.8, z3: 0.3149, yhat: 0.57808}]")
    assert marked["samples.1.h1"].verdict == "incorrect"
    for name in ("samples.1.z3", "samples.1.yhat"):  # yhat through z3: still from h1
        assert marked[name].verdict == "carried"
        assert "samples.1.h1" in marked[name].message


def test_carried_through_a_quantity_not_given():
    # z3 is not given: yhat = sigma(0.8 * -0.2 + 0.94979 * 0.5) = 0.57808 from their h1
    marked = results(SEED000, "samples: [{h1: 0.8, yhat: 0.57808}]")
    assert marked["samples.1.yhat"].verdict == "carried"


def test_a_new_mistake_after_a_wrong_answer_is_incorrect_not_carried():
    marked = results(SEED000, "samples: [{h1: 0.8, z3: -0.3149}]")
    assert (marked["samples.1.z3"].verdict, marked["samples.1.z3"].diagnosis) == \
        ("incorrect", "sign")


def test_right_from_the_students_rounded_numbers_is_correct():
    # z3 = 0.31739 rounded to 0.32 (right at the two digits written); then
    # yhat = sigma(0.32) = 0.57932, which is not 0.57869 but is right from their z3
    marked = results(SEED000, "samples: [{z3: 0.32, yhat: 0.57932}]")
    assert marked["samples.1.z3"].verdict == "correct"
    assert marked["samples.1.yhat"].verdict == "correct"
    assert marked["samples.1.yhat"].message == "Right, given your own earlier (rounded) numbers."
    assert results(SEED000, "samples: [{yhat: 0.57932}]")["samples.1.yhat"].verdict == "incorrect"


def test_carried_into_an_update():
    # dL/dw0 = 3.4 given as 2.0: w0 = 1 - 0.01 * 2.0 = 0.98 (not 0.966) is carried
    marked = results(SEED001, "gradients: {w0: 2.0}\nupdates: [{params: {w0: 0.980}}]")
    assert marked["gradients.w0"].verdict == "incorrect"
    assert marked["updates.1.params.w0"].verdict == "carried"


# -- every form ------------------------------------------------------------------------------

def test_layered_whole_matrices_entries_and_spellings():
    marked = results(LAYERED, """
samples:
  - z1: [1, 3]
    dl/dz1: [-6, 2]
  - dl(2)/dz1: [0, 1.25]
gradients:
  W1: [[-6, -3], [1.375, null]]
  W2.1.2: -7.875
""")
    assert {r.verdict for r in marked.values()} == {"correct"}
    assert set(marked) == {"samples.1.z1", "samples.1.dl/dz1", "samples.2.dl(2)/dz1",
                           "gradients.W1", "gradients.W2.1.2"}


def test_the_text_names_the_problem_in_every_form():
    for problem, answers in ((SEED000, "loss: 0.0061919"), (LAYERED, "loss: 2.78125"),
                             (str(PROBLEMS / "seed003_q13b_jacobian.yaml"), "at: [[2, 2], [3, 16]]")):
        done = run(problem, "-", stdin=answers)
        assert done.stdout.startswith("Checking: ") and done.returncode == 0


def test_layered_carried_entry_names_the_entry():
    # dL/dW2 = [[-2, -7.875]]; with -2 given as -3: W2 = 1.5 - 0.05 * (-3) = 1.65
    marked = results(LAYERED, "gradients: {W2: [[-3, -7.875]]}\n"
                              "updates: [{params: {W2: [[1.65, -0.10625]]}}]")
    assert marked["gradients.W2"].verdict == "incorrect"
    assert marked["updates.1.params.W2"].verdict == "carried"
    assert "gradients.W2.1.1" in marked["updates.1.params.W2"].message


CALCULUS = {"function": {"J": "(w0 + w1*x1 - y)**2/2"}, "wrt": ["w0", "w1"],
            "at": {"w0": 0.5, "w1": -1, "x1": 1.5, "y": 1}, "update": {"lr": 0.1}}


def test_calculus_at_and_update_with_carried_and_update_sign():
    # residual 0.5 - 1.5 - 1 = -2: dJ/dw0 = -2, dJ/dw1 = -3; w0 <- 0.5 + 0.2 = 0.7
    marked = results(CALCULUS, "at: [[-2, -3.5]]\nupdate: {w0: 0.7, w1: -0.65}")
    assert marked["at"].verdict == "incorrect"
    assert marked["update.w1"].verdict == "carried"  # -1 - 0.1 * (-3.5)
    assert marked["update.w0"].verdict == "correct"
    assert results(CALCULUS, "update: {values: {w0: 0.3}}")["update.values.w0"].diagnosis == \
        "update_sign"
    assert results(CALCULUS, "at: {dJ/dw1: -3}")["at.dJ/dw1"].verdict == "correct"


# -- bad answers files ---------------------------------------------------------------------------

BAD = [
    ("gradients: {w9: 0.1}\n", "line 1", "gradients.w9", "did you mean 'gradients.w1'"),
    ("samples:\n  - h1: abc\n", "line 2", "samples.1.h1", "must be a number"),
    ("loss: [1, 2]\n", "line 1", "loss", "must be a number"),
    ("- 1\n- 2\n", "", "", "an answers file is a mapping"),
    ("", "", "", "gives no numbers"),
    ("samples: [{}, null]\n", "", "", "gives no numbers"),
    ("loss: [1\n", "line", "", "invalid YAML"),
]


@pytest.mark.parametrize("text,line,place,words", BAD)
def test_a_bad_answers_file_is_one_line_with_the_place_and_exit_2(tmp_path, text, line, place,
                                                                  words):
    answers = tmp_path / "answers.yaml"
    answers.write_text(text)
    done = run(SEED000, str(answers))
    assert done.returncode == 2
    assert done.stdout == ""
    message = done.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert line in message and place in message and words in message


def test_a_symbolic_problem_has_nothing_to_check_and_says_so():
    done = run(str(PROBLEMS / "seed002_regression_symbolic.yaml"), "-", stdin="loss: 1\n")
    assert done.returncode == 2 and "no numbers to check" in done.stderr
    done = run(str(PROBLEMS / "symbolic_weights.yaml"), "-", stdin="loss: 1\n")
    assert done.returncode == 2 and "\n" not in done.stderr.strip()


def test_later_passes_and_the_solve_json_shape():
    marked = results(SEED001, "updates: [{loss: 2.8556, samples: [{z: 2.898}]}]\n"
                              "samples: [{values: {z: 3}, loss: 2.89}]")
    assert set(marked) == {"updates.1.loss", "updates.1.samples.1.z", "samples.1.values.z",
                           "samples.1.loss"}
    assert {r.verdict for r in marked.values()} == {"correct"}


def test_a_matrix_of_the_wrong_shape_is_an_error(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("gradients:\n  W1: [[1, 2, 3], [4, 5, 6]]\n")
    done = run(LAYERED, str(answers))
    assert done.returncode == 2
    assert "line 2" in done.stderr and "gradients.W1" in done.stderr and "2×2" in done.stderr


def test_jacobian_is_refused_where_there_is_none():
    with pytest.raises(Exception, match="under at:"):
        check_answers(SEED000, "jacobian: [['w0']]")


# -- the command line and its formats ------------------------------------------------------

def test_exit_status_and_stdin():
    good = (ANSWERS / "seed000_sparse_sigmoid.yaml").read_text()
    assert run(SEED000, "-", stdin=good).returncode == 0
    assert run(SEED000, "-", stdin="loss: 1\n").returncode == 1


def test_json_format():
    done = run(SEED000, "-", "--format", "json", stdin="loss: 0.0061919\nsamples: [{h1: 0.5}]\n")
    data = json.loads(done.stdout)
    assert data["format"] == 1 and data["score"] == 1 and data["max_score"] == 2
    assert [sorted(r) for r in data["results"]] == [
        sorted(["name", "given", "expected", "verdict", "diagnosis", "message"])] * 2
    assert [r["name"] for r in data["results"]] == ["samples.1.h1", "loss"]  # solution order
    assert data["results"][0]["verdict"] == "incorrect"


def test_gradescope_format():
    done = run(SEED000, "-", "--format", "gradescope",
               stdin="loss: 0.0061919\nsamples: [{dL/dyhat: -0.15738}]\n")
    data = json.loads(done.stdout)
    assert data["score"] == 1
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in data["tests"]] == [
        ("samples.1.dL/dyhat", 0, 1, "failed"), ("loss", 1, 1, "passed")]
    assert "(sign)" in data["tests"][0]["output"]
    assert all(isinstance(t["output"], str) for t in data["tests"])


def test_text_shows_the_right_worked_line_for_what_is_wrong():
    done = run(SEED000, "-", stdin="samples: [{dL/dyhat: -0.15738}]\n")
    assert done.returncode == 1
    assert "✗ samples.1.dL/dyhat = -0.15738" in done.stdout
    hat = "y\u0302"  # ŷ as the text printer writes it
    assert f"∂Div/∂{hat} = 2({hat} − y) = 2 · (0.57869 − 0.5) = 0.15738" in done.stdout
    assert "\x1b[" not in done.stdout  # no colour off a terminal


def test_the_readme_session_is_real():
    readme = (ROOT / "README.md").read_text()
    command = "$ backprop check problems/seed001_relu_two_samples.yaml mine.yaml\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    student = readme.split("$ cat mine.yaml\n", 1)[1].split("$ backprop", 1)[0]
    assert student == (ANSWERS / "seed001_student_example.yaml").read_text()
    done = run(SEED001, str(ANSWERS / "seed001_student_example.yaml"))
    assert done.returncode == 1
    assert done.stdout == shown


# -- a calculus problem's Jacobian as formulas ---------------------------------------------------

JACOBIAN = str(PROBLEMS / "seed003_q13b_jacobian.yaml")  # F = (x² + 2y, 3x + 4y²) at (1, 2)


def test_jacobian_formulas_any_correct_spelling_is_right():
    marked = results(JACOBIAN, 'jacobian: [["x + x", 2], [3, "4*y + 4*y"]]\nat: [[2, 2], [3, 16]]')
    assert {r.verdict for r in marked.values()} == {"correct"}
    assert marked["jacobian"].expected == [["2*x", "2"], ["3", "8*y"]]


@pytest.mark.parametrize("answers,name,diagnosis", [
    ('jacobian: [["2*x", 2], [3, "-8*y"]]', "jacobian", "sign"),
    ('derivatives: {df2/dy: "4*y"}', "derivatives.df2/dy", "factor_2"),
    ('jacobian: [["2*x", 3], [2, "8*y"]]', "jacobian", "transposed"),
    ("jacobian: {df1/dx: x**2}", "jacobian.df1/dx", None),
])
def test_jacobian_formula_mistakes(answers, name, diagnosis):
    result = results(JACOBIAN, answers)[name]
    assert (result.verdict, result.diagnosis) == ("incorrect", diagnosis)


def test_a_formula_that_cannot_be_read_is_one_line_with_its_place(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text('jacobian:\n  - ["2*x", 2]\n  - [3, "8*y +"]\n')
    done = run(JACOBIAN, str(answers))
    assert done.returncode == 2
    assert "line 3" in done.stderr and "jacobian.2.2" in done.stderr
    assert "\n" not in done.stderr.strip()


def test_a_formula_is_read_by_the_safe_parser_only():
    from backprop_cli.errors import SpecError

    with pytest.raises(SpecError, match="not a formula backprop can read"):
        results(JACOBIAN, "jacobian: {df1/dx: \"__import__('os').getcwd()\"}")


RIDGE = str(PROBLEMS / "calculus_ridge_update.yaml")  # eta a symbol: the step is formulas


def test_a_symbolic_step_is_checked_as_formulas():
    marked = results(RIDGE, """
update:
  formulas: {w0: "w0 + eta*(w0 + w1*x1 + w2*x2 - y)", w1: "w1 - (lam*w1 + x1*(w0 + w1*x1 + w2*x2 - y))"}
  values: {w0: "1/2 + 3*eta", w1: "-1 - 23*eta/5", w2: "2 - 1.7*eta"}
""")
    verdicts = {name: (r.verdict, r.diagnosis) for name, r in marked.items()}
    assert verdicts == {"update.formulas.w0": ("incorrect", "update_sign"),
                        "update.formulas.w1": ("incorrect", "no_learning_rate"),
                        "update.values.w0": ("correct", None),
                        "update.values.w1": ("incorrect", "update_sign"),
                        "update.values.w2": ("correct", None)}


def test_calculus_chain_rule_carries_a_wrong_inner_value():
    # G(t) = (t, t²), F = (x² + 2y, 3x + 4y²) at t = 2: y = 4; with y = 5,
    # ∂f2/∂t = 3 + 8y · 2t = 163 is right from their y
    marked = results(str(PROBLEMS / "seed003_q13c_chain.yaml"),
                     "at: {x: 2, y: 5, df1/dt: 12, df2/dt: 163}")
    assert [marked[n].verdict for n in ("at.x", "at.y", "at.df1/dt", "at.df2/dt")] == \
        ["correct", "incorrect", "correct", "carried"]
    assert "at.y" in marked["at.df2/dt"].message


NUMERIC = [p for p in sorted(PROBLEMS.glob("*.yaml"))
           if p.stem in ("seed000_sparse_sigmoid", "seed001_relu_two_samples", "optim_adam",
                         "layered_batch_of_four", "batch_minibatch_layered",
                         "regularization_l2_graph", "seed003_q13c_chain", "calculus_jacobian_3x3",
                         "calculus_ridge_update", "seed004_numeric_batch_row",
                         # the typed layers: kernels and maps nested deeper than a matrix, a
                         # flatten's entries shared with the pool before it, μ, σ², x̂, hₜ
                         "conv_relu_maxpool_dense", "conv_two_channel_stride2_pad1",
                         "conv1d_two_steps", "batchnorm_mini_batches", "rnn_three_steps")]


@pytest.mark.parametrize("path", NUMERIC, ids=lambda p: p.stem)
def test_a_copy_of_the_solve_json_is_all_right(path):
    import backprop_cli as bp

    copy = json.dumps(bp.solve(str(path)).to_json())
    report = check_answers(str(path), copy)
    assert report.results and report.all_correct, \
        [(r.name, r.verdict) for r in report.results if r.verdict != "correct"]


def test_colour_when_asked_and_the_tolerance_options():
    done = run(SEED000, "-", "--color", stdin="samples: [{h1: 0.5}]\n")
    assert "\x1b[" in done.stdout and done.returncode == 1
    # 0.7875 for 0.78751: right at rtol 1e-3 and at 4 figures, not at 6 or at rtol 1e-6
    assert run(SEED000, "-", stdin="samples: [{h1: 0.7875}]\n").returncode == 0
    assert run(SEED000, "-", "--sigfigs", "6", stdin="samples: [{h1: 0.7875}]\n").returncode == 1
    assert run(SEED000, "-", "--rtol", "1e-6", "--atol", "0",
               stdin="samples: [{h1: 0.7875}]\n").returncode == 0  # its 4 digits are right
    assert run(SEED000, "-", "--sigfigs", "0", stdin="loss: 1\n").returncode == 2


def test_an_optimizers_state_carries_too():
    # momentum 0.9, weight decay 0.01, lr 0.1, b2 = 0.2: with their g = -0.9 the velocity
    # is -0.9 + 0.01 * 0.2 = -0.898 and b2 = 0.2 + 0.1 * 0.898 = 0.2898
    marked = results(str(PROBLEMS / "optim_sgd_momentum.yaml"),
                     "gradients: {b2: -0.9}\nupdates: [{params: {b2: 0.2898}, "
                     "state: {velocity: {b2: -0.898}}}]")
    assert [marked[n].verdict for n in ("gradients.b2", "updates.1.params.b2",
                                        "updates.1.state.velocity.b2")] == \
        ["incorrect", "carried", "carried"]


def test_a_kernel_given_whole_is_read_as_deep_as_it_is_nested():
    """gradients.K1 given whole (filters × channels × k × k): right as solve gives it,
    incorrect with one entry off, and a kernel of the wrong shape is named by its shape."""
    import backprop_cli as bp
    from backprop_cli.errors import SpecError

    path = str(PROBLEMS / "conv_relu_maxpool_dense.yaml")
    kernel = bp.solve(path).to_json()["gradients"]["K1"]
    assert len(kernel) == 1 and len(kernel[0]) == 1 and len(kernel[0][0]) == 2  # 1×1×2×2
    right = check_answers(path, json.dumps({"gradients": {"K1": kernel}}))
    assert [r.verdict for r in right.results] == ["correct"]
    kernel[0][0][1][0] += 0.5
    wrong = check_answers(path, json.dumps({"gradients": {"K1": kernel}}))
    assert [r.verdict for r in wrong.results] == ["incorrect"]
    with pytest.raises(SpecError, match="a 1×1×2×2 array; this is a 1×1×2×3 array"):
        check_answers(path, json.dumps({"gradients": {"K1": [[[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]]]}}))
