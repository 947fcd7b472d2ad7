"""Properties over random input (hypothesis), beside the ones in test_formula.py (random
text, tokens, str() round trips) and test_oracle.py (random graphs against the oracle):

- hostile formulas (towers of powers, huge literals, deep calls, wrong arities) give a
  Formula or a FormulaError, each within a second;
- what the terminal printer writes means what was parsed: its layout (brackets, signs,
  fractions) in the formula language parses back to the same expression;
- escaped text contains no LaTeX special character outside an escape, nor one the
  document cannot show (texchars.py), and a symbol override that is accepted contains
  no command outside the safe list;
- large pre-activations (|z| up to 5000) give the loss and gradient of the closed forms
  to 40 digits, where a float would overflow or round 1 - sigma(z) to 0;
- random graphs with larger weights than test_oracle.py's match central differences.
"""

from __future__ import annotations

import contextlib
import re
import time

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from backprop_cli.errors import EvaluationError, SpecError
from backprop_cli.formula import FormulaError, parse_formula
from backprop_cli.functions import relu, sigmoid, softplus
from backprop_cli.render.tex import escape_tex
from backprop_cli.texchars import MATH, can_show
from backprop_cli.render.printers import UnicodePrinter
from backprop_cli.spec import _SAFE_COMMANDS, check_symbol_latex
import oracle
from test_formula import same_value  # equal at fixed points, to 30 digits
from test_oracle import check_against_oracle, graph_specs, run_engine

NAMES = {n: sp.Symbol(n, real=True) for n in ("x1", "x2", "w1", "b")}
SECOND = 1.0  # CPU seconds per example (process time: a loaded machine does not flake); never the whole suite


def parse(text: str):
    return parse_formula(text, NAMES)


def parse_within_a_second(text: str):
    """The Formula for `text`, or None for a FormulaError; any other exception fails."""
    start = time.process_time()
    try:
        result = parse(text)
    except FormulaError as error:
        assert error.message and "\n" not in error.message
        result = None
    elapsed = time.process_time() - start
    assert elapsed < SECOND, f"parsing {text[:80]!r} took {elapsed:.2f} s"
    return result


# --- hostile formulas -----------------------------------------------------------------------

BIG = ["9", "64", "65", "99", "9999", "1e30", "1e-30", "0.5", "2", "-1", "(1/3)", "sqrt(2)",
       "x1", "1e300", "123456789012345678901234567890"]
CALLS = ["sigmoid", "tanh", "relu", "softplus", "exp", "log", "sqrt", "abs", "leaky_relu"]


def _hostile(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: f"({t[0]})**({t[1]})"),
        st.tuples(children, children).map(lambda t: f"{t[0]}**{t[1]}"),
        st.tuples(st.sampled_from(CALLS), st.lists(children, min_size=0, max_size=3))
        .map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        children.map(lambda c: f"-({c})"),
    )


HOSTILE = st.recursive(st.sampled_from(BIG), _hostile, max_leaves=12)


@settings(max_examples=250, deadline=None, database=None)
@given(HOSTILE)
def test_hostile_formulas_give_a_formula_or_formula_error_within_a_second(text):
    result = parse_within_a_second(text)
    if result is not None:
        assert result.expr.free_symbols <= set(NAMES.values())
        assert not result.expr.has(sp.I, sp.zoo, sp.nan)


@settings(max_examples=100, deadline=None, database=None)
@given(st.integers(1, 120), st.sampled_from(CALLS[:5] + ["-", "+", "("]))
def test_deep_formulas_are_refused_or_read_within_a_second(depth, head):
    if head in "-+":
        text = head * depth + "x1"
    elif head == "(":
        text = "(" * depth + "x1" + ")" * depth
    else:
        text = f"{head}(" * depth + "x1" + ")" * depth
    parse_within_a_second(text)


# --- what the terminal shows parses back ----------------------------------------------------

