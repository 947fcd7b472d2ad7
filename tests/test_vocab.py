"""The tables of activations, losses and optimizers (backprop_cli/vocab): each name means one
thing in every form, and each form builds what the table says."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy as sp

from backprop_cli import formula
from backprop_cli.errors import SpecError
from backprop_cli.render.worked import rule_text
from backprop_cli.functions import leaky_relu, sigmoid, softmax, to_elementary
from backprop_cli.spec import NAMED_LOSSES, RESERVED, load_problem
from backprop_cli.spec import network as network_spec
from backprop_cli.vocab import ACTIVATIONS, LOSSES, OPTIMIZERS
from backprop_cli.vocab import activations, losses
from support import PROBLEMS

a1, a2, y1, y2, z1, z2, z3 = sp.symbols("a1 a2 y1 y2 z1 z2 z3", real=True)


# --- losses ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("squared_error", (a1 - y1) ** 2 + (a2 - y2) ** 2),
    ("half_squared_error", ((a1 - y1) ** 2 + (a2 - y2) ** 2) / 2),
    ("mse", ((a1 - y1) ** 2 + (a2 - y2) ** 2) / 2),  # 1/K with K = 2 outputs
    ("abs_error", sp.Abs(a1 - y1) + sp.Abs(a2 - y2)),
    ("bce", -y1 * sp.log(a1) - (1 - y1) * sp.log(1 - a1) - y2 * sp.log(a2) - (1 - y2) * sp.log(1 - a2)),
    ("cross_entropy", -y1 * sp.log(a1) - y2 * sp.log(a2)),
])
def test_each_loss_is_the_textbook_one_summed_over_the_outputs(name, expected):
    expr, display = LOSSES[name].build((a1, a2), (y1, y2))
    assert sp.simplify(expr - expected) == 0
    assert sp.simplify(display.doit() - expected) == 0  # the written form has the same value


def test_with_one_output_mse_is_the_squared_error_the_graph_form_writes():
    assert LOSSES["mse"].build((a1,), (y1,)) == LOSSES["squared_error"].build((a1,), (y1,))
    assert LOSSES["mse"].graph == "squared_error"


def test_the_graph_form_takes_the_losses_that_mean_the_same_with_one_output():
    # cross_entropy too: over a softmax node's outputs, p: softmax(s1, s2, s3)
    assert NAMED_LOSSES == ("squared_error", "half_squared_error", "abs_error", "bce",
                            "cross_entropy")


def test_every_alias_names_one_loss_and_no_alias_is_a_name():
    names = losses.aliases()
    assert not set(names) & set(LOSSES)
    assert names["binary_cross_entropy"] == names["log_loss"] == "bce"
    assert names["categorical_crossentropy"] == names["nll"] == "cross_entropy"
    assert losses.lookup("BCE").name == "bce" and losses.lookup("Log_Loss").name == "bce"
    assert losses.lookup("hinge") is None


GRAPH = """\
inputs: [x]
params: {w: 0.5}
nodes:
  yhat: sigmoid(w*x)
loss: LOSS
data:
  - {x: 1, y: 1}
