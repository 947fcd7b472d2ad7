"""`backprop variants` (issue 17): seeded variants of a spec, each a spec that solves, its
numbers checked by the independent oracles, none on a kink, the same seed the same files."""

from __future__ import annotations

import json
from decimal import Decimal

import mpmath
import pytest

import layered_oracle
import oracle
from backprop_cli.api import solve
from backprop_cli.cli import main
from backprop_cli.errors import SpecError
from backprop_cli.kit import checks
from backprop_cli.kit.asked import asked, entries
from backprop_cli.kit.numbers import given_numbers, without_block
from backprop_cli.kit.variants import make_all, plan
from support import PROBLEMS, by_hand

SEED001 = PROBLEMS / "seed001_relu_two_samples.yaml"
SEED004 = PROBLEMS / "seed004_numeric_batch_row.yaml"


@pytest.fixture(scope="module")
def class_sets():
    """30 variants of each seed spec, as the command makes them (two processes)."""
    return {path.stem: make_all(plan(path.read_text(), str(path), 17, 30), jobs=2)[0]
            for path in (SEED001, SEED004)}


def test_each_variant_is_a_spec_that_solves_to_its_json(class_sets):
    for variants in class_sets.values():
        for v in variants:
            assert json.loads(v.solution) == solve(v.spec).to_json()


def test_only_the_given_numbers_change(class_sets):
    for stem, variants in class_sets.items():
        original = (PROBLEMS / f"{stem}.yaml").read_text()
        base = given_numbers(original)
        for v in variants:
            text = v.spec.split("\n", 1)[1]  # after the header comment
            now = given_numbers(text)
            assert [g.path for g in now] == [g.path for g in base]
            # sign and written decimals are kept, zero stays zero
            for a, b in zip(base, now):
                assert a.decimals == b.decimals
                assert (a.value > 0) == (b.value > 0) and (a.value == 0) == (b.value == 0)
            # everything around the numbers (comments, notation, title) is as written
            strip = lambda t, gs: "".join(  # noqa: E731
                t[(gs[i - 1].end if i else 0):g.start] for i, g in enumerate(gs))
            assert strip(text, now) == strip(original, base)
        assert "# l(theta), h^i, W^i" in variants[0].spec or stem.startswith("seed001")


def test_no_two_variants_alike(class_sets):
    for variants in class_sets.values():
        assert len({v.numbers for v in variants}) == len(variants)


def test_graph_variants_agree_with_the_oracle_and_sit_off_every_kink(class_sets):
    for v in class_sets["seed001_relu_two_samples"]:
        model = oracle.load(v.spec)
        params, loss, gradient = model.trajectory()[0]
        data = json.loads(v.solution)
        assert layered_oracle.close(data["loss"], loss)  # JSON numbers are doubles
        for name, value in gradient.items():
            assert layered_oracle.close(data["gradients"][name], value, absolute=1e-15)
        assert not model.near_kink("1e-3"), v.spec


def test_layered_variants_agree_with_the_oracle_and_sit_off_every_kink(class_sets):
    for v in class_sets["seed004_numeric_batch_row"]:
        model = layered_oracle.load(v.spec)
        params, loss, gradient = model.trajectory()[0]
        data = json.loads(v.solution)
        assert layered_oracle.close(data["loss"], loss)
        for name, rows in gradient.items():
            for got_row, want_row in zip(data["gradients"][name], rows):
                assert all(layered_oracle.close(g, w) for g, w in zip(got_row, want_row))
        assert not model.near_kink("1e-3"), v.spec


def test_no_asked_answer_is_tiny(class_sets):
    for variants in class_sets.values():
        for v in variants:
            for key, value in (e for a in asked(json.loads(v.solution)) for e in entries(a)):
                assert value == 0 or abs(value) >= 1e-4, key


def test_same_seed_same_files_whatever_the_jobs(runner, tmp_path):
    args = [str(SEED004), "--count", "6", "--seed", "5"]
    one = runner.invoke(main, ["variants", *args, "-o", str(tmp_path / "a")])
    two = runner.invoke(main, ["variants", *args, "-o", str(tmp_path / "b"), "--jobs", "2"])
    assert one.exit_code == 0 and two.exit_code == 0, one.stderr + two.stderr
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == [f"variant-00{k}.{e}" for k in range(1, 7) for e in ("json", "yaml")]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = runner.invoke(main, ["variants", str(SEED004), "--count", "6", "--seed", "6",
                                 "-o", str(tmp_path / "c")])
    assert other.exit_code == 0
    assert (tmp_path / "c" / "variant-001.yaml").read_bytes() != \
        (tmp_path / "a" / "variant-001.yaml").read_bytes()
    assert "redrew" in one.stderr and "wrote 6 variants" in one.stderr


