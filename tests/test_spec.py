"""Spec validation: a valid spec is read exactly; each bad one names its field and line."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from backprop_cli.errors import SpecError
from backprop_cli.graph import build_graph
from backprop_cli.spec import load_problem

BASE = """\
title: Test
inputs: [x1, x2]
params:
  w1: 0.5
  w2: -1
nodes:
  h1: sigmoid(w1*x1 + w2*x2)
  yhat: 2*h1
loss: squared_error
data:
  - {x1: 1, x2: 2, y: 0}
  - {x1: 3, x2: 4, y: 1}
optimizer: {lr: 0.1}
"""  # the next line, for appended keys, is 14


def edited(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def spec_error(text: str, *, build: bool = False) -> SpecError:
    """The SpecError for `text`, from load_problem (or, with build, from build_graph)."""
    with pytest.raises(SpecError) as info:
        problem = load_problem(text, "bad.yaml")
        if build:
            build_graph(problem)
    return info.value


# --- a valid spec --------------------------------------------------------------------------

def test_valid_spec_is_read_exactly():
    problem = load_problem(BASE, "ok.yaml")
    assert problem.source == "ok.yaml"
    assert problem.title == "Test"
    assert problem.inputs == ("x1", "x2")
    assert problem.targets == ("y",)  # the default
    assert problem.params == (("w1", Fraction(1, 2)), ("w2", Fraction(-1)))
    assert [name for name, _ in problem.nodes] == ["h1", "yhat"]
    h1 = problem.nodes[0][1]
    assert (h1.text, h1.field, h1.line, h1.column) == ("sigmoid(w1*x1 + w2*x2)", "nodes.h1", 7, 7)
    assert problem.loss.type == "squared_error" and problem.loss.formula is None
    assert problem.data == ((("x1", 1), ("x2", 2), ("y", 0)), (("x1", 3), ("x2", 4), ("y", 1)))
    assert problem.reduction == "mean"
    assert (problem.optimizer.type, problem.optimizer.lr, problem.optimizer.steps) == \
        ("sgd", Fraction(1, 10), 1)
    assert problem.symbols == ()


def test_formula_column_skips_the_opening_quote():
    problem = load_problem(edited("  yhat: 2*h1", "  yhat: '2*h1'"))
    yhat = problem.nodes[1][1]
    assert (yhat.line, yhat.column) == (8, 10)


def test_nulls_stay_symbolic_and_no_data_means_one_sample_of_symbols():
    text = "inputs: [x]\nparams: {w: null}\nnodes: {yhat: w*x}\nloss: (yhat - y)**2\n"
    problem = load_problem(text)
    assert problem.params == (("w", None),)
    assert problem.data == ((("x", None), ("y", None)),)


def test_error_names_source_field_and_line():
    err = spec_error(edited("w1: 0.5", "w1: abc"))
    assert err.source == "bad.yaml"
    assert str(err).startswith("bad.yaml, line 4, column 7, in params.w1: ")


# --- each kind of bad spec -------------------------------------------------------------------

CASES = [
    # id, text, field, line, fragment of the message
    ("param-text", edited("w1: 0.5", "w1: abc"), "params.w1", 4, "not a number"),
    ("param-quoted-number", edited("w1: 0.5", "w1: '0.5'"), "params.w1", 4, "without quotes"),
    ("param-no", edited("w1: 0.5", "w1: no"), "params.w1", 4, "true/false"),
    ("param-yes", edited("w1: 0.5", "w1: Yes"), "params.w1", 4, "true/false"),
    ("param-inf", edited("w1: 0.5", "w1: .inf"), "params.w1", 4, "not a finite number"),
    ("param-minus-inf", edited("w1: 0.5", "w1: -.inf"), "params.w1", 4, "not a finite number"),
    ("param-nan", edited("w1: 0.5", "w1: .nan"), "params.w1", 4, "not a finite number"),
    ("param-huge", edited("w1: 0.5", "w1: 1e400"), "params.w1", 4, "out of range"),
    ("param-list", edited("w1: 0.5", "w1: [1]"), "params.w1", 4, "must be a number"),
    ("param-duplicate", edited("  w2: -1", "  w2: -1\n  w1: 2"), "params.w1", 6, "appears twice"),
    ("params-not-mapping", edited("params:\n  w1: 0.5\n  w2: -1", "params: [w1, w2]"),
     "params", 3, "mapping"),
    ("sample-flag", edited("{x1: 3, x2: 4, y: 1}", "{x1: yes, x2: 4, y: 1}"), "data[1].x1", 12,
     "true/false"),
    ("sample-text", edited("{x1: 3, x2: 4, y: 1}", "{x1: 3, x2: four, y: 1}"), "data[1].x2", 12,
     "not a number"),
    ("sample-missing-input", edited("{x1: 3, x2: 4, y: 1}", "{x2: 4, y: 1}"), "data[1]", 12,
     "no value for x1"),
    ("sample-missing-target", edited("{x1: 3, x2: 4, y: 1}", "{x1: 3, x2: 4}"), "data[1]", 12,
     "no value for y"),
    ("sample-unknown-name", edited("{x1: 3, x2: 4, y: 1}", "{x1: 3, x2: 4, x3: 5, y: 1}"),
     "data[1].x3", 12, "not an input or a target"),
    ("sample-typo", edited("{x1: 3, x2: 4, y: 1}", "{x1: 3, x_2: 4, y: 1}"), "data[1].x_2", 12,
     "did you mean 'x2'"),
    ("sample-not-mapping", edited("  - {x1: 3, x2: 4, y: 1}", "  - [3, 4, 1]"), "data[1]", 12,
     "mapping"),
    ("data-empty", edited("data:\n  - {x1: 1, x2: 2, y: 0}\n  - {x1: 3, x2: 4, y: 1}", "data: []"),
     "data", 10, "at least one sample"),
    ("node-list", edited("h1: sigmoid(w1*x1 + w2*x2)", "h1: [1, 2]"), "nodes.h1", 7, "formula"),
    ("node-flag", edited("h1: sigmoid(w1*x1 + w2*x2)", "h1: off"), "nodes.h1", 7, "formula"),
    ("node-named-like-a-function", edited("  h1:", "  relu:"), "nodes.relu", 7, "function"),
    ("node-named-like-a-keyword", edited("  h1:", "  for:"), "nodes.for", 7, "reserved"),
    ("no-nodes", edited("nodes:\n  h1: sigmoid(w1*x1 + w2*x2)\n  yhat: 2*h1", "nodes: {}"),
     "nodes", 6, "at least one node"),
    ("input-keyword", edited("inputs: [x1, x2]", "inputs: [x1, lambda]"), "inputs[1]", 2,
     "reserved"),
    ("input-function", edited("inputs: [x1, x2]", "inputs: [x1, sigmoid]"), "inputs[1]", 2,
     "function"),
    ("input-None", edited("inputs: [x1, x2]", "inputs: [x1, None]"), "inputs[1]", 2, "reserved"),
    ("input-bad-name", edited("inputs: [x1, x2]", "inputs: [x1, 2x]"), "inputs[1]", 2,
     "not a valid name"),
    ("input-too-long", edited("inputs: [x1, x2]", "inputs: [x1, " + "x" * 33 + "]"), "inputs[1]",
     2, "longer than"),
    ("inputs-not-list", edited("inputs: [x1, x2]", "inputs: x1"), "inputs", 2, "list"),
    ("name-declared-twice", edited("  w2: -1", "  x1: -1"), "params.x1", 5, "already declared"),
    ("param-named-like-a-function", edited("  w2: -1", "  tanh: -1"), "params.tanh", 5, "function"),
    ("loss-typo", edited("loss: squared_error", "loss: squared_eror"), "loss", 9,
     "did you mean 'squared_error'"),
    ("loss-type-unknown", edited("loss: squared_error", "loss: {type: mse}"), "loss.type", 9,
     "unknown loss type"),
    ("loss-unknown-key", edited("loss: squared_error", "loss: {type: bce, outptu: yhat}"),
     "loss.outptu", 9, "did you mean 'output'"),
    ("lr-text", edited("optimizer: {lr: 0.1}", "optimizer: {lr: fast}"), "optimizer.lr", 13,
     "not a number"),
    ("lr-no", edited("optimizer: {lr: 0.1}", "optimizer: {lr: no}"), "optimizer.lr", 13,
     "true/false"),
    ("optimizer-type", edited("optimizer: {lr: 0.1}", "optimizer: {type: adamax, lr: 0.1}"),
     "optimizer.type", 13, "did you mean 'adam'"),
    ("steps-zero", edited("optimizer: {lr: 0.1}", "optimizer: {lr: 0.1, steps: 0}"),
     "optimizer.steps", 13, "1 to 50"),
    ("steps-too-many", edited("optimizer: {lr: 0.1}", "optimizer: {lr: 0.1, steps: 51}"),
     "optimizer.steps", 13, "1 to 50"),
    ("steps-fraction", edited("optimizer: {lr: 0.1}", "optimizer: {lr: 0.1, steps: 1.5}"),
     "optimizer.steps", 13, "whole number"),
    ("steps-flag", edited("optimizer: {lr: 0.1}", "optimizer: {lr: 0.1, steps: yes}"),
     "optimizer.steps", 13, "whole number"),
    ("optimizer-without-loss", edited("loss: squared_error\n", ""), "optimizer", 12, "needs a loss"),
    ("reduction", BASE + "reduction: average\n", "reduction", 14, "'mean' or 'sum'"),
    ("unknown-top-level-key", BASE + "optimiser: {lr: 0.1}\n", "optimiser", 14,
     "did you mean 'optimizer'"),
    ("unknown-top-level-key-far", BASE + "colour: red\n", "colour", 14, "allowed:"),
    ("title-mapping", edited("title: Test", "title: {a: 1}"), "title", 1, "text"),
    ("title-too-long", edited("title: Test", "title: " + "T" * 2001), "title", 1, "limit"),
    ("duplicate-top-level-key", BASE + "loss: bce\n", "loss", 14, "appears twice"),
    ("tag", edited("title: Test", "title: !!python/object:os.system x"), "title", 1, "tags"),
    ("date", edited("title: Test", "title: 2024-01-31"), "title", 1, "as a date"),
    ("symbol-undeclared", BASE + "symbols: {w9: w}\n", "symbols.w9", 14, "not a declared name"),
    ("symbol-input", BASE + "symbols: {w1: '\\input{/etc/passwd}'}\n", "symbols.w1", 14, "\\input"),
    ("symbol-write18", BASE + "symbols: {w1: '\\write18{rm -rf ~}'}\n", "symbols.w1", 14, "not allowed"),
    ("symbol-def", BASE + "symbols: {w1: '\\def\\x{1}'}\n", "symbols.w1", 14, "\\def"),
    ("symbol-csname", BASE + "symbols: {w1: '\\csname foo\\endcsname'}\n", "symbols.w1", 14,
     "not allowed"),
    ("symbol-nested-command", BASE + "symbols: {w1: '\\mathrm{\\input x}'}\n", "symbols.w1", 14,
     "\\input"),
    ("symbol-catcode-chars", BASE + "symbols: {w1: 'w%1'}\n", "symbols.w1", 14, "not allowed"),
    ("symbol-dollar", BASE + "symbols: {w1: 'w$1'}\n", "symbols.w1", 14, "not allowed"),
    ("symbol-braces", BASE + "symbols: {w1: 'w_{1'}\n", "symbols.w1", 14, "braces"),
    ("symbol-empty", BASE + "symbols: {w1: ' '}\n", "symbols.w1", 14, "empty"),
    ("not-a-mapping", "- inputs\n- nodes\n", None, 1, "mapping"),
    ("missing-inputs", "nodes: {yhat: 1}\n", None, 1, "needs 'inputs:'"),
]


@pytest.mark.parametrize("text, field, line, fragment", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_spec(text, field, line, fragment):
    err = spec_error(text)
    assert err.field == field
    assert err.line == line
    assert fragment in err.message


@pytest.mark.parametrize("text", [
    BASE.replace("params:", "params: &p", 1),
    BASE + "more: *p\n",
])
def test_anchors_and_aliases_are_refused(text):
    err = spec_error(text)
    assert "anchors" in err.message or "alias" in err.message
    assert isinstance(err.line, int)


def test_empty_file():
    assert "empty" in spec_error("").message


@pytest.mark.parametrize("latex", ["\\hat{w}_{1}", "w^{(1)}", "\\mathbf{w}_1", "\\alpha",
                                   "\\text{out}", "\\bar{\\theta}"])
def test_safe_symbol_latex_is_accepted(latex):
    problem = load_problem(BASE + f"symbols: {{w1: '{latex}'}}\n")
    assert problem.symbols == (("w1", latex),)


@pytest.mark.parametrize("latex", ["w^^5cinput{/etc/passwd}", "^^5cdef^^5cx{1}"])
def test_tex_hex_escapes_cannot_smuggle_commands(latex):
    # TeX reads ^^5c as a backslash before any command is seen: 'w^^5cinput{/etc/passwd}'
    # is typeset as w\input{/etc/passwd} and puts that file into the PDF.
    err = spec_error(BASE + f"symbols: {{w1: '{latex}'}}\n")
    assert err.field == "symbols.w1"


# --- errors found while building the graph (formulas and losses) ---------------------------

@pytest.mark.parametrize("old, new, field, line, column, fragment", [
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: sigmod(w1*x1 + w2*x2)", "nodes.h1", 7, 7,
     "did you mean 'sigmoid'"),
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: sigmoid(w1*x1 + w3*x2)", "nodes.h1", 7, 23, "'w3'"),
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: sigmoid(w1*x1 + yhat)", "nodes.h1", 7, None, "yhat"),
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: 'x1^2'", "nodes.h1", 7, 10, "'**'"),
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: x1.__class__", "nodes.h1", 7, 7, "attribute"),
    ("h1: sigmoid(w1*x1 + w2*x2)", "h1: 9**9**9", "nodes.h1", 7, None, "too large"),
    ("loss: squared_error", "loss: (yhat - y)**2 + sigmod(w1)", "loss", 9, None, "sigmoid"),
])
def test_formula_errors_name_node_line_and_column(old, new, field, line, column, fragment):
    err = spec_error(edited(old, new), build=True)
    assert (err.field, err.line) == (field, line)
    if column is not None:
        assert err.column == column
    assert fragment in err.message


@pytest.mark.parametrize("old, new, field", [
    ("loss: squared_error", "loss: (x1 - y)**2", "loss"),
    ("loss: squared_error", "loss: {type: bce, output: x1}", "loss.output"),
    ("loss: squared_error", "loss: {type: bce, target: x1}", "loss.target"),
], ids=["loss-uses-no-node", "output-not-a-node", "target-not-a-target"])
def test_loss_errors_found_while_building_have_a_line(old, new, field):
    # README: a bad spec is "reported as one message naming the file, the field ... and the line"
    err = spec_error(edited(old, new), build=True)
    assert err.field == field
    assert err.line == 9


# --- valid specs that must build ---------------------------------------------------------------

def test_a_node_given_as_a_bare_number_keeps_every_digit():
    # Numbers in the spec are exact (README); a node that is a constant is no exception.
    problem = load_problem("inputs: [x]\nnodes:\n  c: 0.1234567890123456789\n  yhat: c*x\n")
    assert problem.nodes[0][1].text == "0.1234567890123456789"


@pytest.mark.parametrize("names", [["z", "s", "u", "v", "a", "q"],
                                   ["z", "s", "u", "v", "a", "q", "zz", "zzz", "pre"]],
                         ids=["six-letters", "every-candidate"])
def test_taken_pre_activation_letters_do_not_crash_the_graph(names):
    # The pre-activation letter is z, or s, u, ... when taken; however many are taken the
    # spec is still valid (and here nothing even needs a pre-activation).
    text = f"inputs: [{', '.join(names)}]\nparams: {{w: 1}}\nnodes:\n  yhat: w*z + s\n"
    graph = build_graph(load_problem(text))
    assert [str(n.symbol) for n in graph.nodes] == ["yhat"]


CALCULUS_PROBLEMS = Path(__file__).resolve().parent.parent / "problems"


@pytest.mark.parametrize("example", ["seed003_q13c_chain", "seed003_q18_softmax"])
def test_reading_a_calculus_spec_imports_no_sympy(example):
    """The spec stage checks a formula's shape with formula_syntax.py alone: SymPy (and
    formula.py, which builds SymPy) belong to a later stage."""
    code = ("import sys, backprop_cli.spec as s; "
            "p = s.load_problem(open(sys.argv[1]).read()); assert p.kind == 'calculus'; "
            "print(sorted(m for m in ('sympy', 'backprop_cli.formula') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(CALCULUS_PROBLEMS / f"{example}.yaml")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("formula, message", [
    ("__import__('os').system('x')", "attribute access ('.') cannot be used"),
    ("x +", "this is not a valid formula"),
    ("sigmod(x)", "unknown function 'sigmod'; did you mean 'sigmoid'?"),
    ("x + 'y'", "text in quotes ('y') is not a number or a name"),
    ("relu + x", "'relu' is a function; call it as relu(...)"),
])
def test_a_calculus_formula_that_is_no_formula_is_refused_before_its_names(formula, message):
    """Its own error, not one about wrt: naming a word of it."""
    text = f"function: {formula!r}\nwrt: [nowhere]\n"
    with pytest.raises(SpecError) as info:
        load_problem(text)
    assert info.value.field == "function" and info.value.line == 1
    assert message in info.value.message


def test_a_value_only_sympy_sees_is_reported_when_built_with_its_field_and_line():
    """9**9 is a number only once computed; the engine reports it, at the formula."""
    from backprop_cli.pipeline import solve_text

    text = "title: t\nfunction: 9**9**9*x + y\n"
    load_problem(text)  # the shape is a formula
    with pytest.raises(SpecError) as info:
        solve_text(text)
    assert (info.value.field, info.value.line, info.value.column) == ("function", 2, 14)
    assert "the exponent 387420489 is too large: use a power of at most 64" in info.value.message


def _options():
    from backprop_cli.spec.spelling import Options

    return Options({"function": "FORMULA", "define": "--define", "wrt": "--wrt", "at": "--at",
                    "update": "--lr"}, numbered=("function",), named=("at", "define"),
                   given_with=("define",))


@pytest.mark.parametrize("data, field, file_words, option_words", [
    ({"function": "x*y", "wrt": []}, ("wrt", "--wrt"),
     "like wrt: [x, y]; or leave 'wrt:' out for every variable",
     "like --wrt x,y; or leave --wrt out for every variable"),
    ({"function": ["x", "y"], "update": {"lr": 1}}, ("update", "--lr"),
     "not 2: remove update:, or differentiate one function",
     "not 2: leave --lr out, or differentiate one function"),
    ({"function": "x", "define": {"x": "x"}}, ("define.x", "--define x"),
     "like x: t**2", "like --define x=t**2"),
    ({"function": "x*y", "at": {"x": 1}}, ("at", "--at"),
     "(add it, like y: 1)", "(add y=1 to --at)"),
    ({"function": "u", "define": {"u": "t"}, "at": {"u": 1}}, ("at.u", "--at u"),
     "'u' is an inner function (define:); its value follows from the variables: remove it "
     "from at: and", "'u' is an inner function (--define); its value follows from the "
                    "variables: remove it from --at and"),
    ({"function": ["x", "y", "x**" + "(x" * 45 + ")" * 45]}, ("function[2]", "FORMULA 3"),
     "inner functions in define:", "inner functions with --define"),
])
def test_one_message_in_the_words_of_its_source(data, field, file_words, option_words):
    """The calculus reader composes each message from the Spelling it is given: a file's
    keys, or the options of `backprop derive`."""
    from backprop_cli.spec import read_problem
    from backprop_cli.yamlload import Document

    for spelling, name, words in ((None, field[0], file_words), (_options(), field[1], option_words)):
        with pytest.raises(SpecError) as info:
            doc = Document(data=data, marks={})
            read_problem(doc, "t") if spelling is None else read_problem(doc, "t", spelling)
        assert info.value.field == name
        assert words in info.value.message, info.value.message


def test_the_point_is_named_in_the_words_of_its_source():
    """The engine's messages about the point too: 'in at:' in a file, 'in --at' typed."""
    from backprop_cli.calculus.engine import solve_calculus
    from backprop_cli.errors import EvaluationError
    from backprop_cli.spec import read_problem
    from backprop_cli.yamlload import Document

    data = {"function": "log(x)", "at": {"x": 0}}
    for spelling, field, words in ((None, "at", "choose values in at: where"),
                                   (_options(), "--at", "choose values in --at where")):
        doc = Document(data=data, marks={})
        problem = read_problem(doc, "t") if spelling is None else read_problem(doc, "t", spelling)
        with pytest.raises(EvaluationError) as info:
            solve_calculus(problem)
        assert info.value.field == field and words in info.value.message


