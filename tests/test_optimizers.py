"""Optimizers (issue 14) against torch.optim and against numpy.

Part A: every optimizer of vocab/optimizers.py, with and without weight decay, on a graph and
a layered problem, run for several steps by `backprop` and by torch.optim on the same network
in float64 with a torch loss; every updated parameter, the loss after each step and the
optimizer's state must agree to 1e-10. Skipped where torch is not installed (it is not a
dependency of backprop: `pip install torch` to run it).

Part B: the same updates against a numpy implementation of each rule written from the
update formulas in the torch.optim documentation (REFERENCES.md), not from the package's
table, on random gradients and settings (hypothesis); runs everywhere.

Part C: bad settings get the one-line error with the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop_cli as bp
from backprop_cli.errors import SpecError
from backprop_cli.spec import load_problem

GRAPH = """\
title: optimizer check
inputs: [x1, x2]
params: {w1: 0.5, w2: -0.3, b: 0.1}
nodes:
  h: tanh(w1*x1 + w2*x2 + b)
  yhat: sigmoid(1.5*h - 0.2)
loss: (yhat - y)**2
data:
  - {x1: 1, x2: 2, y: 1}
  - {x1: -1, x2: 0.5, y: 0}
  - {x1: 0.3, x2: -0.7, y: 1}
OPTIMIZER
"""

LAYERED = """\
title: optimizer check, layered
network:
  inputs: 2
  layers:
    - {units: 2, activation: tanh}
    - {units: 1, activation: sigmoid}
params:
  W1: [[0.1, -0.2], [0.4, 0.3]]
  b1: [0.05, -0.1]
  W2: [[0.7, -0.5]]
  b2: [0.2]
loss: bce
data:
  - {x: [1, 2], y: 1}
  - {x: [-1, 0.5], y: 0}
  - {x: [0.3, -0.7], y: 1}
