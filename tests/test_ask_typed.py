"""Derivatives of the network's input and asked derivatives (`ask:`) in networks with conv,
pooling, flatten, batchnorm or rnn layers, against torch.autograd (float64, 1e-10).
Skipped where torch is not installed."""

from __future__ import annotations

import pytest
import yaml

from backprop_cli import api
from support import PROBLEMS

torch = pytest.importorskip("torch")

from test_conv import _loss, _target, _torch_model  # noqa: E402

TOL = 1e-10
CONV = ["conv_relu_maxpool_dense.yaml", "conv_two_channel_stride2_pad1.yaml",
        "conv_two_layers_full_convolution.yaml"]


def _tensor(value):
    return torch.tensor(value, dtype=torch.float64)


def _close(ours, theirs, what=""):
    ours = _tensor(ours)
    assert ours.shape == theirs.shape, (what, ours.shape, theirs.shape)
    assert torch.allclose(ours, theirs, rtol=0, atol=TOL), (what, ours, theirs)


def _sample_input_grads(spec: dict, params: dict | None = None) -> list:
    """∂ℓ/∂x of each sample's own loss, by torch (x.requires_grad)."""
    spec = dict(spec, params=params or spec["params"])
    model, _ = _torch_model(spec)
    out = []
    for sample in spec["data"]:
        x = _tensor(sample["x"]).reshape(spec["network"]["inputs"]).requires_grad_(True)
        yhat = model(x)
        loss = _loss(spec["loss"], yhat, _target(spec, sample["y"], yhat.numel()))
        (grad,) = torch.autograd.grad(loss, x)
        out.append(grad)
    return out


def _map(tensor, values: dict):
    """A Tensor's entries as nested lists of floats, from symbol -> value."""
    def walk(e):
        return [walk(i) for i in e] if isinstance(e, tuple) else float(values[e])
    return walk(tensor.entries)


@pytest.mark.parametrize("name", CONV)
def test_the_conv_keys_input_adjoints_agree_with_torch(name):
    text = (PROBLEMS / name).read_text()
    spec = yaml.safe_load(text)
    result = api.solve(text)._result
    first = result.input_adjoints[0]
    assert len(first) == len(spec["data"])
    for ours, theirs in zip(first, _sample_input_grads(spec)):
        _close(_map(result.network.x, ours), theirs, name)
