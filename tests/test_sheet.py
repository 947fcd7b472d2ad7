"""The worksheet: every form's solution laid out as one model of a document, printed by
one renderer per output, and the warnings it carries as data."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import sympy as sp

from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from backprop_cli.render.worked import printed, rule_text
from backprop_cli.sheet import build_sheet, model
from support import PROBLEMS, ROOT

KINK_GRAPH = """
inputs: [x1]
targets: [y]
params: {w1: 1, b: -2}
nodes:
  z1: w1*x1 + b
  yhat: relu(z1)
loss: squared_error
data:
  - {x1: 2, y: 1}
"""

KINK_LAYERED = """
network:
  inputs: 2
  layers:
    - {units: 2, activation: relu}
    - {units: 1, activation: identity}
params: {W1: [[1, -1], [0.5, 0.5]], b1: [0, 0], W2: [[1, 1]], b2: [0]}
loss: squared_error
data:
  - {x: [1, 1], y: 1}
"""


@pytest.mark.parametrize("spec, tex, text", [
    (KINK_GRAPH, "$z_{1}$", "z₁"),
    (KINK_LAYERED, "$z^{(1)}_{1}$", "z⁽¹⁾₁"),
], ids=["graph", "layered"])
def test_a_kink_warning_names_its_symbol_in_latex_math(spec, tex, text):
    """The warning is data: its symbol is printed by the LaTeX printer (it used to be the
    terminal's z₁ escaped to 'z?'), and the text and JSON keep the terminal's words."""
    solution = solve_text(spec)
    [warning] = build_sheet(solution).warnings
    assert any(isinstance(p, sp.Symbol) for p in warning.parts)
    latex = render(solution, "latex", Settings(fragment=True))
    assert f"ReLU at its kink: {tex} = 0" in latex
    assert "?" not in latex.split("Warning.")[1].split("\n")[0]
    assert f"warning: ReLU at its kink: {text} = 0" in render(solution, "text", Settings())
    assert json.loads(render(solution, "json", Settings()))["warnings"] == [warning.text]


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_is_one_worksheet(path):
    """Each form is laid out into the same model: sections of known block types."""
    sheet = build_sheet(solve_text(path.read_bytes()), Settings(view="both"))
    assert isinstance(sheet, model.Worksheet)
    assert sheet.form in ("graph", "network", "calculus")
    assert sheet.sections
    kinds = {type(b) for s in sheet.sections for b in s.blocks}
    assert kinds <= {model.Worked, model.MatrixLine, model.Table, model.Derivation, model.Note,
                     model.Result, model.ChainProduct}
    for _, line in sheet.steps:  # the worked lines hold SymPy, not printed text
        assert isinstance(line.lhs, sp.Basic)
        assert all(isinstance(f, sp.Basic) for f in line.forms)


def test_the_layered_view_changes_the_worksheet_not_the_json():
    text = (PROBLEMS / "seed004_numeric_batch_row.yaml").read_bytes()
    solution = solve_text(text)
    titles = {view: [s.title for s in build_sheet(solution, Settings(view=view)).sections]
              for view in ("matrix", "scalar", "both")}
    assert "Entry by entry (scalar view)" in titles["both"]
    assert "Entry by entry (scalar view)" not in titles["matrix"] + titles["scalar"]
    assert len(titles["both"]) == len(titles["matrix"]) + len(titles["scalar"])
    outputs = {render(solution, "json", Settings(view=view)) for view in ("matrix", "scalar", "both")}
    assert len(outputs) == 1


def test_building_a_worksheet_leaves_the_solution_as_it_was():
    """The matrix layout names δ and ∂ℓ/∂a entries of its own: in a copy of the naming."""
    solution = solve_text((PROBLEMS / "softmax_classifier.yaml").read_bytes())
    before = dict(solution.scalar.graph.names.names)
    sheet = build_sheet(solution)
    assert solution.scalar.graph.names.names == before
    assert set(sheet.names) > set(before)


def _imports(path: Path) -> set:
    tree = ast.parse(path.read_text())
    return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_solving_a_layered_problem_does_not_lay_it_out():
    """The matrix layout is a stage after solving: compile.py does not import it."""
    assert not any("matrix" in m for m in _imports(ROOT / "backprop_cli/layered/compile.py"))
    solution = solve_text((PROBLEMS / "softmax_classifier.yaml").read_bytes())
    assert not hasattr(solution, "matrix")


def test_renderers_read_worksheets_and_builders_never_print():
    for path in (ROOT / "backprop_cli/sheet").glob("*.py"):
        assert not any(m.endswith(("render", "printers", "text", "latex")) for m in _imports(path)), path
    for name in ("text.py", "latex.py", "json.py", "latex_calculus.py", "latex_network.py"):
        imports = _imports(ROOT / "backprop_cli/render" / name)
        assert not any(m.endswith(("engine", "compile", "matrix")) for m in imports), name


# -- a worked line printed (render/worked.py) ---------------------------------------------------

x, w, z = sp.symbols("x w z", real=True)


def test_a_worked_line_shows_its_formula_the_numbers_put_in_and_the_value():
    line = model.Worked(z, forms=(w * x,), substituted=w * x,
                        values={w: sp.Rational(1, 2), x: sp.Integer(-3)}, value=sp.Rational(-3, 2))
    assert printed(line, "graph", {}, 5, "unicode").rhs == ("wx", "0.5 · (−3)", "−1.5")
    assert printed(line, "graph", {}, 5, "latex").rhs == ("w x", "0.5 \\cdot \\left(-3\\right)", "-1.5")


def test_a_chain_rule_line_is_dotted_in_latex_and_a_repeated_form_is_shown_once():
    line = model.Worked(z, forms=(w * x,), value=w * x, dotted=True)
    assert printed(line, "graph", {}, 5, "latex").rhs == ("w \\cdot x",)
    assert printed(line, "graph", {}, 5, "unicode").rhs == ("wx",)


def test_the_calculus_form_writes_coefficients_by_hand_and_names_its_rules():
    line = model.Worked(z, forms=(sp.Rational(3, 2) * x,), rule=("chain", "sigmoid"), decimals=True)
    shown = printed(line, "calculus", {}, 5, "unicode")
    assert shown.rhs == ("1.5x",)
    assert shown.rule == "chain rule with σ′(u) = σ(u)(1 − σ(u))"
    assert printed(line, "graph", {}, 5, "unicode").rhs == ("1.5 · x",)
    assert rule_text(("power",), "latex") == "power rule, $(u^n)' = n u^{n-1}$"


# -- values from the engine only: the entries of f'(z) ------------------------------------------

UNITS_LAYERED = """
network:
  inputs: 2
  layers:
    - {units: 3, activation: leaky_relu, alpha: 0.2}
    - {units: 2, activation: tanh}
    - {units: 2, activation: relu}
    - {units: 1, activation: sigmoid}
params:
  W1: [[1, -1], [0.5, 0.25], [-0.3, 0.1]]
  b1: [0, 0.1, 0]
  W2: [[0.3, -0.1, 0.2], [0.1, 0.4, -0.2]]
  b2: [0.1, 0.2]
  W3: [[1, 0], [0.5, -2]]
  b3: [0, 0]
  W4: [[0.5, -0.6]]
  b4: [0.05]
loss: squared_error
data:
  - {x: [1, 1], y: 1}
  - {x: [0.5, -1], y: 0}
"""


def _units(solution):
    for layer in solution.network.layers:
        yield from ((layer, a, z) for a, z in zip(layer.a.entries, layer.z.entries))


def test_the_engine_keeps_each_units_local_derivative_once():
    """da/dz of every unit of every sample, one each (linear in the units), equal to SymPy's
    derivative of the unit's elementary form at the engine's z; at a kink, PyTorch's."""
    from backprop_cli.functions import to_elementary

    solution = solve_text(UNITS_LAYERED)
    units = list(_units(solution))
    nodes = {node.symbol: node for node in solution.scalar.graph.nodes}
    for sample in solution.scalar.first.samples:
        assert set(sample.local_derivatives) == {(a, z) for _, a, z in units}
        for layer, a, z in units:
            oracle = sp.diff(to_elementary(nodes[a].expr), z).subs(z, sample.values[z])
            got = sample.local_derivatives[(a, z)]
            assert got.is_number and abs(sp.N(got - oracle, 30)) < 1e-25, (a, got, oracle)
    first = solution.scalar.first.samples[0]
    [leaky] = [(a, z) for layer, a, z in units if layer.index == 1 and first.values[z] == 0]
    assert first.local_derivatives[leaky] == sp.Rational(1, 5)  # the slope at the kink


def test_the_matrix_layout_shows_the_engines_local_derivatives_and_computes_none():
    """The f'(z) entries are read from the solution: change one there and the layout shows
    the change."""
    solution = solve_text(UNITS_LAYERED)
    layer = solution.network.layers[1]  # tanh
    key = (layer.a.entries[0], layer.z.entries[0])
    solution.scalar.first.samples[1].local_derivatives[key] = sp.Integer(777)
    sheet = build_sheet(solution)
    entries = [e for s in sheet.sections for b in s.blocks if isinstance(b, model.MatrixLine)
               for form in b.forms for p in form if isinstance(p, model.Mat)
               for row in p.rows for e in row]
    assert sp.Integer(777) in entries


def test_a_symbolic_unit_writes_its_derivative_in_its_names():
    solution = solve_text((PROBLEMS / "seed004_single_sample_symbolic.yaml").read_bytes())
    kept = solution.scalar.first.samples[0].local_derivatives
    assert list(kept.values()) == [1]  # the identity output's; no ReLU unit's is a number
    assert "δ² = ∂l/∂h² ⊙ [z² > 0] = [δ³W³₁,₁  δ³W³₁,₂] ⊙ [[z²₁ > 0]  [z²₂ > 0]]" \
        in render(solution, "text", Settings())


def test_a_symbolic_leaky_unit_writes_its_derivative_as_the_scalar_view_does():
    """One wording of LeakyReLU′ in every view: [z > 0] + α(1 − [z > 0]) with the slope as
    written, not SymPy's 0.1 + 9[z > 0]/10."""
    spec = """
network:
  inputs: 2
  bias: false
  layers:
    - {units: 2, activation: leaky_relu, alpha: 0.1}
    - {units: 1, activation: identity}
params: {W1: null, W2: null}
loss: half_squared_error
data:
  - {x: [1, 2], y: 1}
"""
    solution = solve_text(spec)
    matrix = render(solution, "text", Settings())
    scalar = render(solution, "text", Settings(view="scalar"))
    assert "[z⁽¹⁾₁ > 0] + 0.1(1 − [z⁽¹⁾₁ > 0])" in matrix
    assert "[z⁽¹⁾₁ > 0] + 0.1(1 − [z⁽¹⁾₁ > 0])" in scalar
    assert "0.9" not in matrix