OPTIMIZER
"""

X = [[1.0, 2.0], [-1.0, 0.5], [0.3, -0.7]]
Y = [1.0, 0.0, 1.0]

#: (spec, torch class name, torch keyword arguments): each optimizer, with and without decay
CASES = [
    ("{type: sgd, lr: 0.1, steps: 4}", "SGD", dict(lr=0.1)),
    ("{type: sgd, lr: 0.1, weight_decay: 0.05, steps: 4}", "SGD", dict(lr=0.1, weight_decay=0.05)),
    ("{type: sgd, lr: 0.1, momentum: 0.9, steps: 4}", "SGD", dict(lr=0.1, momentum=0.9)),
    ("{type: sgd, lr: 0.1, momentum: 0.9, dampening: 0.3, weight_decay: 0.01, steps: 4}", "SGD",
     dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("{type: sgd, lr: 0.1, momentum: 0.8, nesterov: true, steps: 4}", "SGD",
     dict(lr=0.1, momentum=0.8, nesterov=True)),
    ("{type: adam, lr: 0.1, steps: 4}", "Adam", dict(lr=0.1)),
    ("{type: adam, lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.1, steps: 4}", "Adam",
     dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("{type: adamw, lr: 0.1, steps: 4}", "AdamW", dict(lr=0.1)),
    ("{type: adamw, lr: 0.1, weight_decay: 0.2, steps: 4}", "AdamW", dict(lr=0.1, weight_decay=0.2)),
    ("{type: rmsprop, lr: 0.01, steps: 4}", "RMSprop", dict(lr=0.01)),
    ("{type: rmsprop, lr: 0.01, alpha: 0.9, momentum: 0.5, weight_decay: 0.1, steps: 4}", "RMSprop",
     dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("{type: adagrad, lr: 0.1, steps: 4}", "Adagrad", dict(lr=0.1)),
    ("{type: adagrad, lr: 0.1, lr_decay: 0.1, weight_decay: 0.1, initial_accumulator_value: 0.2, "
     "steps: 4}", "Adagrad",
     dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.2)),
]

#: backprop's state names and torch's
TORCH_STATE = {"velocity": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq",
               "square_avg": "square_avg", "momentum_buffer": "momentum_buffer", "sum": "sum"}


def _solve(text: str) -> dict:
    return bp.solve(text).to_json()


def _torch_run(torch, params: dict, loss_fn, name: str, kwargs: dict, steps: int) -> list:
    """[(params, loss, state)] after each step, as plain floats."""
    optimizer = getattr(torch.optim, name)(list(params.values()), **kwargs)
    out = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn().backward()
        optimizer.step()
        with torch.no_grad():
            loss = float(loss_fn())
        state = {p: {k: v.tolist() for k, v in optimizer.state[t].items() if k != "step"}
                 for p, t in params.items()}
        out.append(({p: t.detach().tolist() for p, t in params.items()}, loss, state))
    return out


def _close(a, b, where):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, where
    assert np.allclose(a, b, rtol=0, atol=1e-10), f"{where}: {a} != {b}"


def _compare(data: dict, expected: list, state_key=lambda p: p):
    assert len(data["updates"]) == len(expected)
    for k, (entry, (params, loss, state)) in enumerate(zip(data["updates"], expected), start=1):
        for p, value in params.items():
            _close(entry["params"][p], value, f"step {k}, {p}")
        if k < len(expected) or entry["loss"] is not None:
            _close(entry["loss"], loss, f"the loss after step {k}")
        for name, values in entry.get("state", {}).items():
            for p, value in values.items():
                _close(value, state[state_key(p)][TORCH_STATE[name]], f"step {k}, {name} of {p}")
        # the same state as torch keeps, no more and no less (plain SGD: none, and no key)
        kept = {TORCH_STATE[name] for name in entry.get("state", {})}
        assert kept == {key for p in state for key in state[p]}, (kept, state)


@pytest.mark.parametrize("spec,name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_graph_form_agrees_with_torch_optim(spec, name, kwargs):
    torch = pytest.importorskip("torch")
    data = _solve(GRAPH.replace("OPTIMIZER", f"optimizer: {spec}"))
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for p, v in (("w1", 0.5), ("w2", -0.3), ("b", 0.1))}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)

    def loss():
        h = torch.tanh(t["w1"] * x[:, 0] + t["w2"] * x[:, 1] + t["b"])
        return torch.nn.functional.mse_loss(torch.sigmoid(1.5 * h - 0.2), y)

    _compare(data, _torch_run(torch, t, loss, name, kwargs, 4))


@pytest.mark.parametrize("spec,name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_layered_form_agrees_with_torch_optim(spec, name, kwargs):
    torch = pytest.importorskip("torch")
    data = _solve(LAYERED.replace("OPTIMIZER", f"optimizer: {spec}"))
    start = {"W1": [[0.1, -0.2], [0.4, 0.3]], "b1": [0.05, -0.1], "W2": [[0.7, -0.5]], "b2": [0.2]}
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True) for p, v in start.items()}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)

    def loss():
        a1 = torch.tanh(x @ t["W1"].T + t["b1"])
        yhat = torch.sigmoid(a1 @ t["W2"].T + t["b2"])[:, 0]
        return torch.nn.functional.binary_cross_entropy(yhat, y)

    _compare(data, _torch_run(torch, t, loss, name, kwargs, 4))


# --- Part B: numpy, from the documented update rules ------------------------------------------

def _numpy_steps(kind: str, h: dict, w: np.ndarray, grads: list, sqrt=np.sqrt) -> list:
    """The parameters after each step, from torch.optim's documented pseudo-code; `grads`
    are the gradients of the loss at the step (given, not recomputed: the rule alone).
    Arrays of mpmath numbers (with `sqrt` theirs) reckon it at high precision."""
    out, state, w = [], {}, w.copy()
    for t, g0 in enumerate(grads, start=1):
        g = g0 + h.get("weight_decay", 0) * w if kind != "adamw" else g0.copy()
        if kind == "sgd":
            mu, tau = h.get("momentum", 0), h.get("dampening", 0)
            if mu:
                b = g.copy() if t == 1 else mu * state["b"] + (1 - tau) * g
                state["b"] = b
                g = g + mu * b if h.get("nesterov") else b
            w = w - h["lr"] * g
        elif kind in ("adam", "adamw"):
            if kind == "adamw":
                w = w * (1 - h["lr"] * h.get("weight_decay", 0.01))
            b1, b2 = h.get("betas", (0.9, 0.999))
            m = b1 * state.get("m", 0) + (1 - b1) * g
            v = b2 * state.get("v", 0) + (1 - b2) * g * g
            state.update(m=m, v=v)
            mhat, vhat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            w = w - h["lr"] * mhat / (sqrt(vhat) + h.get("eps", 1e-8))
        elif kind == "rmsprop":
            a = h.get("alpha", 0.99)
            s = a * state.get("s", 0) + (1 - a) * g * g
            state["s"] = s
            step = g / (sqrt(s) + h.get("eps", 1e-8))
            if h.get("momentum", 0):
                state["b"] = h["momentum"] * state.get("b", 0) + step
                step = state["b"]
            w = w - h["lr"] * step
        elif kind == "adagrad":
            s = state.get("s", h.get("initial_accumulator_value", 0)) + g * g
            state["s"] = s
            rate = h["lr"] / (1 + (t - 1) * h.get("lr_decay", 0))
            w = w - rate * g / (sqrt(s) + h.get("eps", 1e-10))
        out.append(w.copy())
    return out


def _linear_spec(kind: str, h: dict, w0: list, xs: list, steps: int) -> str:
    """A problem whose gradient is known without a backward pass: L = Σ_i c_i w_i with
    c_i = x_i, so ∂L/∂w_i = x_i at every step, and the rule alone moves the weights."""
    names = [f"w{i + 1}" for i in range(len(w0))]
    settings_ = ", ".join(f"{k}: {json.dumps(list(v)) if isinstance(v, tuple) else json.dumps(v)}"
                          for k, v in h.items())
    terms = " + ".join(f"x{i + 1}*{n}" for i, n in enumerate(names))
    return (f"inputs: [{', '.join(f'x{i + 1}' for i in range(len(w0)))}]\n"
            f"params: {{{', '.join(f'{n}: {v!r}' for n, v in zip(names, w0))}}}\n"
            f"nodes:\n  yhat: {terms}\n"
            f"loss: yhat + 0*y\n"
            f"data:\n  - {{{', '.join(f'x{i + 1}: {x!r}' for i, x in enumerate(xs))}, y: 0}}\n"
            f"optimizer: {{type: {kind}, {settings_}, steps: {steps}}}\n")


_RATE = st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.5])
_SMALL = st.sampled_from([0, 0.01, 0.1, 0.3])
_BETA = st.sampled_from([0, 0.5, 0.8, 0.9, 0.99])


@st.composite
def _rules(draw):
    kind = draw(st.sampled_from(["sgd", "adam", "adamw", "rmsprop", "adagrad"]))
    h = {"lr": draw(_RATE)}
    if draw(st.booleans()):
        h["weight_decay"] = draw(_SMALL)
    if kind == "sgd":
        h["momentum"] = draw(_BETA)
        if h["momentum"] and draw(st.booleans()):
            h["nesterov"] = True
        elif draw(st.booleans()):
            h["dampening"] = draw(_SMALL)
    elif kind in ("adam", "adamw"):
        h["betas"] = (draw(_BETA), draw(st.sampled_from([0.9, 0.99, 0.999])))
        h["eps"] = draw(st.sampled_from([1e-8, 1e-6, 0.01]))
    elif kind == "rmsprop":
        h["alpha"] = draw(_BETA)
        h["momentum"] = draw(_SMALL)
    else:
        h["lr_decay"] = draw(_SMALL)
        h["initial_accumulator_value"] = draw(_SMALL)
    return kind, h


@settings(max_examples=25, deadline=None, database=None)
@given(_rules(), st.lists(st.sampled_from([-1.5, -0.5, 0.25, 1, 2]), min_size=2, max_size=2),
       st.lists(st.sampled_from([-2, -0.3, 0.1, 0.7, 3]), min_size=2, max_size=2))
def test_every_rule_agrees_with_numpy(rule, w0, xs):
    kind, h = rule
    steps = 3
    data = _solve(_linear_spec(kind, h, w0, xs, steps))
    # at 50 digits: a step g/(√v + ε) with g near ε magnifies float64's rounding 10⁸-fold
    # (g = x + λw that is 0 exactly but 1e-17 in floats), which is the reference's error
    exact = lambda v: mpmath.mpf(str(v))  # noqa: E731  the decimal the YAML says
    with mpmath.workdps(50):  # every number made at this precision, settings too
        hm = {k: (tuple(map(exact, v)) if isinstance(v, tuple) else v if isinstance(v, bool)
                  else exact(v)) for k, v in h.items()}
        expected = _numpy_steps(kind, hm, np.array([exact(v) for v in w0], dtype=object),
                                [np.array([exact(x) for x in xs], dtype=object)] * steps,
                                sqrt=np.vectorize(mpmath.sqrt, otypes=[object]))
        expected = [np.array([float(v) for v in w]) for w in expected]
    for k, (entry, w) in enumerate(zip(data["updates"], expected), start=1):
        got = [entry["params"][f"w{i + 1}"] for i in range(len(w0))]
        assert np.allclose(got, w, rtol=1e-12, atol=1e-12), (kind, h, k, got, w)


def test_adam_first_step_moves_each_weight_by_about_the_rate():
    """Adam's first step is η·g/(|g| + ε): each weight moves by just under η, whatever g is."""
    data = _solve(_linear_spec("adam", {"lr": 0.1}, [0.5, -0.3], [2, -0.01], 1))
    moved = [data["updates"][0]["params"]["w1"] - 0.5, data["updates"][0]["params"]["w2"] + 0.3]
    assert math.isclose(moved[0], -0.1 * 2 / (2 + 1e-8), rel_tol=1e-14)
    assert math.isclose(moved[1], 0.1 * 0.01 / (0.01 + 1e-8), rel_tol=1e-14)


