"""Derivatives of the network's input and asked derivatives (`ask:`) in networks with conv,
pooling, flatten, batchnorm or rnn layers, against torch.autograd (float64, 1e-10).
Skipped where torch is not installed."""

from __future__ import annotations

import pytest
import yaml

from backprop_cli import api
from support import PROBLEMS

torch = pytest.importorskip("torch")

from test_conv import _check, _loss, _target, _torch_model  # noqa: E402

TOL = 1e-10
CONV = ["conv_relu_maxpool_dense.yaml", "conv_two_channel_stride2_pad1.yaml",
        "conv_two_layers_full_convolution.yaml", "conv1d_two_steps.yaml", "conv_asked.yaml"]


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


def test_the_maps_after_step_1_agree_with_torch():
    """conv1d_two_steps.yaml: the loss, gradients and SGD steps (test_conv's check), then
    the pass after step 1, whose δ maps and ∂L/∂x the key lays out: its gradients and
    input adjoints at the parameters after one step, by torch."""
    text = (PROBLEMS / "conv1d_two_steps.yaml").read_text()
    spec = yaml.safe_load(text)
    data = _check(text)
    after = {k: v for k, v in data["updates"][0]["params"].items()}
    result = api.solve(text)._result
    second = result.scalar.passes[1]
    assert second.iteration == 1 and second.gradients
    model, names = _torch_model(dict(spec, params=after))
    x = _tensor(spec["data"][0]["x"]).reshape(spec["network"]["inputs"])
    loss = _loss(spec["loss"], model(x), _target(spec, spec["data"][0]["y"], 1))
    grads = torch.autograd.grad(loss, [p for p, _ in names])
    for (_, name), theirs in zip(names, grads):
        tensor = next(t for t in result.network.tensors() if t.plain == name)
        _close(_map(tensor, second.gradients), theirs, name)
    (theirs,) = _sample_input_grads(spec, after)
    _close(_map(result.network.x, result.input_adjoints[1][0]), theirs, "dx after step 1")


# --- asked derivatives (ask:) ------------------------------------------------------------------

def _answers(text: str) -> dict:
    return {a["name"]: a["value"] for a in api.solve(text).to_json()["answers"]}


def _jacobian(f, at):
    return torch.autograd.functional.jacobian(f, at)


def _conv_parts(spec: dict):
    """The example's torch modules, and sample k's input and loss as functions."""
    model, names = _torch_model(spec)
    shape = spec["network"]["inputs"]

    def x_of(k):
        return _tensor(spec["data"][k - 1]["x"]).reshape(shape)

    def loss_of(k, yhat):
        return _loss(spec["loss"], yhat, _target(spec, spec["data"][k - 1]["y"], yhat.numel()))
    return model, dict((n, p) for p, n in names), x_of, loss_of


def test_conv_asked_derivatives_agree_with_torch():
    text = (PROBLEMS / "conv_asked.yaml").read_text()
    spec = yaml.safe_load(text)
    ours = _answers(text)
    model, params, x_of, loss_of = _conv_parts(spec)
    head, pool, tail = model[:2], model[2], model[3:]
    # samples.1.dL/dx: sample 1's own loss by its input
    x = x_of(1).requires_grad_(True)
    _close(ours["samples.1.dL/dx"], torch.autograd.grad(loss_of(1, model(x)), x)[0], "dx")
    # dL/dK1: the mean loss's gradient
    total = (loss_of(1, model(x_of(1))) + loss_of(2, model(x_of(2)))) / 2
    _close(ours["dL/dK1"], torch.autograd.grad(total, params["K1"])[0], "dK1")
    # samples.2.d(a2)/d(a1): the max-pool's Jacobian, A's shape then B's
    a1 = head(x_of(2)).detach()
    _close(ours["samples.2.d(a2)/d(a1)"], _jacobian(pool, a1), "pool")
    # samples.2.dL/da1: sample 2's loss by the first feature map
    a1 = a1.clone().requires_grad_(True)
    _close(ours["samples.2.dL/da1"], torch.autograd.grad(loss_of(2, tail(pool(a1))), a1)[0], "da1")


TWO_CHANNELS = (PROBLEMS / "conv_two_channel_stride2_pad1.yaml").read_text()


