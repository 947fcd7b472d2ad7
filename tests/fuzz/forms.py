"""Spec documents of each form, as Python data: ordinary ones (most are accepted, shaped
after spec/graph.py, spec/network.py and spec/calculus.py, so that the fuzz reaches the
engine, the layout and the printers) and ones at the limits (STRESS_BUILDERS: near the
work cap, large networks, nests and towers), which a work budget must bound.
"""

from __future__ import annotations

import re

from hypothesis import strategies as st

from pieces import FUNCTIONS1, NAMES, NUMBER, SAFE_LATEX, TITLE, _used, formula, optimizer

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
