"""Convolution, pooling and flatten layers (issue 18) against PyTorch's own modules
(torch.nn.Conv2d / Conv1d / MaxPool2d / AvgPool2d / Flatten / Linear, float64): the loss,
every gradient and one SGD step agree to 1e-10. Skipped where torch is not installed.
Bad specs are refused with the field and the line, status 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from backprop_cli import api

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ["conv_relu_maxpool_dense.yaml", "conv_two_channel_stride2_pad1.yaml",
            "conv_two_layers_full_convolution.yaml"]
TOL = 1e-10

CONV1D_AVGPOOL = """
network:
  inputs: [2, 6]
  layers:
    - {type: conv1d, filters: 2, kernel: 3, stride: 1, padding: 1, activation: tanh}
    - {type: flatten}
    - {units: 2, activation: sigmoid}
params:
  K1: [[[0.2, -0.1, 0.4], [0.3, 0.1, -0.2]], [[-0.3, 0.5, 0.1], [0.2, -0.4, 0.25]]]
  b1: [0.1, -0.05]
  W3: [[0.1, -0.2, 0.3, 0.1, 0.2, -0.1, 0.05, 0.1, -0.3, 0.2, 0.1, 0.4],
       [-0.1, 0.2, 0.1, -0.3, 0.1, 0.2, -0.2, 0.3, 0.1, -0.1, 0.2, 0.05]]
  b3: [0, 0.1]
loss: bce
data:
  - {x: [[1, 0.5, -1, 2, 0, 1], [0, 1, 1, -0.5, 2, 1]], y: [1, 0]}
  - {x: [[0, 1, 2, -1, 1, 0], [1, -1, 0, 0.5, 1, 2]], y: [0, 1]}
optimizer: {type: sgd, lr: 0.1, steps: 2}
"""

AVGPOOL = """
network:
  inputs: [1, 4, 4]
  layers:
    - {type: conv2d, filters: 2, kernel: 3, padding: 1, activation: sigmoid, bias: false}
    - {type: avgpool2d, kernel: 2}
    - {type: flatten}
    - {units: 1}
params:
  K1: [[[[0.1, -0.2, 0.3], [0.2, 0.1, -0.1], [0, 0.3, 0.1]]],
       [[[-0.1, 0.2, 0.1], [0.3, -0.2, 0.2], [0.1, 0, -0.3]]]]
  W4: [[0.5, -0.5, 0.25, 1, -1, 0.5, 0.3, -0.2]]
  b4: [0.1]
loss: squared_error
data:
  - {x: [[1, 2, 0, 1], [0, -1, 2, 1], [1, 1, 0, -2], [2, 0, 1, 1]], y: 0.5}
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""


def _torch_model(spec: dict):
    """The spec's network as torch modules, its parameters set from the spec, and the
    names (K1, b1, W4, ...) of each module parameter."""
    nn = torch.nn
    net = spec["network"]
    shape = net["inputs"]
    modules, names = [], []
    params = spec["params"]
    for l, layer in enumerate(net["layers"], start=1):
        kind = layer.get("type", "dense")
        bias = layer.get("bias", True)
        if kind in ("conv2d", "conv1d"):
            cls = nn.Conv2d if kind == "conv2d" else nn.Conv1d
            m = cls(shape[0], layer["filters"], layer["kernel"], stride=layer.get("stride", 1),
                    padding=layer.get("padding", 0), bias=bias).double()
            m.weight.data = torch.tensor(params[f"K{l}"], dtype=torch.float64)
            names.append((m.weight, f"K{l}"))
            if bias:
                m.bias.data = torch.tensor(params[f"b{l}"], dtype=torch.float64)
                names.append((m.bias, f"b{l}"))
            modules.append(m)
            size = (shape[1] + 2 * layer.get("padding", 0) - layer["kernel"]) // layer.get("stride", 1) + 1
            shape = [layer["filters"]] + [size] * (len(shape) - 1)
            modules.append(_activation(layer.get("activation", "identity")))
        elif kind in ("maxpool2d", "avgpool2d"):
            cls = nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d
            stride = layer.get("stride", layer["kernel"])
            modules.append(cls(layer["kernel"], stride=stride))
            size = (shape[1] - layer["kernel"]) // stride + 1
            shape = [shape[0], size, size]
        elif kind == "flatten":
            modules.append(nn.Flatten(0))
            shape = [math.prod(shape)]
        else:
            m = nn.Linear(shape[0], layer["units"], bias=bias).double()
            m.weight.data = torch.tensor(params[f"W{l}"], dtype=torch.float64)
            names.append((m.weight, f"W{l}"))
            if bias:
                m.bias.data = torch.tensor(params[f"b{l}"], dtype=torch.float64)
                names.append((m.bias, f"b{l}"))
            modules.append(m)
            modules.append(_activation(layer.get("activation", "identity")))
            shape = [layer["units"]]
    return nn.Sequential(*modules), names


