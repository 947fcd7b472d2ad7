"""The `notation:` block: each key changes what it should in the terminal text, the LaTeX and
the JSON `steps` text, and nothing else (the JSON's keys and values are a contract and never
follow the notation); bad values are refused with the field and line; the seed examples read
in their homework's notation."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
import yaml

import backprop_cli as bp
from support import PROBLEMS, example_paths, require_tex

GRAPH = {"title": "t", "inputs": ["x1", "x2"], "params": {"w1": 0.5, "w2": -0.3, "v": 2},
         "nodes": {"h": "sigmoid(x1*w1 + x2*w2)", "yhat": "v*h"}, "loss": "half_squared_error",
         "data": [{"x1": 1, "x2": -2, "y": 1}, {"x1": 0.5, "x2": 1, "y": 0}],
         "optimizer": {"type": "sgd", "lr": 0.1, "steps": 1}}
LAYERED = {"title": "t", "network": {"inputs": 2, "layers": [{"units": 2, "activation": "relu"},
                                                           {"units": 1, "activation": "identity"}]},
           "params": {"W1": [[0.1, -0.2], [0.3, 0.4]], "b1": [0, 0.1], "W2": [[0.5, -0.6]],
                      "b2": [0]},
           "loss": "half_squared_error",
           "data": [{"x": [1, 2], "y": 1.5}, {"x": [0.5, -1], "y": -0.5}],
           "optimizer": {"type": "sgd", "lr": 0.1, "steps": 1}}
CALCULUS = {"function": {"y": "w0 + w1*x1"}, "wrt": ["w0", "w1"], "update": {"lr": None},
            "at": {"w0": 1, "w1": 2, "x1": 3}}
#: Every key away from its default, with names no example uses.
EVERYTHING = {"loss": "E", "sample_loss": "epsilon", "rate": "rho", "pre": "g", "post": "o",
              "layer_index": "sub", "vectors": "plain", "mean": "inline", "samples": "N"}


def with_notation(spec: dict, notation: dict | None) -> dict:
    spec = copy.deepcopy(spec)
    spec.pop("notation", None)
    spec.pop("ask", None)  # asks name quantities in the course's letters (h3), which change here
    if "network" in spec:
        spec["network"].pop("notation", None)
    if notation is not None:
        spec["notation"] = notation
    return spec


def outputs(spec: dict) -> dict:
    solution = bp.solve(spec)
    return {"text": nfc(solution.to_text()), "latex": solution.to_latex(), "json": solution.to_json()}


def nfc(text: str) -> str:
    """ŷ as one character: names write y and a combining circumflex, these tests the one."""
    return unicodedata.normalize("NFC", text)


def contract(data: dict) -> dict:
    """The JSON without what is written in the notation: each step's LaTeX, the general
    derivation's LaTeX."""
    data = copy.deepcopy(data)
    data.pop("matrix_form", None)
    for step in data.get("steps", []):
        step.pop("latex", None)
    return data


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.stem)
def test_the_json_contract_never_follows_the_notation(path):
    spec = yaml.safe_load(path.read_text())
    spec.pop("ask", None)  # what is asked is written in the notation's letters (h2_1)
    plain = bp.solve(with_notation(spec, None)).to_json()
    course = bp.solve(with_notation(spec, EVERYTHING)).to_json()
    assert contract(course) == contract(plain)
    assert [s["name"] for s in course["steps"]] == [s["name"] for s in plain["steps"]]


@pytest.mark.parametrize("spec", [GRAPH, LAYERED], ids=["graph", "layered"])
def test_the_notation_changes_the_steps_latex(spec):
    plain = bp.solve(with_notation(spec, None)).to_json()
    course = bp.solve(with_notation(spec, EVERYTHING)).to_json()
    assert [s["latex"] for s in course["steps"]] != [s["latex"] for s in plain["steps"]]
    assert any("E" in s["latex"] for s in course["steps"])


