"""Batchnorm and rnn networks worked as dense ones are (issue 18, "everything else as for
dense layers"): regularization, mini-batches (batch_size) and symbolic (null) entries.

Each numeric case is solved by `backprop solve --format json` and by torch in float64
(torch.nn.BatchNorm1d in training mode, torch.nn.RNN) to 1e-10: the loss (with the penalty
written out as a term), every gradient, the parameters after each SGD step and the loss
after it. A symbolic case's gradients, with numbers put in for its symbols, are the
numeric solve of the same problem.
"""

from __future__ import annotations

import re

import subprocess
import sys

import pytest
import yaml

from test_batchnorm_rnn import (BATCHNORM_WITH_BIAS, PROBLEMS, ROOT, RNN_LAST, _batchnorm_case,
                                _close, _compare, _rnn_case, _solve)


def _penalty(tensors, l2: float, l1: float):
    return sum(l2 * (t ** 2).sum() + l1 * t.abs().sum() for t in tensors)


def _regularized(text: str, reg: str) -> str:
    return text.rstrip("\n") + f"\nregularization: {reg}\n"


# --- regularization ---------------------------------------------------------------------------

REG = [("{l2: 0.01, l1: 0.005}", 0.01, 0.005, False),
       ("{l2: 0.02, biases: true}", 0.02, 0.0, True),
       ("{l1: 0.01, biases: true}", 0.0, 0.01, True)]