def _activation(name: str):
    nn = torch.nn
    return {"identity": nn.Identity(), "relu": nn.ReLU(), "tanh": nn.Tanh(),
            "sigmoid": nn.Sigmoid(), "softmax": nn.Softmax(dim=0)}[name]


def _loss(name: str, yhat, y):
    if name == "cross_entropy":
        return -(y * torch.log(yhat)).sum()
    if name == "half_squared_error":
        return 0.5 * ((yhat - y) ** 2).sum()
    if name == "squared_error":
        return ((yhat - y) ** 2).sum()
    if name == "bce":
        return torch.nn.functional.binary_cross_entropy(yhat, y, reduction="sum")
    raise AssertionError(name)


def _target(spec, y, outputs):
    if isinstance(y, int) and spec["loss"] == "cross_entropy":
        return torch.nn.functional.one_hot(torch.tensor(y), outputs).double()
    return torch.tensor(y if isinstance(y, list) else [y], dtype=torch.float64)


def _torch_run(spec: dict):
    """The loss and gradients at the given parameters, and the parameters and loss after
    each SGD step (full batch, mean over the samples), by torch."""
    model, names = _torch_model(spec)
    shape = spec["network"]["inputs"]
    data = spec["data"]
    opt = spec["optimizer"]
    sgd = _optimizer(opt, model.parameters())

    def loss_of():
        total = 0
        for sample in data:
            x = torch.tensor(sample["x"], dtype=torch.float64).reshape(shape)
            yhat = model(x)
            total = total + _loss(spec["loss"], yhat, _target(spec, sample["y"], yhat.numel()))
        return total / len(data)

    loss = loss_of()
    sgd.zero_grad()
    loss.backward()
    first = (loss.item(), {name: p.grad.clone() for p, name in names})
    steps = []
    sgd.step()
    for _ in range(opt["steps"]):
        after = loss_of()
        steps.append(({name: p.detach().clone() for p, name in names}, after.item()))
        sgd.zero_grad()
        after.backward()
        sgd.step()
    return first, steps


def _optimizer(opt: dict, parameters):
    """torch.optim's own optimizer for the spec's `optimizer:` (SGD, momentum, Adam)."""
    if opt.get("type") == "adam":
        return torch.optim.Adam(parameters, lr=opt["lr"])
    return torch.optim.SGD(parameters, lr=opt["lr"], momentum=opt.get("momentum", 0),
                           nesterov=opt.get("nesterov", False))


def _close(ours, theirs):
    ours = torch.tensor(ours, dtype=torch.float64)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert torch.allclose(ours, theirs, rtol=0, atol=TOL), (ours, theirs)


