"""Batch normalization and recurrent layers (issue 18) against PyTorch's own modules.

The examples problems/batchnorm_batch_of_four.yaml and problems/rnn_three_steps.yaml, and a
few specs written here, are solved by `backprop solve --format json` and by torch in
float64 with torch.nn.BatchNorm1d (training mode: batch statistics, biased variance) and
torch.nn.RNN; the loss, every gradient, the parameters after each SGD step and the loss
after it agree to 1e-10. Wrong specs are refused with the field and line (exit 2).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parent.parent
PROBLEMS = ROOT / "problems"
TOL = 1e-10


def _solve(text: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", "-", "--format", "json"],
                         input=text, capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _close(ours, theirs, what: str) -> None:
    ours = [float(v) for v in _flat(ours)]
    theirs = [float(v) for v in theirs.detach().reshape(-1).tolist()]
    assert len(ours) == len(theirs), what
    for a, b in zip(ours, theirs):
        assert abs(a - b) <= TOL * max(1.0, abs(b)), f"{what}: {ours} != {theirs}"


def _flat(value):
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    return [value]


def _compare(data: dict, torch, params: dict, loss_fn, lr: float, steps: int,
             optimizer=None) -> None:
    """Loss and gradients at the given parameters, then each step (SGD, or `optimizer`
    made from torch.optim), as torch has them."""
    optimizer = optimizer or torch.optim.SGD(list(params.values()), lr=lr)
    loss = loss_fn()
    optimizer.zero_grad()
    loss.backward()
    _close([data["loss"]], loss.reshape(1), "loss")
    assert set(data["gradients"]) == set(params)
    for name, tensor in params.items():
        _close(data["gradients"][name], tensor.grad, f"dL/d{name}")
    for k in range(steps):
        optimizer.step()
        for name, tensor in params.items():
            _close(data["updates"][k]["params"][name], tensor, f"{name} after step {k + 1}")
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        _close([data["updates"][k]["loss"]], loss.reshape(1), f"loss after step {k + 1}")


def _t(torch, value):
    return torch.tensor(value, dtype=torch.float64)


# --- batch normalization -------------------------------------------------------------------

def _batchnorm_case(torch, spec: dict):
    """The example's network in torch modules: Linear -> BatchNorm1d -> activation -> Linear."""
    p = spec["params"]
    layers = spec["network"]["layers"]
    eps = float(layers[1].get("eps", 1e-5))
    first = torch.nn.Linear(spec["network"]["inputs"], len(p["W1"]), bias="b1" in p).double()
    norm = torch.nn.BatchNorm1d(len(p["W1"]), eps=eps).double()
    last = torch.nn.Linear(len(p["W1"]), len(p["W3"]), bias="b3" in p).double()
    with torch.no_grad():
        first.weight.copy_(_t(torch, p["W1"]))
        if "b1" in p:
            first.bias.copy_(_t(torch, p["b1"]))
        norm.weight.copy_(_t(torch, p["gamma2"]))
        norm.bias.copy_(_t(torch, p["beta2"]))
        last.weight.copy_(_t(torch, p["W3"]))
        last.bias.copy_(_t(torch, p["b3"]))
    norm.train()  # batch statistics, the biased variance
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "identity": lambda v: v}[layers[1].get("activation", "identity")]
    x = _t(torch, [s["x"] for s in spec["data"]])
    y = _t(torch, [[s["y"]] if not isinstance(s["y"], list) else s["y"] for s in spec["data"]])

    def loss():
        yhat = last(act(norm(first(x))))
        return 0.5 * ((yhat - y) ** 2).sum(dim=1).mean()  # half_squared_error, mean over samples
    params = {"W1": first.weight, "gamma2": norm.weight, "beta2": norm.bias,
              "W3": last.weight, "b3": last.bias}
    if "b1" in p:
        params["b1"] = first.bias
    return params, loss


BATCHNORM_WITH_BIAS = """
network:
  inputs: 2
  layers:
    - {units: 2, activation: identity}
    - {type: batchnorm, activation: tanh, eps: 0.001}
    - {units: 1, activation: identity}
params:
  W1: [[0.3, -0.6], [0.9, 0.2]]
  b1: [0.2, -0.5]
  gamma2: [0.7, 1.2]
  beta2: [0, 0.3]
  W3: [[-0.4, 0.8]]
  b3: [0.1]
loss: half_squared_error
data:
  - {x: [1, 0], y: 0.2}
  - {x: [0.5, -1], y: -0.4}
  - {x: [-2, 1.5], y: 0.9}
optimizer: {type: sgd, lr: 0.2, steps: 2}
"""