# (key, value, form, in the text, in the LaTeX, what the default wrote instead in the text)
CHANGES = [
    ("loss", "J", GRAPH, "∂J/∂w₁ = ½(∂ℓ⁽¹⁾/∂w₁", "\\frac{\\partial J}{\\partial w_{1}}", "∂L/∂w₁"),
    ("loss", "Div", LAYERED, "Loss: Div = ", "\\frac{\\partial \\mathrm{Div}}{\\partial W^{(1)}}",
     "Loss: L = "),
    ("sample_loss", "l", GRAPH, "∂l⁽¹⁾/∂ŷ", "\\frac{\\partial l^{(1)}}{\\partial \\hat{y}}", "∂ℓ⁽¹⁾/∂ŷ"),
    ("sample_loss", "e", LAYERED, "∂e/∂Ŷ = Ŷ − Y", "\\frac{\\partial e}{\\partial \\hat{Y}}", "∂ℓ/∂Ŷ"),
    ("rate", "alpha", GRAPH, "w₁ ← w₁ − α · ∂L/∂w₁", "\\alpha", "η"),
    ("rate", "lr", LAYERED, "W⁽¹⁾ ← W⁽¹⁾ − lr ∂L/∂W⁽¹⁾", "\\mathrm{lr}", "η"),
    ("rate", "alpha", CALCULUS, "w₀ ← w₀ − α · ∂y/∂w₀", "\\alpha", "η"),
    ("pre", "s", GRAPH, "h    = σ(s)", "\\sigma\\mathopen{}\\left(s\\right)", "σ(z)"),
    ("pre", "net", LAYERED, "net⁽¹⁾ = W⁽¹⁾ x + b⁽¹⁾", "\\mathrm{net}", "z⁽¹⁾ ="),
    ("post", "h", LAYERED, "H⁽¹⁾ = ReLU(Z⁽¹⁾)", "\\mathbf{h}^{(1)}", "A⁽¹⁾ = ReLU(Z⁽¹⁾)"),
    ("layer_index", "super", LAYERED, "∂L/∂W¹ = (1/m) Δ¹ Xᵀ = ½", "W^{1}", "W⁽¹⁾"),
    ("layer_index", "sub", LAYERED, "∂L/∂W₁ = (1/m) Δ₁ Xᵀ = ½", "\\mathbf{z}_{1} = W_{1}", "W⁽¹⁾"),
    ("mean", "inline", LAYERED, "(1/m) Δ⁽¹⁾", "(1/m) \\Delta^{(1)}", None),
    ("samples", "N", LAYERED, "(1/N) Δ⁽¹⁾", "\\tfrac{1}{N}", "(1/m)"),
]


@pytest.mark.parametrize("key, value, spec, text, latex, before", CHANGES,
                         ids=[f"{c[0]}-{c[1]}" for c in CHANGES])
def test_each_key_changes_what_it_should_and_nothing_else(key, value, spec, text, latex, before):
    plain = outputs(with_notation(spec, None))
    course = outputs(with_notation(spec, {key: value}))
    assert text in course["text"], course["text"]
    assert latex in course["latex"]
    if before is not None:
        assert before in plain["text"] and before not in course["text"]
    assert course["text"] != plain["text"] and course["latex"] != plain["latex"]
    assert contract(course["json"]) == contract(plain["json"])


def test_vectors_bold_or_plain():
    bold = bp.solve(with_notation(LAYERED, None)).to_latex()
    plain = bp.solve(with_notation(LAYERED, {"vectors": "plain"})).to_latex()
    assert "\\mathbf{x}" in bold and "\\boldsymbol{\\delta}" in bold
    assert "\\mathbf{" not in plain.split("\\subsection*{Forward pass}")[1]
    one = with_notation(LAYERED, None)
    one["data"] = one["data"][:1]
    assert "\\boldsymbol{\\delta}^{(2)}" in bp.solve(one).to_latex()
    one["notation"] = {"vectors": "plain"}
    assert "\\boldsymbol" not in bp.solve(one).to_latex()


def test_the_mean_as_a_fraction_by_default():
    latex = bp.solve(with_notation(LAYERED, None)).to_latex()
    assert "\\tfrac{1}{m}" in latex and "(1/m)" not in latex


def test_one_symbol_per_thing_in_a_solution():
    """One sample: the loss is L everywhere (no ℓ); several: ℓ⁽ᵏ⁾ each, L their mean; a
    half is ½, never 0.5 · or (1/2)."""
    one = with_notation(GRAPH, None)
    one["data"] = one["data"][:1]
    text = nfc(bp.solve(one).to_text())
    assert "ℓ" not in text and "L = ½(ŷ − y)² = ½(1.5005 − 1)²" in text
    layered = with_notation(LAYERED, None)
    layered["data"] = layered["data"][:1]
    text = nfc(bp.solve(layered).to_text())
    assert "ℓ" not in text and "∂L/∂ŷ" in text
    text = nfc(bp.solve(with_notation(GRAPH, None)).to_text())
    assert "ℓ = ½(ŷ − y)² for each sample" in text and "L = ½(ℓ⁽¹⁾ + ℓ⁽²⁾) = ½(" in text
    for path in example_paths():
        text = bp.solve(path).to_text()
        assert "(1/2)" not in text, path.name
        assert not [line for line in text.splitlines() if "½" in line and "0.5 ·" in line]


def test_the_older_spelling_in_network_is_accepted():
    spec = with_notation(LAYERED, None)
    spec["network"]["notation"] = {"pre": "s", "post": "h"}
    assert "s⁽¹⁾ = W⁽¹⁾ x + b⁽¹⁾" in nfc(bp.solve(spec).to_text())