def _check(text: str):
    spec = yaml.safe_load(text)
    data = api.solve(text).to_json()
    (loss, grads), steps = _torch_run(spec)
    assert abs(data["loss"] - loss) < TOL
    assert set(data["gradients"]) == set(grads)
    for name, grad in grads.items():
        _close(data["gradients"][name], grad)
    assert len(data["updates"]) == len(steps)
    for update, (params, after) in zip(data["updates"], steps):
        for name, value in params.items():
            _close(update["params"][name], value)
        assert abs(update["loss"] - after) < TOL
    return data


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_agree_with_torch(name):
    _check((ROOT / "problems" / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("optimizer", ["{type: adam, lr: 0.05, steps: 3}",
                                       "{type: sgd, lr: 0.1, momentum: 0.9, nesterov: true, steps: 3}"],
                         ids=["adam", "nesterov"])
def test_optimizers_with_state_agree_with_torch(optimizer):
    """'everything else as for dense layers': a conv network under Adam and momentum."""
    text = (ROOT / "problems" / "conv_two_channel_stride2_pad1.yaml").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("optimizer:"))
    _check(text + f"\noptimizer: {optimizer}\n")


def test_conv1d_with_two_samples_and_two_steps_agrees_with_torch():
    _check(CONV1D_AVGPOOL)


def test_avgpool_after_padded_conv_agrees_with_torch():
    _check(AVGPOOL)


def test_maxpool_tie_goes_to_the_first_largest_as_torch():
    """The first example's window (2, 2) holds 0.6 twice: torch sends its gradient to the
    first in row-major order, and so must we."""
    x = torch.tensor([[[0.6, 0.0], [0.6, 0.1]]], dtype=torch.float64, requires_grad=True)
    torch.nn.MaxPool2d(2)(x).sum().backward()
    assert x.grad.flatten().tolist() == [1.0, 0.0, 0.0, 0.0]
    data = api.solve((ROOT / "problems" / EXAMPLES[0]).read_text(encoding="utf-8")).to_json()
    assert data["samples"][0]["values"]["a1"][0][1][1] == 0.6
    assert data["samples"][0]["values"]["a1"][0][2][1] == 0.6


def test_names_count_pooling_and_flatten_layers():
    data = api.solve((ROOT / "problems" / EXAMPLES[0]).read_text(encoding="utf-8")).to_json()
    assert list(data["gradients"]) == ["K1", "b1", "W4", "b4"]
    assert list(data["samples"][0]["values"]) == ["z1", "a1", "a2", "a3", "z4", "yhat"]
    assert json.dumps(data["samples"][0]["values"]["a3"]) == "[1.1, 1.6, 2.6, 0.6]"


BAD = [  # (what the example says, what the bad spec says instead, field, words of the message)
    ("kernel: 2, stride: 1, activation", "kernel: 5, stride: 1, activation",
     "network.layers[0].kernel", "larger than its input"),
    ("{type: maxpool2d, kernel: 2, stride: 1}", "{type: maxpool2d, kernel: 2, stride: 2}",
     "network.layers[1].stride", "is not a whole number"),
    ("K1: [[[[0.5, -0.25], [0.25, 0.5]]]]", "K1: [[0.5, -0.25], [0.25, 0.5]]",
     "params.K1", "needs 1×1×2×2"),
    ("K1: [[[[0.5, -0.25], [0.25, 0.5]]]]", "K1: [[[[0.5, -0.25, 1], [0.25, 0.5, 1]]]]",
     "params.K1", "is 1×1×2×3"),
    ("inputs: [1, 4, 4]", "inputs: 16", "network.inputs", "needs an input shape"),
    ("inputs: [1, 4, 4]", "inputs: [1, 4]", "network.inputs", "not 1×4"),
    ("    - {type: flatten}\n", "", "network.layers[2]", "put {type: flatten} before it"),
    ("W4:", "W2:", "params.W2", "pooling and flatten counted"),
    ("  - x: [[1, 0, 2, 1],", "  - x: [[1, 0, 2],", "data[0].x", "1×4×4"),
    ("{type: conv2d,", "{type: conv3d,", "network.layers[0].type", "did you mean 'conv2d'"),
    ("stride: 1, activation", "stride: 1, padding: 2, activation",
     "network.layers[0].padding", "not less than the kernel"),
    ("{units: 2, activation: softmax}", "{units: n1, activation: softmax}",
     "network.layers[3].units", "has numbers of units"),
]


@pytest.mark.parametrize("old, new, field, words", BAD, ids=[b[2] + ":" + b[3] for b in BAD])
def test_bad_specs_name_the_field_and_line(tmp_path, old, new, field, words):
    import subprocess
    import sys
    text = (ROOT / "problems" / EXAMPLES[0]).read_text(encoding="utf-8")
    assert old in text
    spec = tmp_path / "bad.yaml"
    spec.write_text(text.replace(old, new), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", str(spec)],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1
    assert f"in {field}:" in run.stderr and ", line " in run.stderr
    assert words in run.stderr