# --- Part C: bad settings -------------------------------------------------------------------

BASE = GRAPH.replace("OPTIMIZER", "optimizer: OPT")


@pytest.mark.parametrize("opt,field,words", [
    ("{type: adam, lr: -0.1}", "optimizer.lr", "negative"),
    ("{type: adam, lr: 0}", "optimizer.lr", "is 0"),
    ("{type: adam, betas: [0.9, 1]}", "optimizer.betas[1]", "up to (not including) 1"),
    ("{type: adam, betas: [-0.1, 0.9]}", "optimizer.betas[0]", "from 0"),
    ("{type: adam, betas: [0.9]}", "optimizer.betas", "two numbers"),
    ("{type: adam, eps: 0}", "optimizer.eps", "above 0"),
    ("{type: rmsprop, eps: -1e-8}", "optimizer.eps", "above 0"),
    ("{type: sgd, lr: 0.1, momentum: -0.5}", "optimizer.momentum", "0 or more"),
    ("{type: sgd, lr: 0.1, nesterov: true}", "optimizer.nesterov", "Nesterov"),
    ("{type: sgd, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true}", "optimizer.nesterov",
     "no dampening"),
    ("{type: sgd, lr: 0.1, nesterov: 3}", "optimizer.nesterov", "true or false"),
    ("{type: adam, momentum: 0.9}", "optimizer.momentum", "unknown key"),
    ("{type: adam, beta: [0.9, 0.99]}", "optimizer.beta", "did you mean 'betas'"),
    ("{type: sgd, lr: 0.1, weight_decy: 0.1}", "optimizer.weight_decy", "did you mean 'weight_decay'"),
    ("{type: adamm}", "optimizer.type", "did you mean 'adam'"),
    ("{type: rmsprop, alpha: 1.5}", "optimizer.alpha", "from 0 to 1"),
    ("{type: adam, lr: null, steps: 2}", "optimizer.steps", "symbolic"),
    ("{type: adam, eps: null, steps: 2}", "optimizer.steps", "eps"),
])
def test_bad_settings_name_their_field(opt, field, words):
    with pytest.raises(SpecError) as info:
        load_problem(BASE.replace("OPT", opt))
    assert info.value.field == field
    assert words in info.value.message
    assert info.value.line == 12