class FormulaPrinter(UnicodePrinter):
    """The terminal printer's layout (its brackets, signs and fractions, which are what
    this test is about) with the formula language's spelling: * and ** for the
    juxtaposition and superscripts, sigmoid for σ, exact numbers."""

    _SPELLING = {sigmoid: "sigmoid", relu: "relu", softplus: "softplus", sp.tanh: "tanh",
                 sp.log: "log"}

    def doprint(self, expr):
        return super().doprint(expr).replace("−", "-").replace("½", "(1/2)*")

    def number(self, value):
        text = str(sp.Rational(value)) if not value.is_Float else sp.sstr(value)
        return f"({text})" if text.startswith("-") or "/" in text else text

    def _print_Rational(self, expr):
        return f"({expr.p}/{expr.q})" if expr.q != 1 else str(expr.p)

    def _product(self, factors):
        return "*".join(self.paren(f, sp.printing.precedence.PRECEDENCE["Mul"]) for f in factors)

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp.is_Number and exp < 0:
            return self._print_Mul(sp.Mul(1, expr, evaluate=False))
        prec = sp.printing.precedence.PRECEDENCE["Pow"]
        return f"{self.paren(base, prec, strict=True)}**({self._print(exp)})"

    def _print_Function(self, expr):
        name = next((n for k, n in self._SPELLING.items() if isinstance(expr, k)), None)
        return self._call(name or type(expr).__name__, expr.args)

    def _print_leaky_relu(self, expr):
        return self._call("leaky_relu", expr.args)

    def _print_exp(self, expr):
        return self._call("exp", expr.args)

    def _print_Abs(self, expr):
        return self._call("abs", expr.args)

    def _print_Exp1(self, expr):
        return "exp(1)"


LEAVES = st.one_of(st.sampled_from(["x1", "x2", "w1", "b"]), st.integers(0, 9).map(str),
                   st.sampled_from(["0.5", "1.25", "0.1", "2.75", "(1/3)"]))


def _extend(children):
    return st.one_of(
        st.tuples(children, st.sampled_from("+-*/"), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "(1/2)", "0.5"])).map(lambda t: f"({t[0]})**{t[1]}"),
        children.map(lambda c: f"-({c})"),
        st.tuples(st.sampled_from(CALLS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["0.2", "1/3"])).map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
    )


FORMULAS = st.recursive(LEAVES, _extend, max_leaves=8)


@settings(max_examples=200, deadline=None, database=None)
@given(FORMULAS)
def test_the_printed_formula_parses_back_to_the_same_expression(text):
    try:
        first = parse(text)
    except FormulaError:
        assume(False)  # e.g. a division by a zero the generator built
    printed = FormulaPrinter().doprint(first.display)
    note(f"printed: {printed}")
    again = parse(printed)
    assert again.expr == first.expr or same_value(again.expr, first.expr)


# --- LaTeX escaping and symbol overrides ---------------------------------------------------

_ESCAPES = [r"\textbackslash{}", r"\textasciicircum{}", r"\textasciitilde{}", r"\textless{}",
            r"\textgreater{}", r"\textbar{}", r"\{", r"\}", r"\$", r"\&", r"\#", r"\_", r"\%"]
#: A Greek letter or a sign set as math: one token, whose content must be the table's.
_MATH = ["\\ensuremath{" + latex + "}" for latex in MATH.values()]
_TOKEN = re.compile("|".join(re.escape(e) for e in sorted(_ESCAPES + _MATH, key=len, reverse=True))
                    + "|.", re.S)
_SPECIAL = set("\\{}$&#^_~%<>|")


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(_SPECIAL) + ["^^5c", "\\input", "\\\\", "\n",
                                                              "\x00", "\x1b", "\u202e"]),
                          st.characters()), max_size=40).map("".join))
def test_escaped_text_has_no_special_character_outside_an_escape(text):
    escaped = escape_tex(text)
    for token in _TOKEN.findall(escaped):
        if len(token) == 1:
            assert token not in _SPECIAL, f"{token!r} unescaped in {escaped!r}"
            assert can_show(token), f"{token!r} (not a character the document shows, " \
                                    f"texchars.py) reached the LaTeX"