@pytest.mark.parametrize("asked", ["dL/dx", "d(yhat)/d(K1)", "d(a1)/d(x)", "dL/da1", "dL/da2"])
def test_more_conv_requests_agree_with_torch(asked):
    """Two channels, stride 2, padding 1 (and whatever samples the example has)."""
    text = TWO_CHANNELS.split("\nask:")[0] + f"\nask:\n  - {asked}\n"
    spec = yaml.safe_load(text)
    m = len(spec["data"])
    if m > 1 and not asked.startswith("dL"):
        text = text.replace(f"  - {asked}", f"  - samples.1.{asked}")
    value = list(_answers(text).values())[0]
    model, params, x_of, loss_of = _conv_parts(spec)
    layers = {"d(a1)/d(x)": model[:2], "dL/da1": model[2:], "dL/da2": model[3:]}

    def sample(k):
        x = x_of(k)
        if asked == "dL/dx":
            x = x.requires_grad_(True)
            return torch.autograd.grad(loss_of(k, model(x)), x)[0] / m
        if asked == "d(yhat)/d(K1)":
            conv = model[0]
            return _jacobian(lambda K: model[1:](torch.nn.functional.conv2d(
                x, K, conv.bias, conv.stride, conv.padding)), params["K1"].detach())
        if asked == "d(a1)/d(x)":
            return _jacobian(layers[asked], x)
        a = model[:2 if asked == "dL/da1" else 3](x).detach().requires_grad_(True)
        return torch.autograd.grad(loss_of(k, layers[asked](a)), a)[0] / m  # a2: a1 flattened
    if asked.startswith("dL") and m > 1:  # one row per sample, each scaled as the loss
        _close(value, torch.stack([sample(k) for k in range(1, m + 1)]), asked)
    else:
        _close(value, sample(1), asked)


def test_batchnorm_asked_derivatives_agree_with_torch():
    text = (PROBLEMS / "batchnorm_asked.yaml").read_text()
    spec = yaml.safe_load(text)
    ours = _answers(text)
    p = {k: _tensor(v) for k, v in spec["params"].items()}
    eps = 1e-5
    X = _tensor([s["x"] for s in spec["data"]])
    Y = _tensor([[s["y"]] for s in spec["data"]])

    def after_mu(a1, mu, gamma=p["gamma2"]):  # the graph's: σ² from μ, x̂ from both
        var = ((a1 - mu) ** 2).mean(0)
        xhat = (a1 - mu) / torch.sqrt(var + eps)
        return torch.relu(gamma * xhat + p["beta2"]) @ p["W3"].T + p["b3"]

    def loss(yhat):
        return 0.5 * ((yhat - Y) ** 2).sum(1).mean()

    def forward(x, gamma=p["gamma2"]):
        a1 = x @ p["W1"].T
        return after_mu(a1, a1.mean(0), gamma)
    x = X.clone().requires_grad_(True)
    _close(ours["dL/dx"], torch.autograd.grad(loss(forward(x)), x)[0], "dx")
    gamma = p["gamma2"].clone().requires_grad_(True)
    _close(ours["dL/dgamma2"], torch.autograd.grad(loss(forward(X, gamma)), gamma)[0], "dgamma")
    _close(ours["d(yhat)/d(gamma2)"], _jacobian(lambda g: forward(X, g), p["gamma2"]), "dyhat")
    a1 = X @ p["W1"].T
    mu = a1.mean(0)

    def xhat11(m1):
        column = a1[:, 0]
        return (column[0] - m1) / torch.sqrt(((column - m1) ** 2).mean() + eps)
    _close(ours["d(xhat2_1_s1)/d(mu2_1)"], _jacobian(xhat11, mu[0]), "dxhat")
    mu = mu.clone().requires_grad_(True)
    _close(ours["dL/dmu2"], torch.autograd.grad(loss(after_mu(a1, mu)), mu)[0], "dmu")