def test_defaults_are_torchs():
    problem = load_problem(BASE.replace("OPT", "{type: adam}"))
    from fractions import Fraction
    assert problem.optimizer.lr == Fraction("0.001")
    assert dict(problem.optimizer.settings) == {"beta1": Fraction("0.9"), "beta2": Fraction("0.999"),
                                                "eps": Fraction("1e-8"), "weight_decay": 0}
    adamw = load_problem(BASE.replace("OPT", "{type: adamw}")).optimizer
    assert adamw.setting("weight_decay") == Fraction("0.01")
    adagrad = load_problem(BASE.replace("OPT", "{type: adagrad}")).optimizer
    assert (adagrad.lr, adagrad.setting("eps"), adagrad.setting("lr_decay"),
            adagrad.setting("initial_accumulator_value")) == (Fraction("0.01"), Fraction("1e-10"), 0, 0)
    rms = load_problem(BASE.replace("OPT", "{type: rmsprop}")).optimizer
    assert (rms.lr, rms.setting("alpha"), rms.setting("eps")) == \
        (Fraction("0.01"), Fraction("0.99"), Fraction("1e-8"))


# --- the examples in problems/: each step from the gradients the solution shows ------------------

EXAMPLES = sorted(p for p in (Path(__file__).parent.parent / "problems").glob("optim_*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_steps_follow_the_rule_from_their_own_gradients(path):
    """Each step of an example, redone by the numpy rule from the gradients the solution
    reports at the parameters before it (those are checked by the oracles of
    test_oracle.py and test_layered_oracle.py for plain descent, and by torch above)."""
    text = path.read_text(encoding="utf-8")
    problem = load_problem(text)
    opt = problem.optimizer
    if opt.lr is None or any(v is None for _, v in opt.settings):
        sol = bp.solve(text)  # symbolic: one step, a formula in the symbols
        assert len(sol.to_json()["updates"]) == 1
        return
    h = {"lr": float(opt.lr)}
    for name, value in opt.settings:
        h[name] = value if isinstance(value, bool) else float(value)
    if "beta1" in h:
        h["betas"] = (h.pop("beta1"), h.pop("beta2"))
    sol = bp.solve(text)
    q = {x.key: x.value for x in sol.quantities()}
    names = [k.split(".", 1)[1] for k in q if k.startswith("gradients.")]
    as_array = lambda v: np.array(v, dtype=float)  # noqa: E731
    for name in names:
        start = _start_value(problem, name)
        grads = [as_array(q[f"gradients.{name}"])] + [
            as_array(q[f"updates.{t}.gradients.{name}"]) for t in range(1, opt.steps)]
        expected = _numpy_steps(opt.type, h, as_array(start), grads)
        for t, value in enumerate(expected, start=1):
            _close(as_array(q[f"updates.{t}.params.{name}"]), value, f"{path.name} {name} step {t}")


def _start_value(problem, name):
    params = dict(problem.params) if not isinstance(problem.params, dict) else problem.params
    value = params[name]
    if isinstance(value, (list, tuple)):
        return [[float(x) for x in row] if isinstance(row, (list, tuple)) else float(row) for row in value]
    return float(value)


# --- regularization: the penalty once per step, against torch -----------------------------------

REGULARIZED = [
    ("{l2: 0.05}", dict(l2=0.05, l1=0.0), None, False),
    ("{l1: 0.03}", dict(l2=0.0, l1=0.03), None, False),
    ("{l2: 0.05, l1: 0.02, params: [w1, b]}", dict(l2=0.05, l1=0.02), ("w1", "b"), False),
    ("{l2: 0.05, l1: 0.02, biases: true}", dict(l2=0.05, l1=0.02), None, True),
]
REG_OPTIMIZERS = [("{type: sgd, lr: 0.2, steps: 3}", "SGD", dict(lr=0.2)),
                  ("{type: adam, lr: 0.1, steps: 3}", "Adam", dict(lr=0.1))]


def _penalty(torch, tensors, l2, l1):
    return sum(l2 * (t ** 2).sum() + l1 * t.abs().sum() for t in tensors)


@pytest.mark.parametrize("opt,name,kwargs", REG_OPTIMIZERS, ids=["sgd", "adam"])
@pytest.mark.parametrize("reg,strength,params,biases", [r for r in REGULARIZED if not r[3]],
                         ids=[r[0] for r in REGULARIZED if not r[3]])
def test_graph_regularization_agrees_with_torch(reg, strength, params, biases, opt, name, kwargs):
    torch = pytest.importorskip("torch")
    data = _solve(GRAPH.replace("OPTIMIZER", f"regularization: {reg}\noptimizer: {opt}"))
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for p, v in (("w1", 0.5), ("w2", -0.3), ("b", 0.1))}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    penalised = [t[p] for p in (params or t)]

    def loss():
        h = torch.tanh(t["w1"] * x[:, 0] + t["w2"] * x[:, 1] + t["b"])
        return torch.nn.functional.mse_loss(torch.sigmoid(1.5 * h - 0.2), y) + \
            _penalty(torch, penalised, **strength)

    with torch.no_grad():
        _close(data["loss"], float(loss()), "the loss at the given parameters")
    _compare(data, _torch_run(torch, t, loss, name, kwargs, 3))


@pytest.mark.parametrize("opt,name,kwargs", REG_OPTIMIZERS, ids=["sgd", "adam"])
@pytest.mark.parametrize("reg,strength,params,biases", [r for r in REGULARIZED if r[2] is None],
                         ids=[r[0] for r in REGULARIZED if r[2] is None])
def test_layered_regularization_agrees_with_torch(reg, strength, params, biases, opt, name, kwargs):
    torch = pytest.importorskip("torch")
    data = _solve(LAYERED.replace("OPTIMIZER", f"regularization: {reg}\noptimizer: {opt}"))
    start = {"W1": [[0.1, -0.2], [0.4, 0.3]], "b1": [0.05, -0.1], "W2": [[0.7, -0.5]], "b2": [0.2]}
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True) for p, v in start.items()}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    penalised = [t[p] for p in t if biases or p.startswith("W")]

    def loss():
        a1 = torch.tanh(x @ t["W1"].T + t["b1"])
        yhat = torch.sigmoid(a1 @ t["W2"].T + t["b2"])[:, 0]
        return torch.nn.functional.binary_cross_entropy(yhat, y) + _penalty(torch, penalised, **strength)

    with torch.no_grad():
        _close(data["loss"], float(loss()), "the loss at the given parameters")
    _compare(data, _torch_run(torch, t, loss, name, kwargs, 3))


