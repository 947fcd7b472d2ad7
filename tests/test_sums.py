"""samples: m (issue 15): a loss over a symbolic number of samples in Σ notation.

The JSON's `sums` formulas (Sum over i = 1..m, each sample's data a function of i) are
checked by putting in a number for m and data for each sample and comparing with the
graph form's solve of that concrete problem (its own engine, no Σ involved); the printed Σ
lines are checked as strings, without SymPy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

import backprop_cli as bp
from backprop_cli.errors import SpecError
from backprop_cli.spec import load_problem

PROBLEMS = Path(__file__).resolve().parent.parent / "problems"
Q14 = PROBLEMS / "seed003_q14_logistic_sum.yaml"
THETA = {"theta0": 0.5, "theta1": -1.0, "theta2": 2.0}
DATA = [{"x0": 1, "x1": 0.5, "x2": -0.25, "y": 1}, {"x0": 1, "x1": -1.5, "x2": 0.75, "y": 0},
        {"x0": 1, "x1": 2.0, "x2": 1.0, "y": 1}]

CONCRETE = """\
inputs: [x0, x1, x2]
params: {theta0: 0.5, theta1: -1, theta2: 2}
nodes:
  z: theta0*x0 + theta1*x1 + theta2*x2
  h: sigmoid(z)
loss: -(y*log(h) + (1 - y)*log(1 - h))
data:
DATA
reduction: REDUCTION
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


def concrete(reduction: str) -> dict:
    rows = "\n".join("  - {" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}" for d in DATA)
    return bp.solve(CONCRETE.replace("DATA", rows).replace("REDUCTION", reduction)).to_json()


def put_in(text: str, eta=None) -> float:
    """A `sums` formula with m = 3, each sample's data and the parameters put in."""
    expr = sp.sympify(text).subs(sp.Symbol("m", integer=True, positive=True), len(DATA))
    expr = expr.subs(sp.Symbol("m"), len(DATA)).doit()
    values = {sp.Function(k)(i + 1): v for i, d in enumerate(DATA) for k, v in d.items()}
    values.update({sp.Symbol(k): v for k, v in THETA.items()})
    if eta is not None:
        values[sp.Symbol("eta")] = eta
    return float(expr.subs(values).evalf(30))


def spec(reduction: str) -> str:
    return Q14.read_text().replace("reduction: sum", f"reduction: {reduction}")


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_the_sum_formulas_at_three_samples_are_the_concrete_problem(reduction):
    sums = bp.solve(spec(reduction)).to_json()["sums"]
    assert (sums["samples"], sums["index"], sums["reduction"]) == ("m", "i", reduction)
    assert sums["data"] == ["x0", "x1", "x2", "y"]
    expected = concrete(reduction)
    assert put_in(sums["loss"]) == pytest.approx(expected["loss"], rel=1e-12)
    for name, g in expected["gradients"].items():
        assert put_in(sums["gradients"][name]) == pytest.approx(g, rel=1e-12, abs=1e-14), name
        assert put_in(sums["update"][name], eta=0.1) == \
            pytest.approx(expected["updates"][0]["params"][name], rel=1e-12), name


def test_the_sum_lines_read_as_the_seed_writes_them():
    text = bp.solve(Q14).to_text(width=200)
    assert "L      = Σᵢ J⁽ⁱ⁾ = Σᵢ (−(y⁽ⁱ⁾ log(σ(z⁽ⁱ⁾)) + (1 − y⁽ⁱ⁾) log(1 − σ(z⁽ⁱ⁾))))" in text
    assert "∂L/∂θ₁ = Σᵢ ∂J⁽ⁱ⁾/∂θ₁ = Σᵢ x₁⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾)" in text
    assert "θ₂ ← θ₂ − α · ∂L/∂θ₂ = θ₂ − α Σᵢ x₂⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾)" in text
    mean = bp.solve(spec("mean")).to_text(width=200)
    assert "∂L/∂θ₁ = (1/m) Σᵢ ∂J⁽ⁱ⁾/∂θ₁ = (1/m) Σᵢ x₁⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾)" in mean
    assert "θ₀ ← θ₀ − α · ∂L/∂θ₀ = θ₀ − α (1/m) Σᵢ x₀⁽ⁱ⁾(σ(z⁽ⁱ⁾) − y⁽ⁱ⁾)" in mean