@pytest.mark.parametrize("reg,l2,l1,biases", REG, ids=[r[0] for r in REG])
@pytest.mark.parametrize("base", [(PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(),
                                  BATCHNORM_WITH_BIAS], ids=["example", "bias_tanh_eps"])
def test_batchnorm_regularization_agrees_with_torch(base, reg, l2, l1, biases):
    """The penalty covers W (and b, β with biases: true); γ, a scale, never."""
    torch = pytest.importorskip("torch")
    text = _regularized(base, reg)
    spec = yaml.safe_load(text)
    params, data_loss = _batchnorm_case(torch, spec)
    names = [n for n in params if n[0] == "W" or (biases and n[0] == "b")]  # b1, beta2, b3
    assert "gamma2" not in names and ("beta2" in names) == biases
    covered = [params[n] for n in names]
    _compare(_solve(text), torch, params, lambda: data_loss() + _penalty(covered, l2, l1),
             spec["optimizer"]["lr"], spec["optimizer"]["steps"])


@pytest.mark.parametrize("reg,l2,l1,biases", REG, ids=[r[0] for r in REG])
@pytest.mark.parametrize("base", [(PROBLEMS / "rnn_three_steps.yaml").read_text(), RNN_LAST],
                         ids=["example", "last_h0"])
def test_rnn_regularization_agrees_with_torch(base, reg, l2, l1, biases):
    """The penalty covers W_xh, W_hh and W (and b_h, b with biases: true)."""
    torch = pytest.importorskip("torch")
    text = _regularized(base, reg)
    spec = yaml.safe_load(text)
    params, data_loss = _rnn_case(torch, spec)
    covered = [params[n] for n in params if n[0] == "W" or (biases and n[0] == "b")]
    _compare(_solve(text), torch, params, lambda: data_loss() + _penalty(covered, l2, l1),
             spec["optimizer"]["lr"], spec["optimizer"]["steps"])


def test_gamma_is_left_out_of_the_penalty():
    """R names the matrices it covers: β with biases: true, never γ."""
    text = _regularized((PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(),
                        "{l2: 0.01, biases: true}")
    run = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", "-"], input=text,
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    line = next(l for l in run.stdout.splitlines() if re.match(r"\s*R\s+= ", l))
    assert "β⁽²⁾" in line and "W⁽¹⁾" in line and "γ" not in line, line
    # the key says why (in the layer's intro, wrapped at the width)
    assert "R leaves γ out (a scale, not a weight)" in " ".join(run.stdout.split())


# --- mini-batches (batch_size) --------------------------------------------------------------

def _torch_batched(torch, params: dict, loss_on, lr: float, batches: list, final):
    """torch's SGD on batches[t] at step t: the first batch's loss and gradients, then after
    each step the parameters and the loss on the next batch (after the last, `final()`)."""
    optimizer = torch.optim.SGD(list(params.values()), lr=lr)
    out = {"updates": []}
    for t, rows in enumerate(batches):
        optimizer.zero_grad()
        loss = loss_on(rows)
        loss.backward()
        if t == 0:
            out["loss"] = float(loss.detach())
            out["gradients"] = {n: p.grad.clone() for n, p in params.items()}
        optimizer.step()
        with torch.no_grad():
            after = loss_on(batches[t + 1]) if t + 1 < len(batches) else final()
        out["updates"].append(({n: p.detach().clone() for n, p in params.items()}, float(after), rows))
    return out


def _compare_batched(data: dict, theirs: dict, torch) -> None:
    _close([data["loss"]], torch.tensor([theirs["loss"]], dtype=torch.float64), "the first batch's loss")
    for name, grad in theirs["gradients"].items():
        _close(data["gradients"][name], grad, f"dL/d{name} on the first batch")
    assert len(data["updates"]) == len(theirs["updates"])
    for k, (params, loss, rows) in enumerate(theirs["updates"]):
        for name, value in params.items():
            _close(data["updates"][k]["params"][name], value, f"{name} after step {k + 1}")
        _close([data["updates"][k]["loss"]], torch.tensor([loss], dtype=torch.float64), f"loss after step {k + 1}")
        assert data["updates"][k]["batch"] == [i + 1 for i in rows]


BATCHNORM_BATCHED = [("example", (PROBLEMS / "batchnorm_mini_batches.yaml").read_text(),
                      "{type: sgd, lr: 0.1, steps: 1, batch_size: 3}"),
                     ("example, 3 steps", (PROBLEMS / "batchnorm_mini_batches.yaml").read_text(),
                      "{type: sgd, lr: 0.1, steps: 3, batch_size: 3}"),
                     ("batch of four, B = 2, 3 steps", (PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(),
                      "{type: sgd, lr: 0.1, steps: 3, batch_size: 2}"),
                     ("with a penalty, B = 2, 3 steps", _regularized(
                         (PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(), "{l2: 0.05, l1: 0.01, biases: true}"),
                      "{type: sgd, lr: 0.1, steps: 3, batch_size: 2}"),
                     ("bias, tanh, eps, 6 samples, B = 3", BATCHNORM_WITH_BIAS.replace(
                         "  - {x: [-2, 1.5], y: 0.9}\n",
                         "  - {x: [-2, 1.5], y: 0.9}\n  - {x: [0.3, 0.3], y: 0.1}\n"
                         "  - {x: [1, -1], y: -0.2}\n  - {x: [-0.5, 2], y: 0.6}\n"),
                      "{type: sgd, lr: 0.2, steps: 4, batch_size: 3}"),
                     ("B = 3 of four, wrapping, 3 steps", (PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(),
                      "{type: sgd, lr: 0.1, steps: 3, batch_size: 3}"),
                     ("B = 4 of six, wrapping, a penalty, 4 steps", _regularized(
                         (PROBLEMS / "batchnorm_mini_batches.yaml").read_text(), "{l2: 0.02}"),
                      "{type: sgd, lr: 0.1, steps: 4, batch_size: 4}")]


@pytest.mark.parametrize("what,base,opt", BATCHNORM_BATCHED, ids=[b[0] for b in BATCHNORM_BATCHED])
def test_batchnorm_mini_batches_agree_with_torch(what, base, opt):
    """Each step normalizes over its own mini-batch (torch's training mode on that batch),
    the mini-batches taken in order, cycling, wrapping around where B does not divide the
    data; the loss after the last step is the mean of the mini-batches' losses."""
    torch = pytest.importorskip("torch")
    text = base.replace(base[base.index("optimizer:"):].splitlines()[0], f"optimizer: {opt}")
    spec = yaml.safe_load(text)
    params, _ = _batchnorm_case(torch, spec)
    first, norm_w = params["W1"], params["gamma2"]
    layers = spec["network"]["layers"]
    eps = float(layers[1].get("eps", 1e-5))
    act = {"relu": torch.relu, "tanh": torch.tanh}[layers[1]["activation"]]
    x = torch.tensor([s["x"] for s in spec["data"]], dtype=torch.float64)
    y = torch.tensor([[s["y"]] for s in spec["data"]], dtype=torch.float64)

    reg = spec.get("regularization") or {}
    covered = [params[n] for n in params if n[0] == "W" or (reg.get("biases") and n[0] == "b")]

    def loss_on(rows):
        a = x[rows] @ first.T + (params["b1"] if "b1" in params else 0)
        norm = torch.nn.functional.batch_norm(a, None, None, norm_w, params["beta2"],
                                              training=True, eps=eps)
        yhat = act(norm) @ params["W3"].T + params["b3"]
        return 0.5 * ((yhat - y[rows]) ** 2).sum(dim=1).mean()
    penalty = (lambda: _penalty(covered, reg.get("l2", 0), reg.get("l1", 0))) if reg else (lambda: 0)
    B = spec["optimizer"]["batch_size"]
    n, steps = len(spec["data"]), spec["optimizer"]["steps"]
    # step t: the next B samples, cycling through the data (wrapping where B does not
    # divide it), as a dense network's batch_size; the loss after the last step is the mean
    # over the mini-batches that cover the data and those the steps took, each once
    cycled = [[(t * B + j) % n for j in range(B)] for t in range(max(steps, -(-n // B)))]
    blocks = [b for i, b in enumerate(cycled) if b not in cycled[:i]]
    batches = cycled[:steps]
    theirs = _torch_batched(torch, params, lambda rows: loss_on(rows) + penalty(),
                            spec["optimizer"]["lr"], batches,
                            lambda: sum(loss_on(b) for b in blocks) / len(blocks) + penalty())
    _compare_batched(_solve(text), theirs, torch)


def _rnn_rows(torch, spec: dict):
    """torch.nn.RNN as _rnn_case builds it, its loss on any rows (the mean over them)."""
    params, _ = _rnn_case(torch, spec)
    p = spec["network"]["layers"][0]
    units = len(spec["params"]["Whh1"])
    rnn = torch.nn.RNN(spec["network"]["inputs"], units, nonlinearity=p.get("activation", "tanh"),
                       batch_first=True).double()
    with torch.no_grad():
        rnn.bias_hh_l0.zero_()
    x = torch.tensor([[[v] if not isinstance(v, list) else v for v in s["x"]] for s in spec["data"]],
                     dtype=torch.float64)
    every = p.get("output", "last") == "all"
    y = torch.tensor([[[v] if not isinstance(v, list) else v for v in s["y"]] if every else
                      ([s["y"]] if not isinstance(s["y"], list) else s["y"]) for s in spec["data"]],
                     dtype=torch.float64)

    def loss_on(rows):
        # the shared parameters, through torch's own RNN functional with them as weights
        h0 = torch.tensor([[p["h0"]] * len(rows)], dtype=torch.float64) if "h0" in p else None
        hs, _ = torch.func.functional_call(
            rnn, {"weight_ih_l0": params["Wxh1"], "weight_hh_l0": params["Whh1"],
                  "bias_ih_l0": params["b1"], "bias_hh_l0": rnn.bias_hh_l0}, (x[rows], h0))
        out = hs if every else hs[:, -1, :]
        yhat = out @ params["W2"].T + params["b2"]
        return torch.nn.functional.mse_loss(yhat, y[rows], reduction="sum") / 2 / len(rows)
    return params, loss_on


@pytest.mark.parametrize("B,steps", [(1, 3), (2, 3)])
def test_rnn_mini_batches_agree_with_torch(B, steps):
    """An rnn steps on batch_size samples in order, cycling, as a dense network does."""
    torch = pytest.importorskip("torch")
    text = RNN_LAST.replace("- {x: [[-1, 1], [0, 0.5], [2, -1], [0, 0]], y: -0.6}\n",
                            "- {x: [[-1, 1], [0, 0.5], [2, -1], [0, 0]], y: -0.6}\n"
                            "  - {x: [[0.5, 0.5], [1, -1], [0, 0], [-1, 2]], y: 0.1}\n") \
        .replace("optimizer: {type: sgd, lr: 0.5, steps: 2}",
                 f"optimizer: {{type: sgd, lr: 0.5, steps: {steps}, batch_size: {B}}}")
    spec = yaml.safe_load(text)
    params, loss_on = _rnn_rows(torch, spec)
    n = len(spec["data"])
    batches = [[(t * B + j) % n for j in range(B)] for t in range(steps)]
    theirs = _torch_batched(torch, params, loss_on, 0.5, batches, lambda: loss_on(list(range(n))))
    _compare_batched(_solve(text), theirs, torch)


# --- symbolic (null) entries ------------------------------------------------------------------

def _substituted(value, numbers: dict):
    """A JSON value (a number, or a formula in the plain names) with `numbers` put in."""
    import sympy as sp
    if isinstance(value, list):
        return [_substituted(v, numbers) for v in value]
    if not isinstance(value, str):
        return value
    expr = sp.sympify(value)  # the JSON contract's own formula text (tests only)
    return float(expr.subs({sp.Symbol(k): sp.Rational(v) for k, v in numbers.items()}))


def _symbolic_against_numeric(symbolic: str, numeric: str, numbers: dict) -> dict:
    """The symbolic solve's loss, gradients and stepped parameters with `numbers` put in for
    its symbols are the numeric solve's, to 1e-10; returns the numeric JSON."""
    ours, theirs = _solve(symbolic), _solve(numeric)
    assert isinstance(ours["loss"], str), "the symbolic problem should have a formula for a loss"
    pairs = [("loss", ours["loss"], theirs["loss"])]
    pairs += [(f"dL/d{n}", ours["gradients"][n], theirs["gradients"][n]) for n in theirs["gradients"]]
    pairs += [(f"{n} after the step", ours["updates"][0]["params"][n], theirs["updates"][0]["params"][n])
              for n in theirs["updates"][0]["params"]]
    for what, formula, number in pairs:
        got = [v for v in _flat_all(_substituted(formula, numbers))]
        want = _flat_all(number)
        assert len(got) == len(want), what
        for a, b in zip(got, want):
            assert abs(a - b) <= 1e-10 * max(1.0, abs(b)), f"{what}: {got} != {want}"
    return theirs


def _flat_all(value):
    if isinstance(value, list):
        return [v for item in value for v in _flat_all(item)]
    return [float(value)]


def test_batchnorm_symbolic_gamma_beta_is_the_numeric_solve():
    """problems/batchnorm_symbolic_gamma.yaml: γ and β null; with numbers put in, its
    gradients are the numeric problem's, which torch's BatchNorm1d agrees with."""
    torch = pytest.importorskip("torch")
    symbolic = (PROBLEMS / "batchnorm_symbolic_gamma.yaml").read_text()
    numeric = symbolic.replace("gamma2: null", "gamma2: [1.5, 0.8]") \
        .replace("beta2: null", "beta2: [0.1, -0.2]")
    _symbolic_against_numeric(symbolic, numeric, {"gamma2_1": "1.5", "gamma2_2": "0.8",
                                                  "beta2_1": "0.1", "beta2_2": "-0.2"})
    spec = yaml.safe_load(numeric)
    params, loss = _batchnorm_case(torch, spec)
    _compare(_solve(numeric), torch, params, loss, 0.1, 1)


BATCHNORM_SYMBOLIC_DATA = """
network:
  inputs: 2
  layers:
    - {units: 2, activation: identity, bias: false}
    - {type: batchnorm, activation: relu}
    - {units: 1, activation: identity}
params:
  W1: [[0.5, -0.3], [0.2, 0.8]]
  gamma2: [1.5, 0.8]
  beta2: [0.1, -0.2]
  W3: [[0.7, -0.4]]
  b3: [0.05]
loss: half_squared_error
data:
  - {x: [1, X12], y: 0.5}
  - {x: [0, -1], y: Y2}
  - {x: [2, 0.5], y: 1}
  - {x: [-1, 1], y: 0.2}
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


def test_batchnorm_symbolic_data_is_the_numeric_solve():
    """A null input and a null target: x̂ over symbolic data, worked node by node."""
    torch = pytest.importorskip("torch")
    symbolic = BATCHNORM_SYMBOLIC_DATA.replace("X12", "null").replace("Y2", "null")
    numeric = BATCHNORM_SYMBOLIC_DATA.replace("X12", "2").replace("Y2", "-0.3")
    _symbolic_against_numeric(symbolic, numeric, {"x_2_s1": "2", "y_s2": "-0.3"})
    params, loss = _batchnorm_case(torch, yaml.safe_load(numeric))
    _compare(_solve(numeric), torch, params, loss, 0.1, 1)


def test_rnn_symbolic_two_steps_is_the_numeric_solve():
    """problems/rnn_symbolic_two_steps.yaml: W_xh, W_hh and h₀ null."""
    torch = pytest.importorskip("torch")
    symbolic = (PROBLEMS / "rnn_symbolic_two_steps.yaml").read_text()
    numeric = symbolic.replace("Wxh1: null", "Wxh1: [[0.7]]").replace("Whh1: null", "Whh1: [[-0.4]]") \
        .replace("h0: [null]", "h0: [0.3]")
    _symbolic_against_numeric(symbolic, numeric, {"Wxh1_1_1": "0.7", "Whh1_1_1": "-0.4", "h0_0": "0.3"})
    spec = yaml.safe_load(numeric)
    params, loss = _rnn_case(torch, spec)
    _compare(_solve(numeric), torch, params, loss, 0.1, 1)


RNN_SYMBOLIC_ENTRIES = """
network:
  inputs: 1
  layers:
    - {type: rnn, units: 2, activation: tanh, output: all}
    - {units: 1, activation: identity}
params:
  Wxh1: [[0.5], [-0.3]]
  Whh1: [[0.1, U12], [0.4, 0.3]]
  b1: [0.1, 0]
  W2: [[0.6, -0.5]]
  b2: [0.05]
loss: half_squared_error
data:
  - {x: [1, X2, -1], y: [0.5, 0.2, Y3]}
  - {x: [0.5, 0.5, 1], y: [0, 0.1, 0.3]}
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


def test_rnn_symbolic_entries_of_two_samples_are_the_numeric_solve():
    """A null recurrent weight, a null input and target of sample 1 (its own symbols,
    x₂[¹] and y₃[¹], never sample 2's)."""
    torch = pytest.importorskip("torch")
    symbolic = RNN_SYMBOLIC_ENTRIES.replace("U12", "null").replace("X2", "null").replace("Y3", "null")
    numeric = RNN_SYMBOLIC_ENTRIES.replace("U12", "-0.2").replace("X2", "0.5").replace("Y3", "-0.4")
    _symbolic_against_numeric(symbolic, numeric, {"Whh1_1_2": "-0.2", "x_2_s1": "0.5", "y_3_s1": "-0.4"})
    spec = yaml.safe_load(numeric)
    params, loss = _rnn_case(torch, spec)
    _compare(_solve(numeric), torch, params, loss, 0.1, 1)


def test_batchnorm_mini_batch_with_a_symbol_is_the_numeric_solve():
    """A null input in a mini-batch, named as its data sample's entry (x₂[²]); the numeric
    problem's mini-batches are torch's (test_batchnorm_mini_batches_agree_with_torch)."""
    base = (PROBLEMS / "batchnorm_mini_batches.yaml").read_text()
    symbolic = base.replace("- {x: [0, 3], y: -0.3}", "- {x: [0, null], y: -0.3}")
    assert symbolic != base
    numeric = _symbolic_against_numeric(symbolic, base, {"x_2_s2": "3"})
    assert numeric["updates"][0]["batch"] == [1, 2, 3]
    text = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", "-"], input=symbolic,
                          capture_output=True, text=True, cwd=ROOT).stdout
    assert "0 · x₂[²]" in text and "x₂[²][" not in text