# -- one work budget (spec/budget.py) ------------------------------------------------------

def _network(sizes, samples: int, steps: int) -> str:
    layers = "".join(f"\n    - {{units: {n}, activation: sigmoid}}" for n in sizes[1:])
    params = "".join(f"\n  W{l}: [{', '.join(['[' + ', '.join(['0.1'] * sizes[l - 1]) + ']'] * sizes[l])}]"
                     f"\n  b{l}: [{', '.join(['0'] * sizes[l])}]" for l in range(1, len(sizes)))
    data = "".join(f"\n  - {{x: [{', '.join(['1'] * sizes[0])}], y: [{', '.join(['0'] * sizes[-1])}]}}"
                   for _ in range(samples))
    return (f"network:\n  inputs: {sizes[0]}\n  layers:{layers}\nparams:{params}\nloss: mse\n"
            f"data:{data}\noptimizer: {{lr: 0.1, steps: {steps}}}\n")


def test_the_budget_keeps_the_largest_benchmark_and_refuses_the_product_beyond():
    from backprop_cli.spec import budget

    # 64-64-10, one sample, one step (README's Performance, 2 s): 2 x 4884 units
    assert load_problem(_network([64, 64, 10], 1, 1)).optimizer.steps == 1
    assert budget.network_work(1, 4810, 74, 1, False) == 9768 <= budget.LIMIT
    # the same network with two samples is over: the product, not any one size, is capped
    with pytest.raises(SpecError) as exc:
        load_problem(_network([64, 64, 10], 2, 1))
    assert exc.value.field == "data"
    assert "2 samples x 2 passes x (4810 weights and biases + 74 units)" in str(exc.value)


def test_the_budget_of_a_graph_counts_nodes_parameters_samples_and_passes():
    from backprop_cli.spec import budget

    assert budget.graph_work(1000, 1, 1, 0) == 1000 * (8 + 1)  # accepted: 1.9 s measured
    assert budget.graph_work(1000, 9, 9, 0) == 46_000  # the old cap's 9,000 steps: 2 minutes
    assert budget.over(budget.graph_work(1, 80, 80, 50))