def test_a_smaller_run_leaves_no_stale_variants(runner, tmp_path):
    for count in ("4", "2"):
        result = runner.invoke(main, ["variants", str(SEED001), "--count", count, "--seed", "1",
                                      "-o", str(tmp_path)])
        assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "variant-001.json", "variant-001.yaml", "variant-002.json", "variant-002.yaml"]


SPEC = """\
title: A variants block
inputs: [x1, x2]
params: {w1: 0.5, w2: -1.5, b: 0}
nodes:
  h: tanh(w1*x1 + w2*x2 + b)
  yhat: h
loss: squared_error
data:
  - {x1: 1, x2: 2, y: 0.25}
variants:
  w1: {range: [-1, 1], decimals: 2}
  y: fixed
  b: {range: [-0.5, 0.5]}
"""


def test_the_variants_block_says_what_varies_and_how():
    made, _ = make_all(plan(SPEC, "<spec>", 3, 8))
    assert "variants:" not in made[0].spec  # a variant is a plain problem
    for v in made:
        numbers = {g.name: g.text for g in given_numbers(v.spec)}
        assert numbers["y"] == "0.25"
        assert -1 <= Decimal(numbers["w1"]) <= 1 and len(numbers["w1"].split(".")[1]) == 2
        assert numbers["b"] in ("0",)  # b is written 0: no decimals, so the grid is -0 .. 0
        assert Decimal(numbers["w2"]) < 0  # the default: the sign kept


@pytest.mark.parametrize("block, message", [
    ("variants: {w9: fixed}", "'w9' is not a parameter, input or target"),
    ("variants: {w1: {range: [2, 1]}}", "range is [low, high]"),
    ("variants: {w1: {decimals: 9}}", "decimals is a whole number"),
    ("variants: {w1: sometimes}", "write 'fixed' or"),
    ("variants: {others: fixed, y: fixed}", "nothing to vary"),
])
def test_a_bad_variants_block_is_one_message(block, message):
    text = SPEC.split("variants:")[0] + block + "\n"
    with pytest.raises(SpecError, match=message.replace("[", r"\[")):
        plan(text, "<spec>", 1, 3)


def test_a_spec_with_a_variants_block_still_solves():
    assert solve(SPEC).to_json()["loss"] is not None


def test_without_block_keeps_the_rest():
    text = "a: 1\nvariants:\n  w: fixed\n  y: {range: [0, 1]}\nb: 2  # kept\n"
    assert without_block(text, "variants") == "a: 1\nb: 2  # kept\n"
    assert without_block("a: 1\nvariants: {w: fixed}  # note\nb: 2\n", "variants") == "a: 1\nb: 2\n"


def test_checks_find_a_kink_and_a_saturated_unit():
    kink = solve("inputs: [x]\nparams: {w: 1}\nnodes: {yhat: relu(w*x)}\nloss: squared_error\n"
                 "data: [{x: 0, y: 1}]\n")._result
    assert checks.unfair(kink) == "a relu on its kink"
    flat = solve("inputs: [x]\nparams: {w: 3}\nnodes: {yhat: sigmoid(w*x)}\nloss: squared_error\n"
                 "data: [{x: 2, y: 1}]\n")._result
    assert checks.unfair(flat) == "a saturated sigmoid"
    assert checks.tiny([("loss", 3e-5)]) and not checks.tiny([("loss", 0.0)])
    import sympy as sp

    a, b, c = sp.symbols("a b c")
    tie = {a: sp.Rational(3, 2), b: sp.Rational(3, 2), c: sp.Integer(0)}
    assert checks._node_reason(sp.Max(a, b, c), tie) == "a max on its kink (two arguments tie)"
    assert checks._node_reason(sp.Min(a, b, c), tie) is None  # its two smallest differ
    assert checks.unstable([("loss", 1.0)], {"loss": 1.006}) and \
        not checks.unstable([("loss", 1.0)], {"loss": 1.004})


def test_an_impossible_draw_says_why_and_what_to_do():
    spec = ("inputs: [x]\nparams: {w: 1}\nnodes: {yhat: relu(w*x)}\nloss: squared_error\n"
            "data: [{x: 0, y: 1}]\nvariants: {x: fixed, y: fixed}\n")
    with pytest.raises(SpecError, match="no fair numbers in .* draws .*relu on its kink"):
        make_all(plan(spec, "<spec>", 1, 1))


def test_mpmath_is_the_oracles():  # the oracles are independent of backprop's arithmetic
    assert oracle.MP.dps >= 50 and isinstance(layered_oracle.MP, mpmath.ctx_mp.MPContext)


def test_booklets_hold_every_variant_in_one_document_each():
    from backprop_cli.kit.booklet import documents

    made, _ = make_all(plan(SEED001.read_text(), str(SEED001), 2, 3, booklets=True))
    questions, key = documents(made)
    for doc in (questions, key):
        assert doc.count("\\begin{document}") == 1 and doc.count("\\newpage") == 2
        assert [f"Variant {k} of 3" in doc for k in (1, 2, 3)] == [True] * 3
    assert questions.count("\\item[1.] Compute the loss.") == 3 and "Backward pass" not in questions
    assert key.count("Backward pass, sample 1") == 3 and "Name:" not in key
    for v in made:  # each page shows its own variant's numbers
        assert by_hand(repr(json.loads(v.solution)["loss"])) in v.key_tex