def test_one_sample_penalty_is_added_once_under_sum_and_shown():
    text = GRAPH.replace("OPTIMIZER", "reduction: sum\nregularization: {l2: 0.5}")
    sol = bp.solve(text)
    data = sol.to_json()
    losses = [s["loss"] for s in data["samples"]]
    assert math.isclose(data["loss"], sum(losses) + 0.5 * (0.5 ** 2 + 0.3 ** 2 + 0.1 ** 2), rel_tol=1e-14)
    phases = [s["phase"] for s in data["steps"]]
    assert phases.count("penalty") == 1
    assert "R = λ₂(w₁² + w₂² + b²)" in sol.to_text()


@pytest.mark.parametrize("reg,field,words", [
    ("{l2: -0.1}", "regularization.l2", "0 or more"),
    ("{}", "regularization", "needs a strength"),
    ("{l2: 0.1, params: [w9]}", "regularization.params[0]", "not a parameter"),
    ("{l2: 0.1, biases: true}", "regularization.biases", "unknown key"),
    ("{l3: 0.1}", "regularization.l3", "unknown key"),
])
def test_bad_regularization_names_its_field(reg, field, words):
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("OPTIMIZER", f"regularization: {reg}"))
    assert info.value.field == field
    assert words in info.value.message


# --- batches: each step on the next batch_size samples, cycling --------------------------------

