"""The graph form's softmax node and cross_entropy (issue 15), against torch in float64.

`p: softmax(s1, s2, s3)` declares p1, p2, p3; `loss: cross_entropy` is −Σₖ yₖ log pₖ with
a class index counted from 0 (torch.nn.functional.cross_entropy's target) or one-hot
targets; `q: log_softmax(...)` with cross_entropy is torch's nll_loss of log_softmax. The
loss, every gradient and the parameters after one SGD step must agree with torch to 1e-10;
the worked line of ∂ℓ/∂sⱼ ends in pⱼ − yⱼ, with the note saying why, once a sample.
Skipped where torch is not installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import backprop_cli as bp
from backprop_cli.errors import SpecError
from backprop_cli.spec import load_problem

EXAMPLE = Path(__file__).resolve().parent.parent / "problems" / "graph_softmax_classifier.yaml"

PARAMS = {"w11": 0.2, "w12": -0.5, "b1": 0.1, "w21": 1.5, "w22": 1.3, "b2": 2.0,
          "w31": 0.0, "w32": 0.25, "b3": -0.3}
DATA = [((-1.5, 1.2), 2), ((0.4, -0.8), 0)]

GRAPH = """\
inputs: [x1, x2]
targets: TARGETS
params: {w11: 0.2, w12: -0.5, b1: 0.1, w21: 1.5, w22: 1.3, b2: 2.0, w31: 0, w32: 0.25, b3: -0.3}
nodes:
  s1: w11*x1 + w12*x2 + b1
  s2: w21*x1 + w22*x2 + b2
  s3: w31*x1 + w32*x2 + b3
  p: KIND(s1, s2, s3)
loss: cross_entropy
data:
DATA
reduction: REDUCTION
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


def spec(kind="softmax", one_hot=False, reduction="mean") -> str:
    rows = []
    for (x1, x2), c in DATA:
        target = ", ".join(f"y{k + 1}: {int(k == c)}" for k in range(3)) if one_hot else f"y: {c}"
        rows.append(f"  - {{x1: {x1}, x2: {x2}, {target}}}")
    return (GRAPH.replace("TARGETS", "[y1, y2, y3]" if one_hot else "[y]").replace("KIND", kind)
            .replace("DATA", "\n".join(rows)).replace("REDUCTION", reduction))


def torch_reference(reduction: str, log_softmax: bool):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    w = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in PARAMS.items()}
    x = torch.tensor([d[0] for d in DATA], dtype=torch.float64)
    y = torch.tensor([d[1] for d in DATA])
    scores = torch.stack([w[f"w{k}1"] * x[:, 0] + w[f"w{k}2"] * x[:, 1] + w[f"b{k}"]
                          for k in (1, 2, 3)], dim=1)
    if log_softmax:
        loss = F.nll_loss(F.log_softmax(scores, dim=1), y, reduction=reduction)
    else:
        loss = F.cross_entropy(scores, y, reduction=reduction)
    loss.backward()
    grads = {k: float(v.grad) for k, v in w.items()}
    return float(loss.detach()), grads, {k: PARAMS[k] - 0.1 * g for k, g in grads.items()}


@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
@pytest.mark.parametrize("one_hot", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_loss_gradients_and_step_agree_with_torch(kind, one_hot, reduction):
    loss, grads, after = torch_reference(reduction, kind == "log_softmax")
    out = bp.solve(spec(kind, one_hot, reduction)).to_json()
    assert out["loss"] == pytest.approx(loss, abs=1e-10, rel=1e-10)
    assert set(out["gradients"]) == set(grads)
    for name, g in grads.items():
        assert out["gradients"][name] == pytest.approx(g, abs=1e-10, rel=1e-10), name
        assert out["updates"][0]["params"][name] == pytest.approx(after[name], abs=1e-10), name


def test_the_example_is_the_class_index_spec_and_agrees_with_torch():
    loss, grads, _ = torch_reference("mean", False)
    out = bp.solve(str(EXAMPLE)).to_json()
    assert out["loss"] == pytest.approx(loss, abs=1e-10)
    assert all(out["gradients"][k] == pytest.approx(g, abs=1e-10) for k, g in grads.items())


def test_the_backward_line_ends_in_p_minus_y_with_its_note_once_a_sample():
    text = bp.solve(spec()).to_text(width=200)
    assert "∂ℓ⁽¹⁾/∂p₃ · p₃(1 − p₃) = p₃ − y₃ = 0.19397 − 1 = −0.80603" in text
    assert text.count("(softmax with cross-entropy:") == 2  # once for each sample
    assert "= p₂ − y₂ = 0.71888 − 0 = 0.71888" in text
    lines = [s["latex"] for s in bp.solve(spec()).to_json()["steps"] if s["name"] == "dl(1)/ds3"]
    assert lines and lines[0].endswith("= p_{3} - y_{3} = 0.19397 - 1 = -0.80603")


def test_log_softmax_simplifies_to_the_exponential_of_q_minus_y():
    text = bp.solve(spec("log_softmax")).to_text(width=200)
    assert "= e^p₃ − y₃ = e^(−1.6401) − 1 = −0.80603" in text


def test_the_class_index_is_written_one_hot_in_the_given_data():
    text = bp.solve(spec()).to_text(width=200)
    assert "sample 1: x₁ = −1.5, x₂ = 1.2, y = 2, y₁ = 0, y₂ = 0, y₃ = 1" in text


@pytest.mark.parametrize("change, field, message", [
    (("y: 2}", "y: 3}"), "data[0].y", "the class index is a whole number from 0 to 2 (counted "
                                      "from 0, as torch counts), not 3"),
    (("y: 2}", "y: 1.5}"), "data[0].y", "not 1.5"),
    (("y: 2}", "y: null}"), "data[0].y", "the class index must be a number from 0 to 2"),
    (("p: softmax(s1, s2, s3)", "p: softmax(s1)"), "nodes.p", "softmax takes the names of two or more"),
    (("p: softmax(s1, s2, s3)", "p: softmax(s1, s2, s1 + s3)"), "nodes.p", "takes names, not formulas"),
    (("p: softmax(s1, s2, s3)", "p: softmax(s1, s2, s4)"), "nodes.p", "'s4' is not declared before p"),
    (("loss: cross_entropy", "loss: squared_error"), "loss", "squared_error takes one output, and p "
                                                             "is a softmax of 3"),
    (("  s3: w31", "  p1: 2*x1\n  s3: w31"), "nodes.p", "'p1' is already declared"),
])
def test_mistakes_are_refused_with_their_field(change, field, message):
    with pytest.raises(SpecError) as info:
        load_problem(spec().replace(*change), "softmax.yaml")
    assert info.value.field == field
    assert message in info.value.message


def test_one_hot_targets_must_add_up_to_one():
    with pytest.raises(SpecError) as info:
        load_problem(spec(one_hot=True).replace("y1: 0, y2: 0, y3: 1", "y1: 0, y2: 1, y3: 1"))
    assert info.value.field == "data[0]"
    assert "add up to 2; one-hot (or probabilities) add up to 1" in info.value.message


def test_a_class_index_whose_one_hot_names_are_taken_is_refused():
    with pytest.raises(SpecError) as info:
        load_problem(spec().replace("inputs: [x1, x2]", "inputs: [x1, x2, y1]")
                     .replace("x2: 1.2,", "x2: 1.2, y1: 0,").replace("x2: -0.8,", "x2: -0.8, y1: 0,"))
    assert "written one-hot as y1, y2, y3, and 'y1' is a name of the problem" in info.value.message
