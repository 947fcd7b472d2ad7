"""Where quantities of several samples meet, each carries its sample (issue 13).

With two samples and symbolic weights, the mean of the gradients once read
`0.5 · hŷ + 0.5 · h(ŷ − 1)`: one h and one ŷ for two samples. Here every line that combines
samples (the loss over the data, the gradients over the data, the gradient summary), in
the terminal text, the LaTeX and the JSON's steps, is checked three ways: no quantity of a
sample is printed without its sample; the indexed forms (h⁽¹⁾, ŷ⁽²⁾, a⁽¹⁾₁[²]) are there;
and the printed expression, read back with each indexed symbol replaced by that sample's
own value from the JSON, equals the JSON's combined loss or gradient, at random points.
"""

from __future__ import annotations

import random
import re

import pytest
import sympy as sp

import backprop_cli.api as bp
from support import PROBLEMS

GRAPH_NUMERIC_PARAMS = """
title: Numeric weights, one symbolic target
inputs: [x1, x2]
targets: [y]
params: {w1: 1, w2: 0.5, v: 2}
nodes:
  h: sigmoid(w1*x1 + w2*x2)
  yhat: v*h
loss: half_squared_error
data:
  - {x1: 1, x2: -2, y: null}
  - {x1: 0, x2: 1, y: 0}
"""

GRAPH_THREE_SUM = """
inputs: [x]
targets: [y]
params: {w: null, u: null}
nodes:
  z: tanh(w*x)
  yhat: u*z
loss: squared_error
data:
  - {x: 1, y: 1}
  - {x: 2, y: 0}
  - {x: -1, y: 2}
reduction: sum
"""

LAYERED_COLUMN = """
network:
  inputs: 2
  bias: false
  layers:
    - {units: 2, activation: sigmoid}
    - {units: 1, activation: identity}
params: {W1: null, W2: null}
loss: half_squared_error
data:
  - {x: [1, 2], y: [1]}
  - {x: [0, -1], y: [0]}
"""

LAYERED_ROW = """
network:
  inputs: 2
  convention: row
  layers:
    - {units: 2, activation: tanh}
    - {units: 1, activation: sigmoid}
loss: squared_error
data:
  - {x: [1, -1], y: 1}
  - {x: null, y: 0}
reduction: sum
"""

CASES = {
    "graph_symbolic_weights": (PROBLEMS / "symbolic_two_samples.yaml").read_text(),
    "graph_symbolic_target": GRAPH_NUMERIC_PARAMS,
    "graph_three_samples_sum": GRAPH_THREE_SUM,
    "layered_column": LAYERED_COLUMN,
    "layered_row_symbolic_input": LAYERED_ROW,
}
#: The indexed forms each case must print (terminal, LaTeX).
INDEXED = {
    "graph_symbolic_weights": [("h⁽¹⁾", "h^{(1)}"), ("y\u0302⁽²⁾", "\\hat{y}^{(2)}")],
    "graph_symbolic_target": [("y⁽¹⁾", "y^{(1)}")],
    "graph_three_samples_sum": [("z⁽³⁾", "z^{(3)}"), ("y\u0302⁽¹⁾", "\\hat{y}^{(1)}")],
    # the layered form marks every sample in brackets: its parentheses are layers
    "layered_column": [("a⁽¹⁾₁[²]", "a^{(1)}_{1}{}^{[2]}"), ("\u0177[¹]", "\\hat{y}^{[1]}")],
    "layered_row_symbolic_input": [("a⁽¹⁾₂[¹]", "a^{(1)}_{2}{}^{[1]}"), ("x₁[²]", "x_{1}^{[2]}")],
}
COMBINED = ("Loss over the data", "Gradients over the data", "Gradients")


def _solve(name: str):
    return bp.solve(CASES[name], digits=15, view="scalar")


def _graph(solution):
    result = solution._result
    return result.scalar.graph if getattr(result, "kind", "graph") == "network" else result.graph


def _own(graph) -> set:
    """The quantities that differ from sample to sample (the loss node is L, not ℓ⁽ⁱ⁾)."""
    return ({n.symbol for n in graph.nodes if n is not graph.loss}
            | set(graph.inputs) | set(graph.targets))


def _marked(graph) -> dict:
    """symbol -> (sample, the quantity it marks), for every sample-marked quantity."""
    own = {s.name: s for s in _own(graph)}
    out = {}
    for symbol in graph.names.names:
        base, at, sample = symbol.name.rpartition("@")
        if at and base in own:
            out[symbol] = (int(sample), own[base])
    return out


def _letters(text: str) -> set:
    """The letters of a text: y in ŷ written y and a combining hat, and ŷ as one character."""
    return {c for c in text if c.isalpha()}


def _combined_text_lines(text: str) -> list:
    """The indented lines of the sections that combine samples (the table's header left out)."""
    out, keep = [], False
    for line in text.splitlines():
        if line and not line.startswith(" "):
            keep = line.startswith(COMBINED) and not line.startswith("Gradients (")
            keep = keep or line == "Gradients"
            continue
        if keep and line.strip() and not line.strip().startswith("parameter"):
            out.append(line.strip())
    return out