BATCHED = [("{type: sgd, lr: 0.2, steps: 4, batch_size: 1}", "SGD", dict(lr=0.2), 1),
           ("{type: sgd, lr: 0.2, momentum: 0.9, steps: 4, batch_size: 2}", "SGD",
            dict(lr=0.2, momentum=0.9), 2),
           ("{type: adam, lr: 0.1, steps: 4, batch_size: 2}", "Adam", dict(lr=0.1), 2)]


def _torch_batched(torch, params, loss_on, name, kwargs, steps, k, m):
    """[(params, loss on the next batch or, after the last step, on all data, state)]."""
    optimizer = getattr(torch.optim, name)(list(params.values()), **kwargs)
    batch = lambda t: [(t * k + j) % m for j in range(k)]  # noqa: E731
    out = []
    for t in range(steps):
        optimizer.zero_grad()
        loss_on(batch(t)).backward()
        optimizer.step()
        with torch.no_grad():
            loss = float(loss_on(batch(t + 1) if t + 1 < steps else list(range(m))))
        state = {p: {key: v.tolist() for key, v in optimizer.state[x].items() if key != "step"}
                 for p, x in params.items()}
        out.append(({p: x.detach().tolist() for p, x in params.items()}, loss, state))
    return out


@pytest.mark.parametrize("opt,name,kwargs,k", BATCHED, ids=[b[0] for b in BATCHED])
def test_graph_batches_agree_with_torch(opt, name, kwargs, k):
    torch = pytest.importorskip("torch")
    data = _solve(GRAPH.replace("OPTIMIZER", f"regularization: {{l2: 0.01}}\noptimizer: {opt}"))
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for p, v in (("w1", 0.5), ("w2", -0.3), ("b", 0.1))}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)

    def loss_on(rows):
        h = torch.tanh(t["w1"] * x[rows, 0] + t["w2"] * x[rows, 1] + t["b"])
        return torch.nn.functional.mse_loss(torch.sigmoid(1.5 * h - 0.2), y[rows]) + \
            _penalty(torch, list(t.values()), 0.01, 0.0)

    with torch.no_grad():
        _close(data["loss"], float(loss_on([j % 3 for j in range(k)])), "the first batch's loss")
    _compare(data, _torch_batched(torch, t, loss_on, name, kwargs, 4, k, 3))
    assert [u["batch"] for u in data["updates"]] == \
        [[(s * k + j) % 3 + 1 for j in range(k)] for s in range(4)]


