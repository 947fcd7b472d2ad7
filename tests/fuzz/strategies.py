"""Hypothesis strategies for whole spec documents of the three forms, and command lines.

Most documents are valid, shaped after what spec/graph.py, spec/network.py and
spec/calculus.py accept, so that the fuzz reaches the engine, the layout and the
printers, not only the reader's first check; a fraction carry one plausible mistake
(a wrong type, a missing or unknown key, an unknown name, an extreme number), and a
fraction are mangled as text (YAML tags, anchors, duplicate keys, control characters,
look-alike letters, deep nesting).

    case()  -> Case(form, text, options): a YAML document and the options after `solve`
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml
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


@dataclass(frozen=True)
class Case:
    form: str  # graph, network, calculus
    text: str  # the YAML document
    options: tuple[str, ...]


# --- the graph form -------------------------------------------------------------------------

@st.composite
def graph_spec(draw) -> dict:
    pool = draw(st.permutations(NAMES))
    n_in = draw(st.integers(1, 3))
    inputs = pool[:n_in]
    n_par = draw(st.integers(0, 4))
    params = {name: draw(st.one_of(NUMBER, NUMBER, st.none())) for name in pool[n_in:n_in + n_par]}
    known = list(inputs) + list(params)
    nodes = {}
    for k in range(draw(st.integers(1, 4))):
        name = pool[n_in + n_par + k] if k < draw(st.integers(1, 4)) else f"n{k}"
        if name in nodes or name in known or name == "y":
            name = f"q{k}"
        nodes[name] = draw(formula(known + list(nodes)[-2:], max_leaves=8))
        known.append(name)
    out = list(nodes)[-1]
    spec = {}
    if draw(st.booleans()):
        spec["title"] = draw(TITLE)
    spec["inputs"] = list(inputs)
    targets = ["y"]
    if draw(st.integers(0, 5)) == 0:
        targets = draw(st.sampled_from([["t"], [], ["y", "y2"]]))
        spec["targets"] = targets
    if params or draw(st.booleans()):
        spec["params"] = params
    spec["nodes"] = nodes
    has_loss = draw(st.integers(0, 3)) > 0 and targets
    if has_loss:
        spec["loss"] = draw(st.one_of(
            st.sampled_from(["squared_error", "half_squared_error", "abs_error", "bce"] * 4
                            + ["mse", "cross_entropy", "sqaured_error", "l2"]),
            st.just({"type": "bce", "output": out, "target": targets[0]}),
            st.just({"type": "squared_error"}),
            st.sampled_from([f"({out} - {targets[0]})**2", f"abs({out} - {targets[0]})",
                             f"-{targets[0]}*log({out}) - (1 - {targets[0]})*log(1 - {out})",
                             f"0.5*({out} - {targets[0]})**2"])))
    if draw(st.integers(0, 3)) > 0:
        rows = draw(st.integers(1, 4))
        names = list(inputs) + (list(targets) if has_loss else [])
        spec["data"] = [{n: draw(st.one_of(NUMBER, NUMBER, NUMBER, st.none())) for n in names}
                        for _ in range(rows)]
        if draw(st.integers(0, 30)) == 0:  # near the sample cap
            spec["data"] = spec["data"] * draw(st.sampled_from([200, 999, 1001]))
    if draw(st.integers(0, 3)) == 0:
        spec["reduction"] = draw(st.sampled_from(["mean", "sum"] * 5 + ["avg"]))
    if has_loss and draw(st.booleans()):
        spec["optimizer"] = draw(optimizer())
    if draw(st.integers(0, 4)) == 0:
        spec["symbols"] = {draw(st.sampled_from(known)): draw(st.sampled_from(SAFE_LATEX[:6] * 3
                                                                              + SAFE_LATEX))}
    return spec


# --- the layered form -----------------------------------------------------------------------

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"]
LAYERED_LOSSES = ["squared_error", "half_squared_error", "mse", "abs_error", "bce",
                  "cross_entropy"]


@st.composite
def network_spec(draw) -> dict:
    symbolic = draw(st.integers(0, 7)) == 0
    n_in = draw(st.integers(1, 3))
    n_layers = draw(st.integers(1, 3))
    units = [draw(st.integers(1, 3)) for _ in range(n_layers)]
    if draw(st.integers(0, 25)) == 0:  # large, near the weight cap
        units = [draw(st.sampled_from([16, 64, 200, 512]))] + units[1:]
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in range(n_layers)]
    loss = draw(st.one_of(st.none(), st.sampled_from(LAYERED_LOSSES)))
    if loss == "cross_entropy" and draw(st.integers(0, 3)) > 0:
        acts[-1] = "softmax"
        units[-1] = max(units[-1], 2)
    elif draw(st.integers(0, 8)) == 0:
        acts[-1] = "softmax"
    default_bias = draw(st.sampled_from([True, True, True, False]))
    layers = []
    for u, act in zip(units, acts):
        layer = {"units": u, "activation": act}
        if act == "leaky_relu" and draw(st.booleans()):
            layer["alpha"] = draw(st.sampled_from([0.01, 0.2, 0, -1, 1e-300]))
        if draw(st.integers(0, 5)) == 0:
            layer["bias"] = draw(st.booleans())
        layers.append(layer)
    net = {"inputs": n_in, "layers": layers}
    if draw(st.integers(0, 3)) == 0:
        net["inputs"] = [f"x{i + 1}" for i in range(n_in)]
    if symbolic:
        net["inputs"] = "n"
        for k, layer in enumerate(layers[:-1]):
            layer["units"] = f"m{k + 1}"
    if draw(st.integers(0, 3)) == 0:
        net["convention"] = draw(st.sampled_from(["column", "row"]))
    if not default_bias:
        net["bias"] = False
    if draw(st.integers(0, 5)) == 0:
        net["notation"] = draw(st.sampled_from([{"pre": "s", "post": "h"}, {"pre": "u"},
                                                {"post": "h"}, {"pre": "Z", "post": "A"},
                                                {"pre": "z", "post": "z"}, {"pre": "x"}]))
    spec = {}
    if draw(st.booleans()):
        spec["title"] = draw(TITLE)
    spec["network"] = net
    sizes = [n_in] + units
    params = {}
    for l, layer in enumerate(layers, start=1):
        rows, cols = sizes[l], sizes[l - 1]
        sym = symbolic or draw(st.integers(0, 6)) == 0
        params[f"W{l}"] = None if sym else [[draw(NUMBER) for _ in range(cols)]
                                            for _ in range(rows)]
        if layer.get("bias", default_bias):
            params[f"b{l}"] = None if sym else [draw(NUMBER) for _ in range(rows)]
    if draw(st.integers(0, 8)) > 0:
        spec["params"] = params
    if loss is not None:
        spec["loss"] = loss
    if draw(st.integers(0, 4)) > 0 and not symbolic:
        n_out = units[-1]
        samples = []
        for _ in range(draw(st.integers(1, 3))):
            sample = {"x": [draw(NUMBER) for _ in range(n_in)]
                      if draw(st.integers(0, 6)) else None}
            if loss == "cross_entropy":
                sample["y"] = draw(st.integers(0, n_out - 1)) if draw(st.booleans()) else \
                    [int(k == 0) for k in range(n_out)]
            elif loss == "bce":
                sample["y"] = [draw(st.sampled_from([0, 1, 0.5, 0.3])) for _ in range(n_out)]
            elif loss is not None:
                sample["y"] = [draw(NUMBER) for _ in range(n_out)]
            samples.append(sample)
        if draw(st.integers(0, 30)) == 0:
            samples = samples * draw(st.sampled_from([100, 400, 1000]))
        spec["data"] = samples
    if draw(st.integers(0, 4)) == 0:
        spec["reduction"] = draw(st.sampled_from(["mean", "sum"]))
    if loss is not None and not symbolic and draw(st.booleans()):
        spec["optimizer"] = draw(optimizer())
    return spec


# --- the calculus form ----------------------------------------------------------------------

@st.composite
def calculus_spec(draw) -> dict:
    variables = draw(st.lists(st.sampled_from(["x", "y", "t", "w", "b", "E", "I", "gamma",
                                               "eta", "S", "u1", "z"]),
                              min_size=1, max_size=3, unique=True))
    spec = {}
    if draw(st.booleans()):
        spec["title"] = draw(TITLE)
    inner = []
    if draw(st.integers(0, 3)) == 0:
        inner_names = draw(st.lists(st.sampled_from(["p", "q", "r"]), min_size=1, max_size=2,
                                    unique=True))
        spec["define"] = {n: draw(formula(variables, max_leaves=5)) for n in inner_names}
        inner = inner_names
    usable = inner or variables
    shape = draw(st.sampled_from(["one", "one", "list", "map"]))
    def with_a_variable(text):  # a formula of numbers alone is refused: keep that rare
        if _used({"function": text}, usable) or draw(st.integers(0, 19)) == 0:
            return text
        return f"{text} + {draw(st.sampled_from(usable))}"

    if shape == "one":
        spec["function"] = with_a_variable(draw(formula(usable + variables[:1], max_leaves=10)))
    elif shape == "list":
        spec["function"] = [with_a_variable(t) for t in
                            draw(st.lists(formula(usable, max_leaves=6), min_size=1, max_size=3))]
    else:
        spec["function"] = {f"f{k}": with_a_variable(draw(formula(usable, max_leaves=6)))
                            for k in range(draw(st.integers(1, 3)))}
    used = _used(spec, variables)
    if draw(st.integers(0, 3)) == 0:
        pick = used if used and draw(st.integers(0, 9)) else variables
        spec["wrt"] = draw(st.one_of(st.lists(st.sampled_from(pick), min_size=1,
                                              max_size=2, unique=True),
                                     st.sampled_from(pick)))
    if draw(st.integers(0, 3)) > 0:
        spec["at"] = {v: draw(NUMBER) for v in (used if draw(st.integers(0, 9)) else variables)}
    if shape == "one" and draw(st.integers(0, 2)) == 0:
        spec["update"] = {"lr": draw(st.one_of(st.sampled_from([0.1, 0.5, "eta", None, -0.1]),
                                               NUMBER))}
    return spec


def _used(spec: dict, variables: list) -> list:
    """The variables the formulas of `spec` use, in the order of `variables`."""
    texts = " ".join(str(v) for v in [spec.get("function"), spec.get("define")])
    return [v for v in variables if re.search(rf"(?<![\w.]){v}(?!\w)", texts)]


# --- mistakes -------------------------------------------------------------------------------

@st.composite
def mistaken(draw, spec: dict) -> dict:
    """`spec` with one plausible mistake somewhere in it."""
    paths = list(_paths(spec))
    path = draw(st.sampled_from(paths))
    parent = spec
    for part in path[:-1]:
        parent = parent[part]
    key = path[-1]
    how = draw(st.sampled_from(["wrong", "drop", "unknown", "bad_name", "extreme"]))
    if how == "drop" and isinstance(parent, dict):
        del parent[key]
    elif how == "unknown" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["learning_rate", "netwrok", "funtion", "lr", "inputs",
                                     "layer", "unit", "x", "wrt", "defines", "Nodes"]))] = 1
    elif how == "bad_name" and isinstance(parent, dict):
        parent[draw(st.sampled_from(BAD_NAMES))] = parent.pop(key)
    elif how == "extreme":
        parent[key] = draw(EXTREME)
    else:
        parent[key] = draw(WRONG)
    return spec


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:5]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


class _Plain(yaml.SafeDumper):
    """Repeated samples written out, not as anchors and aliases (which the reader refuses)."""

    def ignore_aliases(self, data):
        return True


def dump(spec: dict) -> str:
    return yaml.dump(spec, Dumper=_Plain, sort_keys=False, allow_unicode=True, width=10**6,
                     default_flow_style=None)


@st.composite
def mangled(draw, text: str) -> str:
    """`text` with one YAML oddity: a tag, an anchor, a duplicate key, a control character,
    a look-alike letter, deep nesting, a byte order mark, tabs."""
    lines = text.splitlines()
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    how = draw(st.integers(0, 11))
    if how == 0 and lines:
        lines[i] = lines[i].replace(": ", ": !!float ", 1)
    elif how == 1 and lines:
        lines[i] = lines[i].replace(": ", ": !!python/object/apply:os.system ", 1)
    elif how == 2 and lines:
        lines.append(lines[i])  # a duplicate key (if the line is a top-level key)
    elif how == 3:
        lines.insert(0, "anchor: &a [1, 2]")
        lines.append("other: *a")
    elif how == 4 and lines:
        lines[i] = lines[i] + draw(st.sampled_from(["\x00", "\x1b", "\x07", "\u0085", "\u2028",
                                                    "\ufeff", "\x7f"]))
    elif how == 5:
        text2 = "\n".join(lines)
        for a, b in (("x", "х"), ("a", "а"), ("e", "е"), ("o", "о"), ("1", "１")):
            if a in text2 and draw(st.booleans()):
                text2 = text2.replace(a, b, 1)
        return text2 + "\n"
    elif how == 6:
        depth = draw(st.sampled_from([10, 49, 50, 51, 200, 5000]))
        lines.append("notes: " + "[" * depth + "]" * depth)
    elif how == 7:
        return "\ufeff" + text
    elif how == 8 and lines:
        lines[i] = "\t" + lines[i]
    elif how == 9:
        lines.append("<<: {title: merged}")
    elif how == 10:
        return draw(st.sampled_from(["", "---\n...\n", "[1, 2]", "just text", "{", "~",
                                     "a: b: c", "- - -", "\xff\xfe", "%YAML 1.1\n---\nx: 1",
                                     "!!binary aGVsbG8=", "&a [*a]"]))
    else:
        lines.insert(0, "---")
        lines.append("---\nsecond: document")
    return "\n".join(lines) + "\n"


# --- at the limits ---------------------------------------------------------------------------

@st.composite
def graph_stress(draw) -> dict:
    """A graph near the work cap (samples x (nodes + loss) x passes = 10,000), with
    symbolic parameters, or with exact numbers of thousands of digits."""
    # samples x (hidden nodes + yhat + loss) x (steps + 1) = 10,000, or just under
    shape = draw(st.sampled_from([(1000, 3, 1), (100, 8, 9), (50, 198, 0), (200, 3, 9),
                                  (1000, 0, 4), (10, 28, 30), (1, 198, 49), (999, 3, 1)]))
    samples, n_nodes, steps = shape
    symbolic = draw(st.booleans())
    params = {"w1": None if symbolic else 0.5, "w2": draw(st.sampled_from([None, -0.25, 3])),
              "b": draw(NUMBER)}
    nodes, previous = {}, "x1"
    for k in range(n_nodes):
        f = draw(st.sampled_from(["sigmoid", "tanh", "relu", "softplus", ""]))
        nodes[f"h{k + 1}"] = f"{f}(w1*{previous} + w2*x2 + b)"
        previous = f"h{k + 1}"
    nodes["yhat"] = draw(st.sampled_from([f"sigmoid({previous})", f"{previous}**3",
                                          f"{previous} * {previous}"]))
    spec = {"inputs": ["x1", "x2"], "params": params, "nodes": nodes,
            "loss": draw(st.sampled_from(["squared_error", "bce", "abs_error"])),
            "data": [{"x1": draw(NUMBER), "x2": draw(st.sampled_from([1, None, 0.5])),
                      "y": draw(st.sampled_from([0, 1]))} for _ in range(min(samples, 5))]
            * max(samples // 5, 1)}
    if steps:
        spec["optimizer"] = {"type": "sgd", "lr": draw(st.sampled_from([0.1, None, 1e-5])),
                             "steps": steps}
    if draw(st.integers(0, 3)) == 0:  # exact integers of thousands of digits
        spec = {"inputs": ["x1"], "params": {"w1": 10**29},
                "nodes": {"h1": "x1**64", "h2": f"h1**{draw(st.sampled_from([2, 3, 5]))}",
                          "yhat": "h2*w1"},
                "data": [{"x1": draw(st.sampled_from([10**29, 123456789, 1e-5, 99999]))}]}
    return spec


@st.composite
def network_stress(draw) -> dict:
    """A layered net of many weights, samples or steps: what the work budget must bound."""
    units = draw(st.sampled_from([[64, 64, 10], [200, 200, 1], [512, 1], [32] * 10 + [1],
                                  [8, 8, 1], [3, 1]]))
    n_in = draw(st.sampled_from([2, 16, 100]))
    samples = draw(st.sampled_from([1, 10, 100, 1000]))
    steps = draw(st.sampled_from([0, 1, 5, 50]))
    acts = [draw(st.sampled_from(ACTIVATIONS)) for _ in units[:-1]] + ["sigmoid"]
    spec = {"network": {"inputs": n_in,
                        "layers": [{"units": u, "activation": a} for u, a in zip(units, acts)]},
            "params": {}, "loss": "squared_error"}
    sizes = [n_in] + units
    for l in range(1, len(sizes)):
        spec["params"][f"W{l}"] = [[0.01 * ((i + j) % 7 - 3) for j in range(sizes[l - 1])]
                                   for i in range(sizes[l])]
        spec["params"][f"b{l}"] = [0] * sizes[l]
    if draw(st.integers(0, 3)) == 0:
        spec["params"] = {name: None for name in spec["params"]}
        steps = 0
    spec["data"] = [{"x": [0.5] * n_in, "y": [1] * units[-1]}] * samples
    if steps:
        spec["optimizer"] = {"type": "sgd", "lr": 0.1, "steps": steps}
    return spec


@st.composite
def calculus_stress(draw) -> dict:
    """Nests of functions, towers of powers and products of sums: exponential symbolic work."""
    f = draw(st.sampled_from(FUNCTIONS1 + ["leaky_relu"]))
    depth = draw(st.sampled_from([5, 11, 20, 35, 40]))
    text = draw(st.sampled_from([
        f"{f}(" * depth + "x" + ")" * depth,
        "sigmoid(" * depth + "x*y" + ")" * depth,
        "*".join(f"(x + {k}*y + 1)" for k in range(depth)),
        "+".join(f"{f}(x*{k} + y)" for k in range(depth)),
        "exp(exp(exp(exp(x))))", "x**x**x**x", "((x + y)**64)**64", "log(log(log(log(x))))",
        "tanh(x)**64 * sigmoid(y)**64"]))
    spec = {"function": text}
    if draw(st.booleans()):
        spec["at"] = {v: draw(NUMBER) for v in ("x", "y") if re.search(rf"\b{v}\b", text)}
    if draw(st.booleans()):
        spec["update"] = {"lr": 0.1}
    return spec


STRESS_BUILDERS = {"graph": graph_stress, "network": network_stress,
                   "calculus": calculus_stress}
SPEC_BUILDERS = {"graph": graph_spec, "network": network_spec, "calculus": calculus_spec}


@st.composite
def case(draw, form: str | None = None, stress: bool = True) -> Case:
    """A spec of `form` (any form unless told): one in 60 at the limits (STRESS_BUILDERS),
    the rest ordinary; a fifth of those carry a mistake and a tenth are mangled as text."""
    form = form or draw(st.sampled_from(list(SPEC_BUILDERS)))
    stress = stress and draw(st.integers(0, 59)) == 0
    spec = draw((STRESS_BUILDERS if stress else SPEC_BUILDERS)[form]())
    kind = draw(st.integers(0, 19)) if not stress else 0
    if 14 <= kind <= 17:  # a fifth carry one mistake; a tenth are mangled as text
        spec = draw(mistaken(spec))
    text = dump(spec)
    if kind >= 18:
        text = draw(mangled(text))
    return Case(form, text, tuple(draw(OPTIONS)))
