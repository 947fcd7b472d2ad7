"""The network diagram of the LaTeX answer key: its structure (sheet/diagram.py) is the
formulas' and weights' own, its picture (render/diagram.py) fits a plain article, keeps
its labels apart and compiles, in a document and as a fragment with or without tikz."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from backprop_cli.pipeline import render, solve_text
from backprop_cli.render import diagram as picture
from backprop_cli.settings import Settings
from backprop_cli.sheet import build_sheet
from support import PROBLEMS, example_paths, require_pdftotext

#: every example with a network: the calculus form's functions are not drawn
DRAWN = [p for p in example_paths() if "function:" not in p.read_text(encoding="utf-8")]
IDS = [p.stem for p in DRAWN]


def sheet_of(name: str, settings: Settings = Settings()):
    solution = solve_text((PROBLEMS / f"{name}.yaml").read_bytes(), name)
    return build_sheet(solution, settings, matrix_lines=True)


def latex_of(path: Path, **settings) -> str:
    return render(solve_text(path.read_bytes(), str(path)), "latex", Settings(**settings))


def shown(sheet, unit) -> str:
    """A unit as its plain name (x1, yhat, W1[..] entries by their names' plain form)."""
    label = unit.label
    if isinstance(label, sp.Symbol):
        return sheet.names[label].plain
    return getattr(label, "unicode", label)


def structure(sheet):
    d = sheet.diagram
    by_key = {u.key: shown(sheet, u) for c in d.columns for u in c}
    columns = [[shown(sheet, u) for u in c] for c in d.columns]
    edges = {(by_key[e.source], by_key[e.target],
              None if e.label is None else sheet.names[e.label].plain,
              None if e.value is None else float(e.value)) for e in d.edges}
    return columns, edges


# -- the graph form ------------------------------------------------------------------------


def test_weighted_sums_put_each_weight_on_its_edge():
    columns, edges = structure(sheet_of("bias_tanh"))
    # a bias stands atop the column before its node, as a unit "1", as in a layered net
    assert columns == [["1", "x1", "x2"], ["1", "h1", "h2"], ["yhat", "y"], ["L"]]
    # six weighted edges into h1, h2 (more than NAMED_VALUES): names alone, values in the table
    assert edges == {("x1", "h1", "w1", None), ("x2", "h1", "w2", None),
                     ("x1", "h2", "w3", None), ("x2", "h2", "w4", None),
                     ("1", "h1", "b1", None), ("1", "h2", "b2", None),
                     ("h1", "yhat", "v1", 1.2), ("h2", "yhat", "v2", -0.7), ("1", "yhat", "c", 0.05),
                     ("yhat", "L", None, None), ("y", "L", None, None)}


def test_a_node_stands_in_the_column_of_its_longest_path():
    columns, edges = structure(sheet_of("shared_hidden"))
    assert columns == [["x"], ["1", "h"], ["u", "v"], ["yhat", "y"], ["L"]]
    # u + k v: v's edge carries k; u is added as it is, its edge has no label
    assert ("u", "yhat", None, None) in edges and ("v", "yhat", "k", 0.6) in edges
    assert ("h", "u", "a", 1.5) in edges and ("h", "v", "b", -0.5) in edges
    assert ("1", "v", "c", 0.6) in edges  # relu(b h + c): c is v's bias


def test_symbolic_parameters_label_their_edges_by_name():
    _, edges = structure(sheet_of("symbolic_weights"))
    assert {e for e in edges if e[2]} == {("x1", "h", "w1", None), ("x2", "h", "w2", None),
                                          ("h", "yhat", "v", None)}


def test_the_edges_are_the_symbols_each_formula_uses():
    for name in ("seed000_sparse_sigmoid", "leaky_softplus", "seed001_relu_two_samples", "bce_logistic"):
        sheet = sheet_of(name)
        graph = sheet.solution.graph
        _, edges = structure(sheet)
        names = {s: sheet.names[s].plain for s in graph.inputs + graph.targets}
        names.update({n.symbol: sheet.names[n.symbol].plain for n in graph.nodes})
        expected = set()
        for node in graph.nodes:
            if node.given:
                target = shown(sheet, sheet.diagram.columns[-1][0]) if node is graph.loss \
                    else names[node.symbol]
                expected |= {(names[s], target) for s in node.written.free_symbols if s in names}
                # a parameter added alone is a bias: an edge from the unit "1"
                inner = node.written.args[0] if isinstance(node.written, sp.Function) else node.written
                if isinstance(inner, sp.Add):
                    expected |= {("1", target) for t in inner.args if t in graph.params}
        assert {(a, b) for a, b, *_ in edges} == expected, name


def test_labels_print_with_the_documents_digits():
    spec = """\
inputs: [x]
targets: [y]
params: {w: 0.123456}
nodes:
  yhat: w*x
loss: squared_error
data:
  - {x: 2, y: 3}
"""
    document = render(solve_text(spec), "latex", Settings(digits=3))
    assert "{${w}\\,{=}\\,{0.123}$}" in document


# -- the layered form --------------------------------------------------------------------------


def test_a_small_layered_network_has_every_weight_and_bias_on_its_edge():
    sheet = sheet_of("softmax_classifier")
    d = sheet.diagram
    assert [[u.kind for u in c] for c in d.columns] == [["bias", "input", "input"],
                                                          ["bias", "unit", "unit"],
                                                          ["unit", "unit", "unit"]]
    assert d.captions == (None, "tanh", "softmax") and d.between == (None, None)
    keys = {u.key: u for c in d.columns for u in c}
    network = sheet.solution.network
    values = sheet.solution.scalar.graph.param_values
    expected = set()
    for layer in network.layers:
        previous = layer.previous.entries
        for i, row in enumerate(layer.W.entries):
            expected |= {(previous[j], layer.a.entries[i], values[w]) for j, w in enumerate(row)}
            expected.add(("1", layer.a.entries[i], values[layer.b.entries[i]]))
    assert {(keys[e.source].label, keys[e.target].label, e.value) for e in d.edges} == expected


def test_symbolic_weights_name_the_matrix_between_the_layers():
    d = sheet_of("seed004_single_sample_symbolic").diagram
    assert [len(c) for c in d.columns] == [4, 3, 2, 1]
    assert len(d.edges) == 4 * 3 + 3 * 2 + 2
    assert all(e.value is None and e.label is None for e in d.edges)
    assert [b.unicode for b in d.between] == ["W¹", "W²", "W³"]  # seed 004's own notation


def test_symbolic_sizes_draw_a_few_units_and_dots():
    d = sheet_of("seed002_regression_symbolic").diagram
    assert [[getattr(u.label, "unicode", u.label) for u in c] for c in d.columns] == [
        ["1", "x₁", "x₂", "dots", "xₙ₀"], ["1", "a⁽¹⁾₁", "a⁽¹⁾₂", "dots", "a⁽¹⁾ₙ₁"], ["ŷ"]]
    assert [b.unicode for b in d.between] == ["W⁽¹⁾, b⁽¹⁾", "W⁽²⁾, b⁽²⁾"]
    assert not any(e.source.startswith("d") or e.target.startswith("d") for e in d.edges)


# -- the picture -------------------------------------------------------------------------------

NODE = re.compile(r"\\node\[(\w+)[^\]]*\] (?:\(\w+\) )?at \((-?[\d.]+),(-?[\d.]+)\) \{\$(.*)\$\};")


def nodes(tex: str):
    return [(kind, float(x), float(y), text) for kind, x, y, text in NODE.findall(tex)]


def assert_fits_and_apart(tex: str, what: str) -> None:
    assert tex.count("\\begin{tikzpicture}") == 1
    block = tex[tex.index("\\ifdefined\\tikzpicture"):tex.index("\\end{tikzpicture}")]
    found = nodes(block)
    scale = float(re.search(r"scale=([\d.]+)", block).group(1)) if "scale=" in block else 1.0
    xs, ys = [x for _, x, _, _ in found], [y for _, _, y, _ in found]
    assert (max(xs) - min(xs)) * scale <= picture.SPAN + 1e-9  # + a unit: within 0.9 × 345 pt
    assert (max(ys) - min(ys)) * scale <= picture.HEIGHT + 2  # the captions' rows too
    labels = [picture.Box(x, y, len(re.sub(r"\\[a-z]+|\\,|[{}_^ ]", "", t)) * picture.CHAR,
                          picture.LABEL_HEIGHT) for kind, x, y, t in found if kind == "weight"]
    units = [picture.Box(x, y, 2 * picture.RADIUS, 2 * picture.RADIUS)
             for kind, x, y, _ in found if kind != "weight"]
    for i, label in enumerate(labels):  # each character of the text as wide as a digit
        assert not any(label.overlap(other) > 0 for other in labels[i + 1:] + units), what


@pytest.mark.parametrize("path", DRAWN, ids=IDS)
def test_the_picture_fits_and_keeps_its_labels_apart(path):
    assert_fits_and_apart(latex_of(path, fragment=True), path.stem)


DRAW = re.compile(r"\\draw\[->\] \((\w+)\) -- \((\w+)\);")
NODE_AT = re.compile(r"\\node\[\w+[^\]]*\] \((\w+)\) at \((-?[\d.]+),(-?[\d.]+)\)")
#: Between two columns of a graph this crowded (nine labelled edges into three units),
#: a label may have nowhere to stand clear of every other edge.
CROWDED = 8


def _to_segment(px, py, x0, y0, x1, y1) -> float:
    dx, dy = x1 - x0, y1 - y0
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return ((x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2) ** 0.5


@pytest.mark.parametrize("path", DRAWN, ids=IDS)
def test_each_label_crosses_no_edge_but_its_own(path):
    """A label on a crossing, or across a second edge, reads as either edge's weight."""
    tex = latex_of(path, fragment=True)
    at = {i: (float(x), float(y)) for i, x, y in NODE_AT.findall(tex)}
    segments = [(*at[a], *at[b]) for a, b in DRAW.findall(tex)]
    labels = [(x, y, t) for kind, x, y, t in nodes(tex) if kind == "weight"]
    into = {}
    for x, y, _ in labels:  # the column each label's edge enters
        own = min(segments, key=lambda s: _to_segment(x, y, *s))
        into[own[2]] = into.get(own[2], 0) + 1
    if max(into.values(), default=0) > CROWDED:
        return
    for x, y, text in labels:
        box = picture.Box(x, y, len(re.sub(r"\\[a-z]+|\\,|[{}_^ ]", "", text)) * picture.CHAR,
                          picture.LABEL_HEIGHT)
        own = min(segments, key=lambda s: _to_segment(x, y, *s))
        crossed = [s for s in segments if s is not own and box.crossed(*s)]
        assert not crossed, f"{path.stem}: the label {text} crosses {len(crossed)} other edge(s)"


CHAIN = """\
inputs: [x]
targets: [y]
params: {a: 0.5, b: -1.25, c: 2, d: 0.75, e: -0.5, f: 1.5, g: 0.25}
nodes:
  h1: tanh(a*x)
  h2: sigmoid(b*h1)
  h3: tanh(c*h2)
  h4: sigmoid(d*h3)
  h5: tanh(e*h4)
  h6: relu(f*h5)
  yhat: g*h6
loss: squared_error
data:
  - {x: 1, y: 0.5}
"""


def test_a_long_chain_writes_its_labels_beside_the_edges():
    """Nine columns leave no room between two circles for a label: it goes above or
    below the edge's middle, and still fits."""
    tex = render(solve_text(CHAIN), "latex", Settings(fragment=True))
    assert_fits_and_apart(tex, "chain")
    beside = [y for kind, _, y, _ in nodes(tex) if kind == "weight" and abs(y) > 0.5]
    assert len(beside) >= 4


# -- TeX -------------------------------------------------------------------------------------

ARTICLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{booktabs}
%s
\begin{document}
%s
\end{document}
"""


def pdflatex(source: str, folder: Path) -> str:
    """Compile and return the log."""
    (folder / "main.tex").write_text(source, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                             "-no-shell-escape", "main.tex"], cwd=folder, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:]
    return (folder / "main.log").read_text(encoding="latin-1")


@pytest.mark.latex
def test_every_picture_fits_a_plain_article(tmp_path):
    pictures = []
    for path in DRAWN:
        tex = latex_of(path, fragment=True)
        end = "\\end{center}\n\\fi"
        pictures.append(tex[tex.index("\\ifdefined\\tikzpicture"):tex.index(end) + len(end)])
    log = pdflatex(ARTICLE % ("\\usepackage{tikz}", "\n\n".join(pictures)), tmp_path)
    assert "Overfull" not in log and "Underfull \\hbox" not in log


@pytest.mark.latex
@pytest.mark.parametrize("name", ["bias_tanh", "softmax_classifier"])
@pytest.mark.parametrize("tikz", [True, False], ids=["with-tikz", "without-tikz"])
def test_a_fragment_compiles_with_and_without_tikz(tmp_path, name, tikz):
    """With tikz the picture is drawn (its edge labels are in the PDF's text), without it
    the fragment compiles all the same, the picture left out."""
    require_pdftotext()
    (tmp_path / "fragment.tex").write_text(latex_of(PROBLEMS / f"{name}.yaml", fragment=True),
                                           encoding="utf-8")
    pdflatex(ARTICLE % ("\\usepackage{tikz}" if tikz else "", "\\input{fragment}"), tmp_path)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "main.pdf"), "-"],
                          capture_output=True, text=True, timeout=60).stdout
    label = {"bias_tanh": "c = 0.05", "softmax_classifier": "x1"}[name]  # only the picture's
    assert (label in " ".join(text.split())) == tikz


def test_a_large_layer_draws_a_few_units_and_dots():
    spec = """\
network:
  inputs: 8
  layers:
    - {units: 7, activation: relu}
    - {units: 1, activation: identity}
loss: half_squared_error
"""
    solution = solve_text(spec)
    sheet = build_sheet(solution, Settings(), matrix_lines=True)
    d = sheet.diagram
    assert [[shown(sheet, u) for u in c] for c in d.columns] == [
        ["1", "x_1", "x_2", "x_3", "dots", "x_8"], ["1", "a1_1", "a1_2", "a1_3", "dots", "a1_7"], ["yhat"]]
    assert len(d.edges) == 4 * 4 + 4 + 4 + 1  # between the units drawn, the biases' too
    assert [b.unicode for b in d.between] == ["W⁽¹⁾, b⁽¹⁾", "W⁽²⁾, b⁽²⁾"]


def test_a_picture_too_tall_or_too_wide_is_drawn_smaller():
    inputs = [f"x{i}" for i in range(1, 17)]
    tall = "inputs: [" + ", ".join(inputs) + "]\ntargets: [y]\nparams: {" + \
        ", ".join(f"w{i}: 0.5" for i in range(1, 17)) + "}\nnodes:\n  yhat: " + \
        " + ".join(f"w{i}*x{i}" for i in range(1, 17)) + "\nloss: squared_error\n" + \
        "data:\n  - {" + ", ".join(f"{x}: 1" for x in inputs) + ", y: 1}\n"
    chain = CHAIN.replace("yhat: g*h6", "h7: tanh(g*h6)\n  h8: tanh(g*h7)\n  h9: tanh(g*h8)\n"
                          "  h10: tanh(g*h9)\n  h11: tanh(g*h10)\n  yhat: g*h11")
    for spec in (tall, chain):
        tex = render(solve_text(spec), "latex", Settings(fragment=True))
        assert "transform shape" in tex
        assert_fits_and_apart(tex, spec[:20])


# -- batch normalization and recurrent layers (issue 18) ----------------------------------------


def _typed_structure(sheet):
    """Columns of unit labels (Unicode; "" for a row left empty) and (source, target, label)
    edges, a label by its Unicode."""
    d = sheet.diagram
    label = lambda u: "" if u.kind == "space" else getattr(u.label, "unicode", u.label)  # noqa: E731
    by_key = {u.key: label(u) for c in d.columns for u in c}
    return ([[label(u) for u in c] for c in d.columns],
            {(by_key[e.source], by_key[e.target], getattr(e.label, "unicode", e.label)) for e in d.edges})


def test_an_rnn_is_drawn_unrolled_over_its_time_steps():
    columns, edges = _typed_structure(sheet_of("rnn_three_steps"))
    assert columns == [["", "h₀", ""], ["ŷ₁", "h₁", "x₁"], ["ŷ₂", "h₂", "x₂"], ["ŷ₃", "h₃", "x₃"]]
    assert edges == {("h₀", "h₁", "Wₕₕ"), ("h₁", "h₂", "Wₕₕ"), ("h₂", "h₃", "Wₕₕ"),
                     ("x₁", "h₁", "Wₓₕ"), ("x₂", "h₂", "Wₓₕ"), ("x₃", "h₃", "Wₓₕ"),
                     ("h₁", "ŷ₁", "W⁽²⁾"), ("h₂", "ŷ₂", "W⁽²⁾"), ("h₃", "ŷ₃", "W⁽²⁾")}
    d = sheet_of("rnn_three_steps").diagram
    assert d.captions == ("$h_0 = 0$", "$t = 1$", "$t = 2$", "$t = 3$") and not d.between


def test_a_long_sequence_draws_its_first_steps_dots_and_its_last():
    """Eight steps, the output read at the last: x₁, x₂, …, x₈; ŷ only at t = 8."""
    spec = (PROBLEMS / "rnn_three_steps.yaml").read_text(encoding="utf-8")
    spec = spec.replace("output: all", "output: last").replace(
        "{x: [1, 0.5, -1], y: [0.5, 0.2, -0.4]}", "{x: [1, 0.5, -1, 0, 2, 1, -0.5, 0.25], y: 0.3}")
    sheet = build_sheet(solve_text(spec), Settings(), matrix_lines=True)
    columns, edges = _typed_structure(sheet)
    assert columns == [["", "h₀", ""], ["", "h₁", "x₁"], ["", "h₂", "x₂"], ["", "⋯", ""], ["ŷ₈", "h₈", "x₈"]]
    assert ("h₂", "⋯", "Wₕₕ") in edges and ("⋯", "h₈", "Wₕₕ") in edges
    assert ("h₈", "ŷ₈", "W⁽²⁾") in edges and not any(t.startswith("ŷ") and s != "h₈" for s, t, _ in edges)
    assert_fits_and_apart(render(solve_text(spec), "latex", Settings(fragment=True)), "rnn8")


def test_a_batchnorm_layer_is_a_column_fed_one_to_one():
    sheet = sheet_of("batchnorm_batch_of_four")
    columns, edges = _typed_structure(sheet)
    assert columns == [["x₁", "x₂"], ["a⁽¹⁾₁", "a⁽¹⁾₂"], ["1", "a⁽²⁾₁", "a⁽²⁾₂"], ["ŷ"]]
    into_bn = {(s, t) for s, t, _ in edges if t.startswith("a⁽²⁾")}
    assert into_bn == {("a⁽¹⁾₁", "a⁽²⁾₁"), ("a⁽¹⁾₂", "a⁽²⁾₂")}  # unit j from unit j alone
    d = sheet.diagram
    assert [b and b.unicode for b in d.between] == [None, "γ⁽²⁾, β⁽²⁾", None]
    assert d.captions == (None, "identity", "batch norm, ReLU", "identity")