@pytest.mark.parametrize("text", [(PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(),
                                  BATCHNORM_WITH_BIAS], ids=["example", "bias_tanh_eps"])
def test_batchnorm_agrees_with_torch(text):
    torch = pytest.importorskip("torch")
    spec = yaml.safe_load(text)
    params, loss = _batchnorm_case(torch, spec)
    opt = spec["optimizer"]
    _compare(_solve(text), torch, params, loss, opt["lr"], opt["steps"])


# --- recurrent layers ----------------------------------------------------------------------

def _rnn_case(torch, spec: dict):
    """torch.nn.RNN (bias_ih = b1, bias_hh = 0: one bias) then a Linear at every step or
    the last; half squared error summed over the time steps, the mean over the samples."""
    p = spec["network"]["layers"][0]
    P = spec["params"]
    units, inputs = len(P["Whh1"]), spec["network"]["inputs"]
    rnn = torch.nn.RNN(inputs, units, nonlinearity=p.get("activation", "tanh"),
                       batch_first=True).double()
    out = torch.nn.Linear(units, len(P["W2"])).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(_t(torch, P["Wxh1"]))
        rnn.weight_hh_l0.copy_(_t(torch, P["Whh1"]))
        rnn.bias_ih_l0.copy_(_t(torch, P["b1"]))
        rnn.bias_hh_l0.zero_()
        out.weight.copy_(_t(torch, P["W2"]))
        out.bias.copy_(_t(torch, P["b2"]))
    rnn.bias_hh_l0.requires_grad_(False)
    x = _t(torch, [[[v] if not isinstance(v, list) else v for v in s["x"]] for s in spec["data"]])
    every = p.get("output", "last") == "all"
    if every:
        y = _t(torch, [[[v] if not isinstance(v, list) else v for v in s["y"]] for s in spec["data"]])
    else:
        y = _t(torch, [[s["y"]] if not isinstance(s["y"], list) else s["y"] for s in spec["data"]])
    h0 = _t(torch, [[p["h0"]] * len(spec["data"])]) if "h0" in p else None
    scale = 1 / len(spec["data"]) if spec.get("reduction", "mean") == "mean" else 1

    def loss():
        hs, _ = rnn(x, h0)
        yhat = out(hs) if every else out(hs[:, -1, :])
        return scale * torch.nn.functional.mse_loss(yhat, y, reduction="sum") / 2
    params = {"Wxh1": rnn.weight_ih_l0, "Whh1": rnn.weight_hh_l0, "b1": rnn.bias_ih_l0,
              "W2": out.weight, "b2": out.bias}
    return params, loss


RNN_LAST = """
network:
  inputs: 2
  layers:
    - {type: rnn, units: 2, activation: tanh, output: last, h0: [0.1, -0.2]}
    - {units: 1, activation: identity}
params:
  Wxh1: [[0.5, -0.1], [0.2, 0.3]]
  Whh1: [[0.4, -0.3], [0.1, 0.6]]
  b1: [0, 0.1]
  W2: [[1.1, -0.7]]
  b2: [0.2]
loss: half_squared_error
data:
  - {x: [[1, 0], [0.5, -1], [0, 2], [1, 1]], y: 0.3}
  - {x: [[-1, 1], [0, 0.5], [2, -1], [0, 0]], y: -0.6}
optimizer: {type: sgd, lr: 0.5, steps: 2}
"""

RNN_RELU_SUM = """
network:
  inputs: 1
  layers:
    - {type: rnn, units: 3, activation: relu, output: all}
    - {units: 2, activation: identity}
params:
  Wxh1: [[0.5], [-0.4], [0.3]]
  Whh1: [[0.2, -0.1, 0.3], [0.1, 0.4, -0.2], [-0.3, 0.2, 0.1]]
  b1: [0.1, 0.2, 0.05]
  W2: [[0.6, -0.5, 0.2], [0.3, 0.1, -0.4]]
  b2: [0, 0.1]
loss: half_squared_error
reduction: sum
data:
  - {x: [1, 0.5, -1], y: [[0.5, 0], [0.2, 0.1], [-0.4, 0.3]]}
  - {x: [0.2, 1, 0.3], y: [[0, 1], [1, 0], [0.5, 0.5]]}
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


@pytest.mark.parametrize("text", [(PROBLEMS / "rnn_three_steps.yaml").read_text(), RNN_LAST,
                                  RNN_RELU_SUM], ids=["example", "last_h0", "relu_all_sum"])
def test_rnn_agrees_with_torch(text):
    torch = pytest.importorskip("torch")
    spec = yaml.safe_load(text)
    params, loss = _rnn_case(torch, spec)
    opt = spec["optimizer"]
    _compare(_solve(text), torch, params, loss, opt["lr"], opt["steps"])


OPTIMIZERS = [("{type: adam, lr: 0.05, steps: 3}",
               lambda torch, ps: torch.optim.Adam(ps, lr=0.05)),
              ("{type: sgd, lr: 0.1, momentum: 0.9, nesterov: true, steps: 3}",
               lambda torch, ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
              ("{type: rmsprop, lr: 0.01, steps: 3}",
               lambda torch, ps: torch.optim.RMSprop(ps, lr=0.01))]


@pytest.mark.parametrize("optimizer, make", OPTIMIZERS, ids=["adam", "nesterov", "rmsprop"])
@pytest.mark.parametrize("name, case", [("batchnorm_batch_of_four", "_batchnorm_case"),
                                        ("rnn_three_steps", "_rnn_case")], ids=["batchnorm", "rnn"])
def test_every_optimizer_agrees_with_torch_optim(name, case, optimizer, make):
    """'everything else as for dense layers': the optimizers with state too, three steps."""
    torch = pytest.importorskip("torch")
    text = (PROBLEMS / f"{name}.yaml").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("optimizer:"))
    text += f"\noptimizer: {optimizer}\n"
    spec = yaml.safe_load(text)
    params, loss = globals()[case](torch, spec)
    _compare(_solve(text), torch, params, loss, 0.0, 3, make(torch, list(params.values())))


# --- wrong specs ---------------------------------------------------------------------------

BAD = [
    ("batchnorm on a batch of one", "{type: batchnorm}", "data:\n  - {x: [1, 2], y: 0.5}\n",
     2, "data", "two or more samples"),
    ("a mini-batch of one with batchnorm", "{type: batchnorm}",
     "data:\n  - {x: [1, 2], y: 0.5}\n  - {x: [0, 1], y: 0}\noptimizer: {type: sgd, lr: 0.1, batch_size: 1}\n",
     2, "optimizer.batch_size", "variance over one sample is 0"),
    ("rnn without a sequence", "{type: rnn, units: 2}", "data:\n  - {x: 3, y: 0.5}\n",
     1, "data[0].x", "sequence"),
    ("ragged sequences", "{type: rnn, units: 2}",
     "data:\n  - {x: [[1], [2]], y: 0.5}\n  - {x: [[1], [2], [3]], y: 0}\n", 1, "data[1].x", "time steps"),
    ("a time step of the wrong size", "{type: rnn, units: 2}",
     "data:\n  - {x: [[1, 2], [2]], y: 0.5}\n", 1, "data[0].x[0]", "every time step"),
    ("targets per step for output: all", "{type: rnn, units: 2, output: all}",
     "data:\n  - {x: [[1], [2]], y: [0.5]}\n", 1, "data[0].y", "each time step"),
    ("an unknown layer type", "{type: batchnorn}", "", 2, "network.layers[0].type", "batchnorm"),
    ("rnn after another layer", "{units: 2}\n    - {type: rnn, units: 2}", "", 1,
     "network.layers[1]", "first layer"),
]


@pytest.mark.parametrize("what,layer,data,inputs,field,words", BAD, ids=[b[0] for b in BAD])
def test_bad_specs_name_the_field_and_line(what, layer, data, inputs, field, words):
    text = (f"network:\n  inputs: {inputs}\n  layers:\n    - {layer}\n    - {{units: 1}}\n"
            f"loss: mse\n{data}")
    run = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", "-"], input=text,
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2, (what, run.stdout, run.stderr)
    message = run.stderr.strip()
    assert "\n" not in message, message
    assert f"in {field}:" in message and "line " in message and words in message, message