def _combined_latex(tex: str) -> list:
    out, keep = [], False
    for line in tex.splitlines():
        heading = re.search(r"\\(?:sub)?section\*?\{(.*)\}", line)
        if heading:
            keep = heading.group(1).startswith(COMBINED)
            continue
        if keep and "&" in line and "Parameter" not in line:
            out.append(line)
    return out


# -- no sample's quantity without its sample ---------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_combined_text_lines_mark_every_sample_quantity(name):
    solution = _solve(name)
    graph = _graph(solution)
    names = graph.names.names
    text = solution.to_text(width=1000)
    lines = _combined_text_lines(text)
    assert len(lines) >= 1 + len(graph.params), lines  # the loss, each gradient, the table
    marked = sorted((names[s].unicode for s in _marked(graph)), key=len, reverse=True)
    unmarked = {names[s].unicode for s in _own(graph)}
    forbidden = set().union(*(_letters(u) for u in unmarked))  # ŷ is y and a combining hat
    allowed = set().union(*(_letters(names[p].unicode) for p in graph.params)) | {"L"}
    assert not forbidden & allowed  # the check below could not tell them apart
    for line in lines:
        rest = line
        for u in marked:
            rest = rest.replace(u, "§")
        left = _letters(rest) & forbidden
        assert not left, f"{name}: a sample's quantity without its sample in {line!r}"
    for uni, _ in INDEXED[name]:
        assert any(uni in line for line in lines), f"{name}: {uni} not in {lines}"


@pytest.mark.parametrize("name", CASES)
def test_combined_latex_lines_mark_every_sample_quantity(name):
    solution = _solve(name)
    graph = _graph(solution)
    names = graph.names.names
    steps = [s["latex"] for s in solution.to_json()["steps"] if s["phase"] == "reduce"]
    assert len(steps) == 1 + len(graph.params)
    lines = _combined_latex(solution.to_latex()) + steps
    marked = sorted((names[s].latex for s in _marked(graph)), key=len, reverse=True)
    def strip(tex):  # \text{symbolic} in the table, then \frac, \partial, \hat, ...
        return re.sub(r"\\[A-Za-z]+", " ", re.sub(r"\\text\{[^}]*\}", " ", tex))

    forbidden = set().union(*(_letters(strip(names[s].latex)) for s in _own(graph)))
    for line in lines:
        rest = line
        for tex in marked:
            rest = rest.replace(tex, "§")
        left = _letters(strip(rest)) & forbidden
        assert not left, f"{name}: a sample's quantity without its sample in {line!r}"
    for _, tex in INDEXED[name]:
        assert any(tex in line for line in lines), f"{name}: {tex} not in the LaTeX"


# -- the printed expression is the combined value -------------------------------------------------


def _read(expr: str, tokens: dict) -> sp.Expr:
    """A printed terminal expression read back: each name in `tokens` (printed -> Symbol),
    numbers, + − · / ( ), powers as superscript digits, products by juxtaposition."""
    order = sorted(tokens, key=len, reverse=True)
    out, i, previous = [], 0, None  # previous: 'operand' after a name, number or ')'
    superscripts = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
    while i < len(expr):
        ch = expr[i]
        if ch == " ":
            i += 1
            continue
        name = next((t for t in order if expr.startswith(t, i)), None)
        number = re.match(r"\d+(\.\d+)?", expr[i:])
        if name is not None or number or ch == "(" or ch == "σ":
            if previous == "operand":
                out.append("*")
            if name is not None:
                out.append(f"S{list(tokens).index(name)}")
                i += len(name)
                previous = "operand"
            elif number:
                out.append(number.group())
                i += number.end()
                previous = "operand"
            elif ch == "σ":
                out.append("sigma")
                i += 1
                previous = None
            else:
                out.append("(")
                i += 1
                previous = None
            continue
        if ch == "½":  # a half, as the printers write it
            if previous == "operand":
                out.append("*")
            out.append("(1/2)")
            i += 1
            previous = "operand"
            continue
        if ch in "⁰¹²³⁴⁵⁶⁷⁸⁹":
            power = re.match("[⁰¹²³⁴⁵⁶⁷⁸⁹]+", expr[i:]).group()
            out.append("**" + power.translate(superscripts))
            i += len(power)
            continue
        symbol = {"−": "-", "+": "+", "·": "*", "/": "/", ")": ")"}.get(ch)
        assert symbol is not None, f"unexpected {ch!r} in {expr!r}"
        out.append(symbol)
        previous = "operand" if ch == ")" else None
        i += 1
    local = {f"S{k}": s for k, s in enumerate(tokens.values())}
    local["sigma"] = sp.Lambda(sp.Dummy("t"), 1 / (1 + sp.exp(-sp.Dummy("t"))))
    return sp.sympify("".join(out), locals=local)  # the tool's output, not spec text