@pytest.mark.parametrize("opt,name,kwargs,k", BATCHED, ids=[b[0] for b in BATCHED])
def test_layered_batches_agree_with_torch(opt, name, kwargs, k):
    torch = pytest.importorskip("torch")
    data = _solve(LAYERED.replace("OPTIMIZER", f"optimizer: {opt}"))
    start = {"W1": [[0.1, -0.2], [0.4, 0.3]], "b1": [0.05, -0.1], "W2": [[0.7, -0.5]], "b2": [0.2]}
    t = {p: torch.tensor(v, dtype=torch.float64, requires_grad=True) for p, v in start.items()}
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)

    def loss_on(rows):
        a1 = torch.tanh(x[rows] @ t["W1"].T + t["b1"])
        yhat = torch.sigmoid(a1 @ t["W2"].T + t["b2"])[:, 0]
        return torch.nn.functional.binary_cross_entropy(yhat, y[rows])

    _compare(data, _torch_batched(torch, t, loss_on, name, kwargs, 4, k, 3))


def test_the_solution_says_which_samples_each_step_uses():
    text = bp.solve(GRAPH.replace("OPTIMIZER", "optimizer: {type: sgd, lr: 0.1, steps: 3, "
                                               "batch_size: 2}")).to_text()
    assert "Forward pass, batch of step 1 (samples 1, 2)" in text
    assert "Forward pass after step 1, batch of step 2 (samples 3, 1)" in text
    assert "Forward pass after step 3 (all the data)" in text
    assert "2 samples per step" in text


def test_a_batch_larger_than_the_data_is_refused():
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("OPTIMIZER", "optimizer: {type: sgd, lr: 0.1, batch_size: 4}"))
    assert info.value.field == "optimizer.batch_size"
    assert "more than the 3 samples" in info.value.message
    with pytest.raises(SpecError) as info:
        load_problem(GRAPH.replace("OPTIMIZER", "optimizer: {type: sgd, lr: 0.1, batch_size: 0}"))
    assert info.value.field == "optimizer.batch_size"


