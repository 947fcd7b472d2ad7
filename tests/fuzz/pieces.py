"""The pieces the spec generators are made of: numbers (plain and extreme), names (with
those SymPy owns, and those the reader must refuse), formulas in the formula language
(mostly valid, sometimes broken, sometimes deep), titles, optimizers and command lines.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

# --- numbers ---------------------------------------------------------------------------------

PLAIN = st.sampled_from([0, 1, -1, 2, 0.5, -0.5, 0.1, -0.3, 0.25, 1.5, 3, -2, 0.01, 10])
EXTREME = st.sampled_from([1e-300, -1e-300, 1e300, -1e300, 1e-30, 1e30, 123456789012345678901234567890,
                           10**29, 1e-5, 1e5, 0.1234567890123456789, 99999, -1e-100, 7e-200])
NUMBER = st.one_of(PLAIN, PLAIN, PLAIN, PLAIN, PLAIN, PLAIN, PLAIN, PLAIN, EXTREME,
                   st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 3)),
                   st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 3)),
                   st.integers(-1000, 1000))
#: What a mistaken value may be instead of a number or a name.
WRONG = st.sampled_from([None, True, False, "abc", "0.5", "1e3", [], {}, [1, 2], {"a": 1}, "",
                         ".inf", "nan", "yes", "x1", "1,5", "∞", "٣", "1e400", "0x10"])

# --- names ---------------------------------------------------------------------------------

#: Names a spec may declare, with names SymPy owns or the printer treats specially.
NAMES = ["x1", "x2", "x3", "w1", "w2", "w3", "b", "b1", "h", "h1", "h2", "z", "u", "v", "a",
         "E", "I", "S", "N", "O", "Q", "gamma", "eta", "beta", "pi", "alpha", "theta", "sigma",
         "zeta", "lamda", "x_1", "w_out", "y_hat", "yhat2", "C", "Sum", "oo", "nan", "zoo",
         "Float", "Rational", "Symbol", "exp2", "ln", "sin", "x" * 32, "W", "A1", "L", "Lambda"]
#: Names the reader must refuse: a keyword, a function, too long, foreign letters.
BAD_NAMES = ["lambda", "sigmoid", "exp", "None", "x" * 33, "1x", "x-1", "хх", "w１", "ẋ",
             "x\u200b", "__import__", "_x", "α", "x.y", ""]
FUNCTIONS1 = ["sigmoid", "tanh", "relu", "softplus", "exp", "log", "sqrt", "abs"]
WRONG_FUNCTIONS = ["sigmod", "max", "sin", "ReLU", "Sigmoid", "softmax", "ln"]
BINARY = ["+", "-", "*", "/", "**"]


def formula(names: list[str], max_leaves: int = 10) -> st.SearchStrategy[str]:
    """Formulas over `names` in the formula language: mostly valid, sometimes not."""
    leaf = _weighted((6, st.sampled_from(names)), (4, PLAIN.map(_number_text)),
                     (1, st.sampled_from(["1e30", "1e-30", "123456789012345678901234567890",
                                          "1e-300", "0.000001", "1e5"])))

    def grow(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(BINARY[:4]), children)
            .map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            st.tuples(children, st.sampled_from(BINARY[:4]), children)
            .map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
            st.tuples(children, st.sampled_from(["2", "3", "0.5", "-1", "2.5", "64", "x1"]))
            .map(lambda t: f"({t[0]})**{t[1]}"),
            st.tuples(st.sampled_from(FUNCTIONS1), children).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(children, st.sampled_from(["0.01", "0.2", "1", "-0.5"]))
            .map(lambda t: f"leaky_relu({t[0]}, {t[1]})"),
            children.map(lambda c: f"-({c})"),
        )

    valid = st.recursive(leaf, grow, max_leaves=max_leaves)
    return _weighted((40, valid), (1, _broken(valid, names)), (1, _deep(names)))


def _weighted(*choices):
    """One of the strategies, chosen with the given weights."""
    total = sum(w for w, _ in choices)

    @st.composite
    def pick(draw):
        k = draw(st.integers(0, total - 1))
        for weight, strategy in choices:
            if k < weight:
                return draw(strategy)
            k -= weight

    return pick()


def _broken(valid, names):
    """A formula with one mistake in it."""
    return st.one_of(
        st.tuples(st.sampled_from(WRONG_FUNCTIONS), valid).map(lambda t: f"{t[0]}({t[1]})"),
        valid.map(lambda f: f + " ^ 2"),
        valid.map(lambda f: f"({f}"),
        valid.map(lambda f: f"{f} + undefined_name"),
        valid.map(lambda f: f"sigmoid({f}, {f})"),
        valid.map(lambda f: f"{f}.real"),
        valid.map(lambda f: f"{f}[0]"),
        valid.map(lambda f: f"'{f}'"),
        valid.map(lambda f: f"{f} + хх"),
        st.sampled_from(["", " ", "1/0", "0**-1", "log(0)", "sqrt(-1)", "2**2**2**2**2",
                         "9**9**9", "(1e300)**64", "exp(exp(exp(100)))", "x1**x1**x1**x1",
                         "1" * 40, "__import__('os')", "lambda: 0", "x1 if x1 else 2"]),
    )


def _deep(names):
    """Long and deep formulas: nests of one function, long sums and products."""
    name = st.sampled_from(names)
    return st.one_of(
        st.tuples(st.sampled_from(FUNCTIONS1 + ["leaky_relu"]), st.integers(1, 45), name)
        .map(lambda t: f"{t[0]}(" * t[1] + t[2] + ")" * t[1]),
        st.tuples(st.integers(2, 300), name, st.sampled_from(["+", "*", "-", "/"]))
        .map(lambda t: f" {t[2]} ".join([t[1]] * t[0])),
        st.tuples(st.integers(1, 60), name).map(lambda t: "(" * t[0] + t[1] + ")" * t[0]),
        st.tuples(st.integers(1, 30), name, name)
        .map(lambda t: "".join(f"sigmoid({t[1]}*" for _ in range(t[0])) + t[2] + ")" * t[0]),
        st.tuples(st.integers(2, 12), name).map(lambda t: "*".join([f"({t[1]} + 1)"] * t[0])
                                                + "**3"),
    )


def _number_text(value) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    return f"({text})" if text.startswith("-") else text


# --- common pieces --------------------------------------------------------------------------

TITLE = st.one_of(st.none(), st.just("A problem"), st.sampled_from([
    "A problem", "Ünïcode « title » þ", "$x^2$ \\input{/etc/passwd} & % # _ { } ~ ^",
    "tab\there", "no\u00a0break", "line\nbreak", "esc \x1b[31m red", "bell \x07", "2024-01-01",
    "emoji 🙂", "Ω≈ç√∫", "\u202e right-to-left", "x" * 2001, "ｆｕｌｌｗｉｄｔｈ", "\\\\ \\newline"]),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
SAFE_LATEX = ["\\hat{y}", "w_1", "\\alpha", "\\mathbf{W}", "h^{(1)}", "\\tilde{x}_2",
              "\\input{x}", "\\hat{", "^^5c", "", "\\text{ü}", "a" * 101, "\\mathrm{E}", "é"]


def optimizer(lr=None):
    return st.fixed_dictionaries(
        {"type": st.just("sgd"),
         "lr": lr if lr is not None else st.one_of(st.sampled_from([0.1, 0.5, 0.01, 1, 2]),
                                                   st.none(), NUMBER)},
        optional={"steps": _weighted((12, st.integers(1, 4)), (1, st.integers(5, 50)),
                                     (1, st.sampled_from([0, 51, -1, 2.5, "2"])))})


OPTIONS = st.lists(_weighted(
    (12, st.sampled_from([["--format", "json"], ["--format", "latex"], ["--format", "text"],
                          ["--latex"], ["--latex", "--fragment"], ["--fragment"],
                          ["--color"], ["--no-color"]])),
    (8, st.integers(1, 15).map(lambda d: ["--digits", str(d)])),
    (6, st.sampled_from([["--view", "matrix"], ["--view", "scalar"], ["--view", "both"]])),
    (1, st.sampled_from([["--digits", "0"], ["--digits", "16"], ["--view", "rows"],
                         ["--format", "json", "--format", "text"]])),
), max_size=3, unique_by=lambda g: "--format" if g[0] in ("--format", "--latex") else g[0]).map(lambda groups: [o for g in groups for o in g])


def _used(spec: dict, variables: list) -> list:
    """The variables the formulas of `spec` use, in the order of `variables`."""
    texts = " ".join(str(v) for v in [spec.get("function"), spec.get("define")])
    return [v for v in variables if re.search(rf"(?<![\w.]){v}(?!\w)", texts)]