def test_the_latex_writes_the_sum_from_one_to_m():
    steps = {s["name"]: s["latex"] for s in bp.solve(spec("mean")).to_json()["steps"]}
    assert steps["dL/dtheta1"] == ("\\frac{\\partial L}{\\partial \\theta_{1}} = \\frac{1}{m} "
                                   "\\sum_{i=1}^{m} \\frac{\\partial J^{(i)}}{\\partial \\theta_{1}} = "
                                   "\\frac{1}{m} \\sum_{i=1}^{m} x_{1}^{(i)} \\left(\\sigma\\mathopen{}"
                                   "\\left(z^{(i)}\\right) - y^{(i)}\\right)")


@pytest.mark.parametrize("change, field, message", [
    (("samples: m", "samples: 3"), "samples", "samples: takes the symbol of the number of samples"),
    (("samples: m", "samples: m\nat: {theta0: 1, theta1: 1, theta2: 1, x0: 1, x1: 1, x2: 1, y: 1}"),
     "at", "there is no point to evaluate at"),
    (("samples: m", "samples: theta0"), "samples", "'theta0' is already a name of the formulas"),
    (("reduction: sum", "reduction: max"), "reduction", "must be 'mean' or 'sum'"),
    (("samples: m\n", ""), "reduction", "reduction: is about the samples of samples: m"),
    (("wrt: [theta0, theta1, theta2]", "wrt: [theta0, theta1, theta2, x0, x1, x2, y]"), "wrt",
     "nothing differs from sample to sample"),
])
def test_mistakes_are_refused_with_their_field(change, field, message):
    with pytest.raises(SpecError) as info:
        load_problem(Q14.read_text().replace(*change), "sums.yaml")
    assert info.value.field == field
    assert message in info.value.message


Q20 = PROBLEMS / "seed003_q20_softmax_sum.yaml"
W = {"theta11": 0.5, "theta12": -0.2, "theta21": 0.1, "theta22": 0.3, "theta31": -0.4,
     "theta32": 0.6}
CLASSES = [((2.0, 1.0), 1), ((-1.0, 0.5), 0), ((0.5, -1.5), 2)]
SOFTMAX = """\
inputs: [x1, x2]
params: {theta11: 0.5, theta12: -0.2, theta21: 0.1, theta22: 0.3, theta31: -0.4, theta32: 0.6}
nodes:
  z1: theta11*x1 + theta12*x2
  z2: theta21*x1 + theta22*x2
  z3: theta31*x1 + theta32*x2
  s: softmax(z1, z2, z3)
loss: cross_entropy
data:
DATA
reduction: sum
"""


def test_the_softmax_sums_at_three_samples_are_the_graph_forms_classifier():
    """Seed 003 q20 in Σ form, put in at three samples of classes 1, 0, 2 (one-hot), against
    the graph form's softmax node and cross_entropy with the class index."""
    rows = "\n".join(f"  - {{x1: {x1}, x2: {x2}, y: {c}}}" for (x1, x2), c in CLASSES)
    expected = bp.solve(SOFTMAX.replace("DATA", rows)).to_json()
    sums = bp.solve(Q20).to_json()["sums"]
    assert sums["data"] == ["x1", "x2", "y1", "y2", "y3"]
    values = {}
    for i, ((x1, x2), c) in enumerate(CLASSES, 1):
        values.update({sp.Function("x1")(i): x1, sp.Function("x2")(i): x2})
        values.update({sp.Function(f"y{k + 1}")(i): int(k == c) for k in range(3)})
    values.update({sp.Symbol(k): v for k, v in W.items()})

    def at(text):
        return float(sp.sympify(text).subs(sp.Symbol("m"), 3).doit().subs(values).evalf(30))

    assert at(sums["loss"]) == pytest.approx(expected["loss"], rel=1e-12)
    for name, g in expected["gradients"].items():
        assert at(sums["gradients"][name]) == pytest.approx(g, rel=1e-12, abs=1e-14), name


def test_one_hot_targets_simplify_each_gradient_to_s_minus_y():
    text = bp.solve(Q20).to_text(width=200)
    assert ("∂L/∂θ₂₁ = Σᵢ ∂J⁽ⁱ⁾/∂θ₂₁ = Σᵢ x₁⁽ⁱ⁾(s₂⁽ⁱ⁾y₁⁽ⁱ⁾ + s₂⁽ⁱ⁾y₃⁽ⁱ⁾ − y₂⁽ⁱ⁾(1 − s₂⁽ⁱ⁾)) "
            "= Σᵢ x₁⁽ⁱ⁾(s₂⁽ⁱ⁾ − y₂⁽ⁱ⁾)") in text
    assert "θ₃₂ ← θ₃₂ − α · ∂L/∂θ₃₂ = θ₃₂ − α Σᵢ x₂⁽ⁱ⁾(s₃⁽ⁱ⁾ − y₃⁽ⁱ⁾)" in text
    assert "y₁ + y₂ + y₃ = 1 in every sample" in text
    without = bp.solve(Q20.read_text().replace("one_hot: [y1, y2, y3]\n", "")).to_text(width=200)
    assert "= Σᵢ x₁⁽ⁱ⁾(s₂⁽ⁱ⁾ − y₂⁽ⁱ⁾)" not in without  # nothing says they add up to 1