@pytest.mark.latex
def test_the_variants_command_writes_both_booklets_the_same_bytes_each_time(runner, tmp_path):
    for run in ("a", "b"):
        result = runner.invoke(main, ["variants", str(SEED001), "-n", "2", "--seed", "4", "--pdf",
                                      "-o", str(tmp_path / run)])
        assert result.exit_code == 0, result.stderr
    for name in ("questions", "key"):
        pdf = (tmp_path / "a" / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and (tmp_path / "a" / f"{name}.tex").exists()
        assert pdf == (tmp_path / "b" / f"{name}.pdf").read_bytes()  # no date, no random /ID


def test_a_bad_variants_block_names_its_line(runner, tmp_path):
    spec = tmp_path / "p.yaml"
    spec.write_text(SPEC.replace("decimals: 2}", "decimals: 12}"))
    result = runner.invoke(main, ["variants", str(spec), "-n", "2", "--seed", "1",
                                  "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "line 11" in result.stderr and "variants.w1.decimals" in result.stderr
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_symbolic_problem_is_refused_with_a_reason():
    text = (PROBLEMS / "symbolic_weights.yaml").read_text()
    with pytest.raises(SpecError, match="variants are numeric problems"):
        plan(text, "symbolic_weights.yaml", 1, 2)


def test_a_calculus_problem_without_a_point_is_refused():
    with pytest.raises(SpecError, match="variants move its point, and this one has none: give it with at:"):
        plan("function: x**2 + y\nwrt: [x, y]\n", "f.yaml", 1, 2)


def test_a_classification_targets_stay_as_written():
    """bce and cross-entropy targets are labels (a class, 0 or 1): not redrawn by default."""
    for stem in ("layered_batch_of_four", "softmax_classifier", "bce_logistic"):
        text = (PROBLEMS / f"{stem}.yaml").read_text()
        base = [g.text for g in given_numbers(text) if g.name == "y"]
        made, _ = make_all(plan(text, stem, 5, 3))
        for v in made:
            assert [g.text for g in given_numbers(v.spec) if g.name == "y"] == base


@pytest.mark.parametrize("stem", ["seed000_sparse_sigmoid", "layered_wide_softmax",
                                  "bce_logistic", "layered_column_biases"])
def test_variants_of_other_problems_agree_with_the_oracles(stem):
    text = (PROBLEMS / f"{stem}.yaml").read_text()
    for v in make_all(plan(text, stem, 9, 3))[0]:
        data = json.loads(v.solution)
        assert not data["warnings"]
        if layered_oracle.is_layered(v.spec):
            model = layered_oracle.load(v.spec)
            _, loss, gradient = model.trajectory()[0]
            for name, value in gradient.items():
                flat = [x for row in value for x in (row if isinstance(row, list) else [row])]
                got = [x for row in data["gradients"][name]
                       for x in (row if isinstance(row, list) else [row])]
                assert all(layered_oracle.close(g, w) for g, w in zip(got, flat))
        else:
            model = oracle.load(v.spec)
            _, loss, gradient = model.trajectory()[0]
            for name, value in gradient.items():
                assert layered_oracle.close(data["gradients"][name], value, absolute=1e-15)
        assert layered_oracle.close(data["loss"], loss)
        assert not model.near_kink("1e-3")


def test_a_calculus_problem_varies_its_point(runner, tmp_path):
    """Seed 003's 13a, f = (2x + 3y)²: each variant moves the point under at:, and its
    answers are the gradient there, 4(2x + 3y) and 6(2x + 3y), worked out here by hand."""
    import yaml

    spec = PROBLEMS / "seed003_q13a_gradient.yaml"
    result = runner.invoke(main, ["variants", str(spec), "-n", "6", "--seed", "2", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    points = set()
    for k in range(1, 7):
        at = yaml.safe_load((tmp_path / f"variant-{k:03d}.yaml").read_text())["at"]
        s = 2 * at["x"] + 3 * at["y"]
        answers = {a["key"]: a["value"] for a in json.loads((tmp_path / f"variant-{k:03d}.json").read_text())["answers"]}
        assert answers == {"at.df/dx": pytest.approx(4 * s, abs=1e-12), "at.df/dy": pytest.approx(6 * s, abs=1e-12)}
        points.add((at["x"], at["y"]))
    assert len(points) == 6
    sheet = runner.invoke(main, ["solve", str(tmp_path / "variant-001.yaml"), "--questions"])
    assert "1. Compute ∂f/∂x at the given point." in sheet.stdout and "∂f/∂y = ____" in sheet.stdout