BAD = [
    ({"layer_index": "brackets"}, GRAPH, "notation.layer_index",
     "must be one of paren, super, sub, not 'brackets'"),
    ({"vectors": "bolt"}, LAYERED, "notation.vectors", "did you mean 'bold'?"),
    ({"mean": 2}, LAYERED, "notation.mean", "must be one of fraction, inline, not the number 2"),
    ({"los": "J"}, GRAPH, "notation.los", "did you mean 'loss'?"),
    ({"loss": "J$"}, GRAPH, "notation.loss", "is not a valid name"),
    ({"loss": "sigmoid"}, LAYERED, "notation.loss", "is the name of a function"),
    ({"loss": "J", "sample_loss": "J"}, GRAPH, "notation.sample_loss", "'J' is both loss and sample_loss"),
    ({"rate": "x1"}, GRAPH, "notation.rate", "like the problem's 'x1'"),
    ({"loss": "v"}, GRAPH, "notation.loss", "like the problem's 'v'"),
    ({"pre": "h"}, GRAPH, "notation.pre", "like the problem's 'h'"),
    ({"pre": "W"}, LAYERED, "notation.pre", "other than x, y, W, b and L"),
    ({"pre": "zz9"}, LAYERED, "notation.pre", "a short word like net"),
    ({"sample_loss": "W"}, LAYERED, "notation.sample_loss", "a name the solution already writes"),
    ({"rate": "w0"}, CALCULUS, "notation.rate", "like the problem's 'w0'"),
    ("J", GRAPH, "notation", "must be a mapping"),
]


@pytest.mark.parametrize("notation, spec, field, message", BAD, ids=[b[2] + "-" + b[3][:12] for b in BAD])
def test_bad_values_are_refused_with_the_field_and_line(notation, spec, field, message):
    text = yaml.safe_dump(with_notation(spec, None), sort_keys=False) + \
        f"notation: {json.dumps(notation)}\n"
    line = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("notation:"))) + 1
    with pytest.raises(bp.SpecError) as caught:
        bp.solve(text)
    error = caught.value
    assert error.field == field and message in error.message, error.message
    assert error.line == line


def test_notation_written_twice_in_a_layered_problem():
    spec = with_notation(LAYERED, {"loss": "J"})
    spec["network"]["notation"] = {"pre": "s"}
    with pytest.raises(bp.SpecError, match="written twice"):
        bp.solve(spec)


SEEDS = [
    ("seed000_sparse_sigmoid", ["Div = (ŷ − y)² = (0.57869 − 0.5)²", "∂Div/∂s₃ = ∂Div/∂ŷ · ∂ŷ/∂s₃",
                                "s₁  = x₁w₁ + x₂w₂"], ["\\frac{\\partial \\mathrm{Div}}{\\partial s_{3}}"]),
    ("seed002_regression_symbolic", ["∂l/∂ŷ = ŷ − y"], ["\\frac{\\partial l}{\\partial \\hat{y}}"]),
    ("seed003_q20_softmax_regression", ["θ₁₁ ← θ₁₁ − α"], ["\\alpha"]),
    ("seed004_single_sample_symbolic", ["∂l/∂W³ = δ³ᵀ h²", "h¹ = ReLU(z¹)"],
     ["\\frac{\\partial l}{\\partial W^{3}}", "h^{1}_{1}"]),
    ("seed004_batch_symbolic", ["l = (1/m) Σᵢ ℓ⁽ⁱ⁾", "∂l/∂W³ = (1/m) Δ³ᵀ H²"], ["\\tfrac{1}{m}"]),
    ("seed004_numeric_batch_row", ["Loss: l = 0.46541", "W¹ ← W¹ − η ∂l/∂W¹"], ["H^{2}"]),
]


@pytest.mark.parametrize("stem, texts, latexes", SEEDS, ids=[s[0] for s in SEEDS])
def test_the_seed_examples_read_in_their_homeworks_notation(stem, texts, latexes):
    solution = bp.solve(PROBLEMS / f"{stem}.yaml")
    text, latex = nfc(solution.to_text()), solution.to_latex()
    for t in texts:
        assert t in text, t
    for t in latexes:
        assert t in latex, t
    if stem.startswith("seed004"):
        assert "⁽¹⁾" not in text.replace("⁽ᵏ⁾", "") or "sample" in text  # hⁱ, not h⁽ⁱ⁾


def test_a_course_notation_compiles(tmp_path):
    """Below-the-line layer indices ({W_{1}}_{1,2}), words as letters, plain vectors: every
    accepted notation compiles."""
    require_tex()
    spec = with_notation(LAYERED, {"loss": "Div", "rate": "alpha", "pre": "net", "post": "o",
                                   "layer_index": "sub", "vectors": "plain", "mean": "inline",
                                   "samples": "N"})
    assert bp.solve(spec).to_pdf()[:4] == b"%PDF"