def test_one_hot_names_data():
    with pytest.raises(SpecError) as info:
        load_problem(Q20.read_text().replace("one_hot: [y1, y2, y3]", "one_hot: [y1, theta11]"))
    assert info.value.field == "one_hot"


SEED001 = PROBLEMS / "seed001_relu_two_samples.yaml"
SEED001_SUM = PROBLEMS / "seed001_relu_sum.yaml"


def test_the_graph_forms_sums_at_seed_001s_data_are_its_solve():
    """Seed 001 in Σ form, with m = 2 and the seed's two samples and θ = (1, 1, 0, 1, 0) put
    in: the loss 3.25, the gradients and the step of seed001_relu_two_samples' own solve."""
    expected = bp.solve(SEED001).to_json()
    out = bp.solve(SEED001_SUM).to_json()
    sums = out["sums"]
    assert (sums["samples"], sums["reduction"], sums["data"]) == ("m", "mean", ["x1", "x2", "y"])
    data = [{"x1": 2, "x2": 1, "y": sp.Rational(13, 10)}, {"x1": -3, "x2": 2, "y": sp.Rational(19, 10)}]
    values = {sp.Function(k)(i + 1): v for i, d in enumerate(data) for k, v in d.items()}
    values.update({sp.Symbol(w): v for w, v in {"w0": 1, "w1": 1, "w2": 0, "w3": 1, "w4": 0}.items()})
    values[sp.Symbol("eta")] = sp.Rational(1, 100)

    def at(text):
        return sp.sympify(text).subs(sp.Symbol("m"), 2).doit().subs(values)

    assert at(sums["loss"]) == sp.Rational(13, 4) == sp.nsimplify(expected["loss"])
    for name, g in expected["gradients"].items():
        assert float(at(sums["gradients"][name])) == pytest.approx(g, abs=1e-15), name
        assert float(at(sums["update"][name])) == \
            pytest.approx(expected["updates"][0]["params"][name], abs=1e-15), name
    # each worked Σ line's value reads back the same way, in the named quantities
    lines = {s["name"]: s["value"] for s in out["steps"] if s["phase"] == "reduce"}
    assert lines["dL/dw4"] == "Sum(-2*y(i) + 2*yhat(i), (i, 1, m))/m"


def test_the_graph_forms_sum_lines():
    text = bp.solve(SEED001_SUM).to_text(width=200)
    assert "L      = (1/m) Σᵢ ℓ⁽ⁱ⁾ = (1/m) Σᵢ (ŷ⁽ⁱ⁾ − y⁽ⁱ⁾)²" in text
    assert "∂L/∂w₃ = (1/m) Σᵢ ∂ℓ⁽ⁱ⁾/∂w₃ = (1/m) Σᵢ 2 · h⁽ⁱ⁾(ŷ⁽ⁱ⁾ − y⁽ⁱ⁾)" in text
    assert "w₄ ← w₄ − η · ∂L/∂w₄ = w₄ − η (1/m) Σᵢ 2(ŷ⁽ⁱ⁾ − y⁽ⁱ⁾)" in text
    assert "∂ℓ/∂ŷ  = 2(ŷ − y)" in text  # one sample's derivation, in its own loss ℓ
    assert "\nGradients" not in text and "Loss:" not in text  # one sample's are no result


@pytest.mark.parametrize("change, field, message", [
    (("samples: m", "samples: 2"), "samples", "for numbers write the samples in data:"),
    (("samples: m", "samples: m\ndata:\n  - {x1: 1, x2: 2, y: 3}"), "data", "remove data:, or samples:"),
    (("optimizer: {type: sgd, lr: null}", "optimizer: {type: adam, lr: null}"), "optimizer",
     "plain sgd, one step"),
    (("samples: m", "samples: w0"), "samples", "'w0' is already a name of the problem"),
])
def test_graph_form_sum_mistakes(change, field, message):
    with pytest.raises(SpecError) as info:
        load_problem(SEED001_SUM.read_text().replace(*change), "sums.yaml")
    assert info.value.field == field
    assert message in info.value.message
