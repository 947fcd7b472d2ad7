"""The layered form: symbolic answers checked at random points, the matrix view, --view.

Numeric layered answers are checked entry by entry against the independent oracle in
test_layered_oracle.py; here the symbolic ones are: every JSON gradient string of a
symbolic example, evaluated with sympy.sympify at random points, must equal the numeric
solution of the same network with those values put in (which the oracle tests check).
"""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp
import yaml

from backprop_cli.cli import main
from support import PROBLEMS


def run(runner, *args):
    result = runner.invoke(main, ["solve", *map(str, args)], env={"COLUMNS": "100"},
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def fill(spec: dict, rng: random.Random) -> tuple[dict, dict]:
    """The spec with every null parameter and datum replaced by a random number, and
    {plain name: value} for sympify (x_1, y; with several samples x_1_s2, y_s2)."""
    net = spec["network"]
    sizes = [net["inputs"]] + [layer["units"] for layer in net["layers"]]
    point, numeric = {}, json.loads(json.dumps(spec))
    for l, layer in enumerate(net["layers"], start=1):
        W = [[round(rng.uniform(-1, 1), 3) for _ in range(sizes[l - 1])] for _ in range(sizes[l])]
        numeric["params"][f"W{l}"] = W
        point.update({f"W{l}_{i + 1}_{j + 1}": W[i][j] for i in range(sizes[l]) for j in range(sizes[l - 1])})
    samples = spec.get("data") or [{}]
    numeric["data"] = []
    for k in range(1, len(samples) + 1):
        x = [round(rng.uniform(-2, 2), 3) for _ in range(sizes[0])]
        y = round(rng.uniform(-1, 1), 3)
        numeric["data"].append({"x": x, "y": y})
        suffix = f"_s{k}" if len(samples) > 1 else ""
        point.update({f"x_{j + 1}{suffix}": x[j] for j in range(sizes[0])})
        point[f"y{suffix}"] = y
    return numeric, point


SYMBOLIC = [PROBLEMS / "seed004_single_sample_symbolic.yaml", PROBLEMS / "seed004_batch_symbolic.yaml"]


@pytest.fixture(scope="module")
def symbolic_gradients():
    """Each symbolic example's JSON gradient strings, read back with sympify (once)."""
    from click.testing import CliRunner

    out = {}
    for path in SYMBOLIC:
        data = json.loads(run(CliRunner(), path, "--format", "json"))
        out[path] = {name: [[sp.sympify(f) for f in row] for row in rows]
                     for name, rows in data["gradients"].items()}
    return out


@pytest.mark.parametrize("path", SYMBOLIC, ids=[p.stem for p in SYMBOLIC])
@pytest.mark.parametrize("seed", range(3))
def test_symbolic_gradients_evaluate_to_the_numeric_answer(runner, tmp_path, seed, path,
                                                           symbolic_gradients):
    spec = yaml.safe_load(path.read_text())
    numeric_spec, point = fill(spec, random.Random(seed))
    file = tmp_path / "numeric.yaml"
    file.write_text(yaml.safe_dump(numeric_spec))
    numeric = json.loads(run(runner, file, "--format", "json"))
    values = {sp.Symbol(k): sp.Rational(str(v)) for k, v in point.items()}
    checked = 0
    for name, rows in symbolic_gradients[path].items():
        for i, row in enumerate(rows):
            for j, formula in enumerate(row):
                assert formula.free_symbols <= set(values), (name, formula.free_symbols - set(values))
                value = formula.xreplace(values)
                expected = numeric["gradients"][name][i][j]
                assert float(value) == pytest.approx(expected, rel=1e-12, abs=1e-15), (name, i, j)
                checked += 1
    assert checked == 3 * 4 + 2 * 3 + 2


def test_seed004_answers_read_in_delta_h_and_iverson_brackets(runner):
    text = run(runner, PROBLEMS / "seed004_single_sample_symbolic.yaml")
    backward = text.split("\nBackward pass\n")[-1]
    # in the homework's notation: l(θ), hⁱ and Wⁱ with the layer index above, no brackets
    assert "∂l/∂W³ = δ³ᵀ h²" in backward
    assert "[δ³h²₁  δ³h²₂]" in backward  # question 1.3
    assert "[δ³W³₁,₁  δ³W³₁,₂]" in backward  # question 1.5
    assert "δ³W³₁,₁[z²₁ > 0]" in backward  # question 1.10
    assert "δ¹₁x₁" in backward  # question 1.17, in terms of the next δ


def test_seed004_batch_is_in_matrix_notation_with_one_over_m(runner):
    text = run(runner, PROBLEMS / "seed004_batch_symbolic.yaml")
    for line in ("∂ℓ/∂Ŷ = Ŷ − Y", "∂l/∂W³ = (1/m) Δ³ᵀ H² = ½ Δ³ᵀ H²", "∂ℓ/∂H² = Δ³ W³",
                 "Δ² = ∂ℓ/∂H² ⊙ [Z² > 0]", "∂l/∂W¹ = (1/m) Δ¹ᵀ X = ½ Δ¹ᵀ X",
                 "l = (1/m) Σᵢ ℓ⁽ⁱ⁾ = ½ Σᵢ ℓ⁽ⁱ⁾"):
        assert line in text


def test_seed002_tables(runner):
    text = run(runner, PROBLEMS / "seed002_regression_symbolic.yaml")
    assert "z⁽¹⁾ = W⁽¹⁾ x + b⁽¹⁾" in text and "a⁽¹⁾ = ReLU(z⁽¹⁾)" in text
    assert "((W⁽²⁾ᵀ ∂l/∂ŷ) ⊙ [z⁽¹⁾ > 0]) xᵀ" in text  # seed 002's chain, in its l
    bce = run(runner, PROBLEMS / "seed002_classification_sigmoid_bce.yaml")
    assert "δ⁽²⁾ = ∂l/∂ŷ ⊙ σ′(z⁽²⁾) = ŷ − y" in bce  # the product, then the simplification
    assert "cancels the denominator" in bce


def test_views(runner):
    path = PROBLEMS / "softmax_classifier.yaml"
    matrix = run(runner, path)
    scalar = run(runner, path, "--view", "scalar")
    both = run(runner, path, "--view", "both")
    assert "δ⁽²⁾ = (diag(ŷ) − ŷŷᵀ) ∂L/∂ŷ = ŷ − y" in matrix  # one sample: its loss is L
    assert "∂L/∂W⁽¹⁾₁,₁" in scalar and "∂L/∂W⁽¹⁾₁,₁" not in matrix
    assert "diag(ŷ) − ŷŷᵀ) ∂L/∂ŷ = ŷ − y =" not in scalar  # the worked matrix lines are not there
    assert "Entry by entry (scalar view)" in both and "∂L/∂W⁽¹⁾₁,₁" in both and "diag(ŷ)" in both


def test_softmax_cross_entropy_accepts_class_index_or_one_hot(runner, tmp_path):
    spec = yaml.safe_load((PROBLEMS / "softmax_classifier.yaml").read_text())
    index = json.loads(run(runner, PROBLEMS / "softmax_classifier.yaml", "--format", "json"))
    spec["data"][0]["y"] = [0, 0, 1]
    file = tmp_path / "onehot.yaml"
    file.write_text(yaml.safe_dump(spec))
    onehot = json.loads(run(runner, file, "--format", "json"))
    assert onehot["gradients"] == index["gradients"]


def test_dense_sums_are_the_expressions_sympy_builds():
    """compile._dense_sum builds w1 a1 + ... + b without SymPy's flatten; it must be the
    very expression sp.Add gives (same arguments, same order), or outputs would change."""
    from backprop_cli.layered.compile import _dense_sum

    for n in (1, 2, 3, 9, 10, 11, 64):
        W = [sp.Symbol(f"W2[3,{j}]", real=True) for j in range(1, n + 1)]
        a = [sp.Symbol(f"a1[{j}]", real=True) for j in range(1, n + 1)]
        b = sp.Symbol("b2[3]", real=True)
        for bias in (b, None):
            built = _dense_sum(list(zip(W, a)), bias)
            reference = sp.Add(*[w * v for w, v in zip(W, a)]) + (bias if bias is not None else 0)
            assert built == reference and built.args == reference.args
            assert type(built) is type(reference)


@pytest.mark.parametrize("view", ["matrix", "scalar", "both"])
@pytest.mark.parametrize("fmt", ["text", "json", "latex"])
def test_a_forward_pass_without_a_loss(runner, tmp_path, view, fmt):
    """A layered spec without loss: is a forward pass (README); it was an internal error
    (the matrix layout asked for the loss's adjoints)."""
    spec = tmp_path / "forward.yaml"
    spec.write_text("network: {inputs: 2, layers: [{units: 2, activation: tanh},"
                    " {units: 1, activation: sigmoid}]}\n"
                    "params: {W1: [[1, -1], [0.5, 2]], b1: [0, 0.1], W2: [[1, 1]], b2: [0]}\n"
                    "data: [{x: [1, 2]}, {x: [0, 1]}]\n")
    out = run(runner, spec, "--view", view, "--format", fmt)
    if fmt == "json":
        data = json.loads(out)
        assert data["loss"] is None and data["gradients"] == {}
        z1 = data["samples"][0]["values"]["z1"]
        assert z1 == [-1.0, 4.6]  # W1 x + b1 for x = (1, 2)
    else:
        assert "Backward" not in out and "backward" not in out
        out = out.replace(" & .", ".")  # a LaTeX matrix column is split at the point
        assert ("4.6" in out) and ("0.99" in out)  # z⁽¹⁾₂ and tanh(4.6) = 0.99980