def test_rnn_asked_derivatives_agree_with_torch():
    text = (PROBLEMS / "rnn_asked.yaml").read_text()
    spec = yaml.safe_load(text)
    ours = _answers(text)
    p = {k: _tensor(v) for k, v in spec["params"].items()}
    xs = _tensor(spec["data"][0]["x"]).reshape(-1, 1)
    ys = _tensor(spec["data"][0]["y"])

    def step(x, h, Whh=p["Whh1"]):
        return torch.tanh(p["Wxh1"] @ x + (Whh @ h if h is not None else 0) + p["b1"])

    def unrolled(x=xs, Whh=p["Whh1"], keep=None):
        h, hs, yhat = None, [], []
        for t in range(len(x)):
            h = step(x[t], h, Whh)
            if keep is not None:
                h.retain_grad()
                keep.append(h)
            hs.append(h)
            yhat.append((p["W2"] @ h + p["b2"])[0])
        return hs, torch.stack(yhat)

    def loss(yhat):
        return 0.5 * ((yhat - ys) ** 2).sum()
    h1 = unrolled()[0][0].detach()
    _close(ours["d(h1_3)/d(h1_1)"], _jacobian(lambda h: step(xs[2], step(xs[1], h)), h1), "dh3dh1")
    Whh = p["Whh1"].clone().requires_grad_(True)
    _close(ours["dL/dWhh1"], torch.autograd.grad(loss(unrolled(Whh=Whh)[1]), Whh)[0], "dWhh")
    x = xs.clone().requires_grad_(True)
    _close(ours["dL/dx"], torch.autograd.grad(loss(unrolled(x)[1]), x)[0], "dx")
    kept = []
    loss(unrolled(xs.clone().requires_grad_(True), keep=kept)[1]).backward()
    _close(ours["dL/dh1"], torch.stack([h.grad for h in kept]), "dh")
    _close(ours["d(yhat_3)/d(Whh1)"], _jacobian(lambda W: unrolled(Whh=W)[1][2], p["Whh1"]), "dy3")


def test_an_entry_by_an_entry_agrees_with_torch():
    """One output entry by one kernel entry, in sample 1 of two: a scalar."""
    text = (PROBLEMS / "conv_asked.yaml").read_text().split("\nask:")[0] + \
        "\nask:\n  - samples.1.d(yhat_2)/d(K1_1_1_2_1)\n"
    spec = yaml.safe_load(text)
    value = list(_answers(text).values())[0]
    model, params, x_of, _ = _conv_parts(spec)
    conv = model[0]

    def yhat2(k21):
        K = params["K1"].detach().clone()
        K[0, 0, 1, 0] = k21
        return model[1:](torch.nn.functional.conv2d(x_of(1), K, conv.bias))[1]
    assert abs(value - _jacobian(yhat2, params["K1"].detach()[0, 0, 1, 0]).item()) < TOL


@pytest.mark.parametrize("asked, words", [
    ("samples.1.d(a1)/d(a2)", "does not depend on 'a2'"),
    ("d(a2)/d(a1)", "say which, like samples.1."),
    ("samples.1.d(a2)/d(a9)", "'a9' is not a quantity"),
])
def test_requests_that_cannot_be_answered_are_refused(asked, words):
    from backprop_cli.errors import SpecError

    text = (PROBLEMS / "conv_asked.yaml").read_text().split("\nask:")[0] + f"\nask:\n  - {asked}\n"
    with pytest.raises(SpecError) as caught:
        api.solve(text).answers
    assert words in str(caught.value)


RNN_LAST = """
network:
  inputs: 1
  layers:
    - {type: rnn, units: 2, activation: tanh, output: last}
    - {units: 2, activation: identity}
params:
  Wxh1: [[0.5], [-0.3]]
  Whh1: [[0.1, -0.2], [0.4, 0.3]]
  b1: [0.1, 0]
  W2: [[0.6, -0.5], [0.2, 0.1]]
  b2: [0.05, 0]
loss: half_squared_error
data:
  - {x: [1, 0.5, -1], y: [0.5, 0.2]}
ask:
  - d(yhat)/d(h1_1)
"""


def test_output_last_a_time_step_by_name_agrees_with_torch():
    """output: last: ŷ (one row) by h at time step 1 (h1_1, a vector of two)."""
    spec = yaml.safe_load(RNN_LAST)
    p = {k: _tensor(v) for k, v in spec["params"].items()}
    xs = _tensor(spec["data"][0]["x"]).reshape(-1, 1)

    def yhat_of(h1):
        h = h1
        for t in (1, 2):
            h = torch.tanh(p["Wxh1"] @ xs[t] + p["Whh1"] @ h + p["b1"])
        return (p["W2"] @ h + p["b2"]).reshape(1, 2)
    h1 = torch.tanh(p["Wxh1"] @ xs[0] + p["b1"])
    _close(_answers(RNN_LAST)["d(yhat)/d(h1_1)"], _jacobian(yhat_of, h1), "dyhat/dh1_1")