def _sample_value(data: dict, plain: str):
    """A node's value in one sample from the JSON (a layered entry from its vector)."""
    values = data["values"]
    if plain in values:
        value = values[plain]
        return value[0] if isinstance(value, list) else value
    base, _, index = plain.rpartition("_")
    return values[base][int(index) - 1]


def _json_gradient(data: dict, plain: str):
    gradients = data["gradients"]
    if plain in gradients:  # a parameter of its own, or a one-entry bias
        value = gradients[plain]
        return value[0] if isinstance(value, list) else value
    base, *index = plain.split("_")
    value = gradients[base]
    for i in index:
        value = value[int(i) - 1]
    return value[0] if isinstance(value, list) else value


def _symbols(text) -> sp.Expr:
    return sp.sympify(text) if isinstance(text, str) else sp.Float(text)


@pytest.mark.parametrize("name", CASES)
def test_printed_combination_is_the_combined_value(name):
    solution = _solve(name)
    graph = _graph(solution)
    names = graph.names.names
    data = solution.to_json()
    marked = _marked(graph)
    tokens = {names[s].unicode: s for s in marked}
    tokens.update({names[p].unicode: sp.Symbol(names[p].plain) for p in graph.params})
    # each marked quantity is that sample's own value (a symbolic input keeps its JSON name)
    own_value = {}
    for symbol, (sample, quantity) in marked.items():
        if quantity in graph.inputs or quantity in graph.targets:
            given = graph.samples[sample - 1].get(quantity)
            own_value[symbol] = sp.Symbol(names[given].plain if given is not None and not
                                          given.is_number else names[quantity].plain)
        else:
            own_value[symbol] = _symbols(_sample_value(data["samples"][sample - 1],
                                                       names[quantity].plain))
    lines = _combined_text_lines(solution.to_text(width=1000))
    checked = 0
    for line in lines:
        if " = " in line:  # a worked line: its value is the last form
            lhs, *_, printed = line.split(" = ")
            plain = "L" if lhs.strip() == "L" else None
            if plain is None:
                param = next(p for p in graph.params if lhs.strip() == f"∂L/∂{names[p].unicode}")
                plain = names[param].plain
        else:  # a row of the summary: parameter, (value), gradient
            cells = re.split(r"\s{3,}", line)
            param = next(p for p in graph.params if names[p].unicode == cells[0])
            plain, printed = names[param].plain, cells[-1]
        expected = _symbols(data["loss"] if plain == "L" else _json_gradient(data, plain))
        got = _read(printed, tokens).xreplace(own_value)
        free = sorted(got.free_symbols | expected.free_symbols, key=str)
        assert {s.name for s in got.free_symbols} <= {s.name for s in free}
        rng = random.Random(13)
        for _ in range(3):
            point = {s: sp.Float(rng.uniform(-1.5, 1.5)) for s in free}
            by_name = {s.name: v for s, v in point.items()}
            a = float(got.xreplace({s: by_name[s.name] for s in got.free_symbols}))
            b = float(expected.xreplace({s: by_name[s.name] for s in expected.free_symbols}))
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), f"{name}: {line}"
        checked += 1
    # the loss, each gradient, and (the graph form) the summary's rows
    assert checked == len(lines) >= 1 + len(graph.params)


def test_one_sample_keeps_its_plain_names():
    """One sample: nothing is combined, nothing is marked."""
    text = bp.solve(PROBLEMS / "symbolic_weights.yaml").to_text()
    assert "⁽" not in text.replace("ℓ", "")  # only the layered-free plain names
    assert "h(y\u0302 − 1)" in text


def test_a_sample_section_keeps_its_plain_names():
    """Inside a sample's own section its quantities are written as they are: the section
    title says whose they are."""
    text = _solve("graph_symbolic_weights").to_text(width=1000)
    section = text.split("Backward pass, sample 2")[1].split("\n\n")[1]
    assert "h⁽" not in section and "ŷ⁽" not in section and "hy\u0302" in section.replace("v", "")


def test_the_json_numbers_and_names_do_not_change():
    """The marks are for reading: the JSON's loss, gradients and sample values are still in
    parameters and inputs only, and its step names are the same."""
    data = _solve("graph_symbolic_weights").to_json()
    for text in [data["loss"], *data["gradients"].values()]:
        assert "_s" not in text and {s.name for s in sp.sympify(text).free_symbols} <= {"w1", "w2", "v"}
    reduce = [s for s in data["steps"] if s["phase"] == "reduce"]
    assert [s["name"] for s in reduce] == ["L", "dL/dw1", "dL/dw2", "dL/dv"]
    assert {s.name for s in sp.sympify(reduce[-1]["value"]).free_symbols} == \
        {"h_s1", "h_s2", "yhat_s1", "yhat_s2"}


def test_the_given_part_names_a_symbolic_entry_as_its_sample_s_own():
    """y⁽¹⁾ in the combined lines is defined where the data are given."""
    solution = _solve("graph_symbolic_target")
    assert "sample 1: x₁ = 1, x₂ = −2, y = y⁽¹⁾" in solution.to_text()
    assert "1 & $1$ & $-2$ & $y^{(1)}$" in solution.to_latex()