SYMBOL_TOKENS = ["\\hat", "\\alpha", "\\mathbf", "\\input", "\\csname", "\\def", "\\catcode",
                 "\\write", "\\text", "{", "}", "^", "_", "^^", "5c", "w", "1", " ", "%", "#",
                 "$", "&", "~", "\\", "@", "`", "'"]


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from(SYMBOL_TOKENS), min_size=1, max_size=10).map("".join))
def test_an_accepted_symbol_has_only_safe_commands(latex):
    def refuse(message):
        raise SpecError(message)

    try:
        check_symbol_latex(latex, refuse)
    except SpecError:
        return
    assert "^^" not in latex
    assert not set(latex) & set("%#$&~@`")
    commands = re.findall(r"\\([A-Za-z]*)", latex)
    assert all(c in _SAFE_COMMANDS for c in commands), commands
    assert latex.count("{") == latex.count("}")


# --- large pre-activations -------------------------------------------------------------

HIGH = mpmath.MPContext()
HIGH.dps = 120


def _sigma(z):
    return 1 / (1 + HIGH.exp(-z))


def _softplus(z):
    return HIGH.log1p(HIGH.exp(z)) if z <= 0 else z + HIGH.log1p(HIGH.exp(-z))


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(w=st.integers(-5000, 5000), x=st.sampled_from([1, -1, 0.5, 2]),
       y=st.sampled_from(["0", "1", "0.25"]), loss=st.sampled_from(["bce", "squared_error"]))
def test_a_saturated_sigmoid_unit_has_the_closed_form_loss_and_gradient(w, x, y, loss):
    text = (f"inputs: [x]\nparams: {{w: {w}}}\nnodes:\n  yhat: sigmoid(w*x)\nloss: {loss}\n"
            f"data:\n  - {{x: {x}, y: {y}}}\n")
    first = run_engine(text).passes[0]
    z, t, xx = HIGH.mpf(w) * HIGH.mpf(x), HIGH.mpf(y), HIGH.mpf(x)
    if loss == "bce":  # -y log sigma(z) - (1 - y) log(1 - sigma(z)), without cancelling
        expected_loss = t * _softplus(-z) + (1 - t) * _softplus(z)
        expected_gradient = ((1 - t) * _sigma(z) - t * _sigma(-z)) * xx  # sigma(z) - y
    else:  # (sigma(z) - y)^2, with 1 - sigma(z) = sigma(-z)
        difference = -_sigma(-z) if y == "1" else _sigma(z) - t
        expected_loss = difference ** 2
        expected_gradient = 2 * difference * _sigma(z) * _sigma(-z) * xx
    gradient = first.gradients[sp.Symbol("w", real=True)]
    for what, value, expected in [("loss", first.loss, expected_loss),
                                  ("dL/dw", gradient, expected_gradient)]:
        got = HIGH.mpf(sp.Float(value, 100)._mpf_) if value.is_Float else \
            HIGH.mpf(int(value.p)) / int(value.q)
        assert abs(got - expected) <= HIGH.mpf("1e-40") * abs(expected), \
            f"{what}: engine {sp.Float(value, 20)} != {HIGH.nstr(expected, 20)}"


# --- random graphs with larger weights --------------------------------------------------

@contextlib.contextmanager
def oracle_digits(digits: int):
    """The oracle at more digits (and a step to match): with larger weights a sigmoid
    unit comes within 1e-30 of 1, and 60 digits leave too few for log(1 - yhat)."""
    saved = oracle.MP.dps, oracle.H
    oracle.MP.dps, oracle.H = digits, oracle.MP.mpf(10) ** -(digits * 7 // 20)
    try:
        yield
    finally:
        oracle.MP.dps, oracle.H = saved


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(graph_specs(scale=3))
def test_random_graph_with_larger_weights_matches_central_differences(text):
    note(text)
    try:
        with oracle_digits(100):
            check_against_oracle(text, at_kink_is_invalid=True)
    except EvaluationError as error:
        # Gradient descent with a large step can take the weights past 10^±10000, which the
        # engine refuses (and says so); that is not a wrong answer.
        assume("cannot be computed" not in error.message)
        raise


def test_closed_forms_are_right_where_floats_suffice():
    # The closed forms above against plain floats at a moderate pre-activation.
    import math

    z = 3.0
    sigma = 1 / (1 + math.exp(-z))
    assert float(_softplus(HIGH.mpf(z))) == pytest.approx(-math.log(1 - sigma))
    assert float(_sigma(HIGH.mpf(z))) == pytest.approx(sigma)