"""


@pytest.mark.parametrize("written", ["cross_entropy", "{type: cross_entropy}"])
def test_graph_form_cross_entropy_needs_a_softmax_node_and_says_bce_for_one_sigmoid(written):
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("LOSS", written), "ce.yaml")
    error = info.value
    assert (error.field, error.line) == ("loss", 5)
    assert error.message.startswith("cross_entropy is −Σₖ yₖ log pₖ over a softmax node's outputs, "
                                    "and yhat is one number: make the output a softmax node")
    assert error.message.endswith("for a single sigmoid output write bce (binary cross-entropy)")


def test_graph_form_names_cross_entropy_for_nll():
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("LOSS", "nll"), "nll.yaml")
    assert info.value.message.startswith("unknown loss 'nll'; write cross_entropy")


@pytest.mark.parametrize("written, hint", [("binary_cross_entropy", "; write bce"),
                                           ("log_loss", "; write bce"),
                                           ("mse", "; write squared_error")])
def test_graph_form_names_its_own_loss_for_another_name(written, hint):
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("LOSS", written), "alias.yaml")
    assert info.value.message.startswith(f"unknown loss '{written}'{hint} (the named losses are")


def test_graph_form_takes_bce_and_a_node_called_cross_entropy_is_a_formula():
    assert load_problem(GRAPH.replace("LOSS", "bce")).loss.type == "bce"
    text = GRAPH.replace("  yhat: sigmoid(w*x)", "  yhat: sigmoid(w*x)\n  cross_entropy: -y*log(yhat)") \
        .replace("inputs: [x]", "inputs: [x]\ntargets: [y]")
    problem = load_problem(text.replace("LOSS", "cross_entropy"))
    assert problem.loss.formula.text == "cross_entropy"


def test_what_a_target_may_be_is_the_losss_own():
    assert {name: loss.targets for name, loss in LOSSES.items() if loss.targets != "any"} == \
        {"bce": "probabilities", "cross_entropy": "distribution"}
    assert LOSSES["cross_entropy"].log_advice.endswith("put softmax on the last layer")


def test_layered_form_reads_the_same_names():
    assert network_spec.LOSSES == tuple(LOSSES)
    assert network_spec.ACTIVATIONS == tuple(ACTIVATIONS)


# --- activations -------------------------------------------------------------------------

@pytest.mark.parametrize("name", [a.name for a in activations.in_formulas()])
def test_a_formula_calls_the_activation_a_layer_applies(name):
    entry = ACTIVATIONS[name]
    alpha = sp.Rational(1, 100)
    expr, _ = entry.unit((z1, z2), 0, alpha)
    args = (z1, alpha) if name == "leaky_relu" else (z1,)
    assert expr == entry.function(*args)
    assert formula.FUNCTIONS[name] == (entry.function, entry.arguments)


def test_the_units_are_the_activations():
    alpha = sp.Rational(1, 5)
    assert ACTIVATIONS["identity"].unit((z1, z2), 1, alpha) == (z2, z2)
    assert ACTIVATIONS["sigmoid"].unit((z1,), 0, alpha)[0] == sigmoid(z1)
    assert ACTIVATIONS["tanh"].unit((z1,), 0, alpha)[0] == sp.tanh(z1)
    leaky, shown = ACTIVATIONS["leaky_relu"].unit((z1,), 0, alpha)
    assert leaky == leaky_relu(z1, alpha) and shown.args[1] == sp.Float("0.2", 15)
    soft, written = ACTIVATIONS["softmax"].unit((z1, z2, z3), 1, alpha)
    assert soft == softmax(2, z1, z2, z3)
    assert sp.simplify(written.doit() - sp.exp(z2) / (sp.exp(z1) + sp.exp(z2) + sp.exp(z3))) == 0


def test_no_name_may_be_a_function_a_formula_calls():
    assert set(formula.FUNCTIONS) == RESERVED == set(activations.formula_functions())
    assert formula.DEFAULT_ARGUMENTS == {"leaky_relu": sp.Rational(1, 100)}


def test_every_activation_alias_names_one_activation():
    names = activations.aliases()
    assert not set(names) & set(ACTIVATIONS)
    assert names["linear"] == "identity" and names["logistic"] == "sigmoid"
    assert formula.ALIASES["LeakyReLU"] == "leaky_relu"
    assert "linear" not in formula.ALIASES  # identity is no function a formula calls


def test_every_activation_has_its_derivative_rule_written_both_ways_in_any_letter():
    for entry in ACTIVATIONS.values():
        latex, unicode = entry.rule("u")
        assert "'" in latex or "\\partial" in latex
        assert "′" in unicode or "∂" in unicode
        assert "$" not in latex + unicode  # every placeholder filled in
        assert entry.rule() != entry.rule("u")  # the argument's letter is the caller's


def test_one_wording_of_each_rule_for_every_form():
    """The layered derivation and the calculus form's chain rule say the same thing: the
    leaky ReLU's and softmax's rules in Iverson brackets, in the letter each form uses."""
    assert ACTIVATIONS["leaky_relu"].rule()[1] == "LeakyReLU′(z) = [z > 0] + α[z ≤ 0]"
    assert rule_text(("chain", "leaky_relu"), "unicode") == \
        "chain rule with LeakyReLU′(u) = [u > 0] + α[u ≤ 0]"
    assert rule_text(("chain", "sigmoid"), "latex") == \
        f"chain rule with ${ACTIVATIONS['sigmoid'].rule('u')[0]}$"
    assert ACTIVATIONS["softmax"].rule("z", ("\\hat{y}", "ŷ"))[1] == "∂ŷₖ/∂zⱼ = ŷₖ([k = j] − ŷⱼ)"
    assert rule_text(("softmax",), "unicode") == "softmax derivative, ∂sₖ/∂zⱼ = sₖ([k = j] − sⱼ)"


_POINTS = (sp.Rational(-3, 2), sp.Rational(-1, 5), sp.Rational(1, 3), sp.Integer(2))


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.derivative is not None])
def test_each_activations_written_derivative_is_sympys_derivative_of_its_unit(name):
    """The table's f′ in the unit's names (a(1 − a), 1 − a², [z > 0]) against SymPy's
    derivative of the unit the layer builds, written in SymPy's own functions (so that the
    oracle is not functions.py's fdiff), at points on both sides of every kink."""
    entry = ACTIVATIONS[name]
    alpha = sp.Rational(1, 5)
    expr, _ = entry.unit((z1,), 0, alpha)
    written = entry.derivative(z1, expr, alpha)  # a = f(z): the unit's output in its place
    oracle = sp.diff(to_elementary(expr), z1)
    for point in _POINTS:
        got = sp.N(written.subs(z1, point), 30)
        want = sp.N(oracle.subs(z1, point), 30)
        assert abs(got - want) < sp.Float("1e-25"), (name, point, got, want)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.written_derivative])