def test_every_default_is_torchs_own_sgd_too():
    """optimizer: {type: sgd} without lr steps at torch.optim.SGD's default rate, 0.001."""
    data = _solve(_linear_spec("sgd", {}, [0.5, -0.3], [2, -1], 1).replace("{type: sgd, , ", "{type: sgd, "))
    assert data["updates"][0]["params"]["w1"] == pytest.approx(0.5 - 0.001 * 2, abs=1e-15)
    assert data["updates"][0]["params"]["w2"] == pytest.approx(-0.3 + 0.001, abs=1e-15)


SYMBOLIC_STRENGTH = """\
title: A penalty whose strength is a symbol
inputs: [x1, x2]
targets: [y]
params: {w1: 0.5, w2: -0.3, b: 0.1}
nodes:
  yhat: sigmoid(w1*x1 + w2*x2 + b)
loss: squared_error
data:
  - {x1: 1, x2: 2, y: 1}
  - {x1: -1, x2: 0.5, y: 0}
optimizer: {type: sgd, lr: 0.1, steps: 1}
regularization: {l2: STRENGTH, l1: 0.02, params: [w1, w2]}
"""


@pytest.mark.parametrize("strength", [0.01, 0.3])
def test_a_symbolic_strength_is_the_numbers_formula(strength):
    """l2: null writes the loss, the gradients and the step in λ₂; put a number in and they
    are the solution with that number (an independent solve, not the same formula)."""
    symbolic = bp.solve(SYMBOLIC_STRENGTH.replace("STRENGTH", "null")).to_json()
    numeric = bp.solve(SYMBOLIC_STRENGTH.replace("STRENGTH", str(strength))).to_json()
    l2 = sympy.Symbol("l2")
    for key in ("w1", "w2", "b"):
        formula = symbolic["updates"][0]["params"][key]
        value = sympy.sympify(str(formula)).subs(l2, sympy.Rational(str(strength)))  # our output
        assert float(value) == pytest.approx(numeric["updates"][0]["params"][key], abs=1e-12)
    loss = sympy.sympify(str(symbolic["loss"])).subs(l2, sympy.Rational(str(strength)))
    assert float(loss) == pytest.approx(numeric["loss"], abs=1e-12)


def test_a_symbolic_strength_takes_one_step():
    with pytest.raises(bp.BackpropError, match="symbolic strength"):
        bp.solve(SYMBOLIC_STRENGTH.replace("STRENGTH", "null").replace("steps: 1", "steps: 2"))


def test_a_state_letter_that_is_also_a_parameters_is_written_in_capitals():
    """RMSprop's buffer b beside a bias b: B_b ← μB_b + …, never b_b; s keeps its letter.
    The root of a number in powers of ten is bracketed: √(3.0647·10⁻⁸), not √3.0647·10⁻⁸."""
    from backprop_cli.pipeline import render, solve_text
    from backprop_cli.settings import Settings
    from support import PROBLEMS
    text = render(solve_text((PROBLEMS / "optim_rmsprop.yaml").read_text(encoding="utf-8")),
                  "text", Settings())
    assert "B_b ← μB_b + ∂L/∂b/(√s_b + ε)" in text and "b_b" not in text
    assert "B_w ← μB_w" in text and "s_w ← αs_w" in text
    assert "√(3.0647·10⁻⁸)" in text


def test_online_learning_names_each_steps_one_sample_once():
    """batch_size: 1: 'Forward pass after step 1 (the batch of step 2), sample 2', not
    '..., batch of step 2 (sample 2), sample 2'; its gradients are the sample's, no mean."""
    text = bp.solve(GRAPH.replace("OPTIMIZER", "optimizer: {type: sgd, lr: 0.1, steps: 2, "
                                               "batch_size: 1}")).to_text()
    assert "Forward pass after step 1 (the batch of step 2), sample 2" in text
    assert "(sample 2), sample 2" not in text
    assert "Gradients on the sample" in text and "Gradients on the batch" not in text