def test_a_derivative_written_for_a_worked_line_has_the_derivatives_value(name):
    """[z > 0] + α(1 − [z > 0]) for the leaky ReLU, kept as built, is its derivative."""
    entry = ACTIVATIONS[name]
    alpha = sp.Rational(1, 5)
    written = entry.written_derivative(z1, alpha)
    oracle = sp.diff(to_elementary(entry.unit((z1,), 0, alpha)[0]), z1)
    assert written != sp.simplify(written)  # not SymPy's own form: as a person writes it
    for point in _POINTS:
        assert sp.N(written.subs(z1, point) - oracle.subs(z1, point), 30) == 0


def test_the_written_derivatives_are_in_the_units_names_not_its_argument():
    a = sp.Symbol("a", real=True)
    alpha = sp.Rational(1, 5)
    assert ACTIVATIONS["sigmoid"].derivative(z1, a, alpha) == a * (1 - a)
    assert ACTIVATIONS["tanh"].derivative(z1, a, alpha) == 1 - a ** 2
    assert ACTIVATIONS["leaky_relu"].derivative(z1, a, alpha) == sp.diff(leaky_relu(z1, alpha), z1)
    assert ACTIVATIONS["softmax"].derivative is None  # a Jacobian over the layer


def test_each_pair_that_cancels_to_yhat_minus_y_is_one_losss_entry():
    assert {name: loss.cancels[0] for name, loss in LOSSES.items() if loss.cancels} == \
        {"bce": "sigmoid", "cross_entropy": "softmax"}
    assert LOSSES["bce"].cancellation("sigmoid")[1].startswith("sigmoid with binary cross-entropy")
    assert LOSSES["bce"].cancellation("tanh") is None
    assert LOSSES["mse"].cancellation("sigmoid") is None


# --- optimizers --------------------------------------------------------------------------

def test_sgd_is_the_default_and_its_step_is_w_minus_eta_times_the_gradient():
    rule = OPTIMIZERS["sgd"]
    w, eta, g = sp.symbols("w eta g", real=True)
    assert next(iter(OPTIMIZERS)) == "sgd"
    assert rule.form(w, eta, g) == sp.Add(w, sp.Mul(-1, eta, g, evaluate=False), evaluate=False)
    assert rule.step(w, eta, g) == w - eta * g
    assert rule.written[1] == "w ← w − η ∂L/∂w"
    assert [(s.name, s.default) for s in rule.settings][1] == ("steps", 1)


def test_sgd_numeric_step_is_exact_and_the_same_as_the_formula():
    rule = OPTIMIZERS["sgd"]
    old, lr, g = sp.Rational(1, 2), sp.Rational(1, 10), sp.Rational(-3, 4)
    assert rule.numeric(old, lr, g) == rule.step(old, lr, g) == sp.Rational(23, 40)
    assert rule.numeric(sp.Symbol("w"), lr, g) is None  # symbolic: the formula is used


def test_an_unknown_optimizer_names_the_known_ones():
    text = GRAPH.replace("LOSS", "bce") + "optimizer: {type: lbfgs, lr: 0.1}\n"
    with pytest.raises(SpecError) as info:
        load_problem(text)
    assert info.value.field == "optimizer.type"
    assert "the optimizers are 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'" in info.value.message


@pytest.mark.parametrize("example", ["softmax_classifier", "seed000_sparse_sigmoid"])
def test_reading_a_graph_or_layered_spec_imports_no_sympy(example):
    """The spec and the tables it reads stay free of SymPy: the tables import it only to
    build an entry."""
    code = ("import sys, backprop_cli.spec as s; "
            "s.load_problem(open(sys.argv[1]).read()); print('sympy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(PROBLEMS / f"{example}.yaml")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


LAYERED = """\
network:
  inputs: 1
  layers: [{units: 1, activation: ACTIVATION}]
params: {W1: [[0.5]], b1: [0]}
loss: LOSS
data:
  - {x: [1], y: 1}
"""


@pytest.mark.parametrize("activation, loss, field, suggestion", [
    ("logistic", "bce", "network.layers[0].activation", "did you mean 'sigmoid'?"),
    ("linear", "bce", "network.layers[0].activation", "did you mean 'identity'?"),
    ("sigmoid", "half_mse", "loss", "did you mean 'half_squared_error'?"),
    ("sigmoid", "binary_crossentropy", "loss", "did you mean 'bce'?"),
    ("sigmoid", "mean_squared_error", "loss", "did you mean 'mse'?"),
])
def test_layered_form_suggests_the_name_another_library_gives(activation, loss, field, suggestion):
    text = LAYERED.replace("ACTIVATION", activation).replace("LOSS", loss)
    with pytest.raises(SpecError) as info:
        load_problem(text)
    assert info.value.field == field
    assert info.value.message.endswith(suggestion)
