"""`ask:` (spec/ask.py, answers.py, derivatives.py): every asked derivative against torch
autograd in float64, the errors, the Answers table and the JSON `answers`."""

from __future__ import annotations

import json

import pytest

import backprop_cli as bp
from backprop_cli.errors import SpecError

try:
    import torch
except ImportError:  # the torch oracles skip; the mpmath oracle and the rest still run
    torch = None
else:
    torch.set_default_dtype(torch.float64)
needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

NET = """
network: {inputs: 4, convention: row, bias: false, layers: [{units: 3, activation: relu},
          {units: 2, activation: relu}, {units: 1, activation: identity}]}
params:
  W1: [[0.1, -0.2, 0.3, 0.4], [0.5, 0.1, -0.3, 0.2], [-0.1, 0.2, 0.2, 0.1]]
  W2: [[0.3, -0.1, 0.2], [0.1, 0.4, -0.2]]
  W3: [[0.5, -0.6]]
notation: {loss: l, pre: z, post: h, layer_index: super, vectors: plain}
loss: half_squared_error
"""
W1_, W2_, W3_ = ([[0.1, -0.2, 0.3, 0.4], [0.5, 0.1, -0.3, 0.2], [-0.1, 0.2, 0.2, 0.1]],
                 [[0.3, -0.1, 0.2], [0.1, 0.4, -0.2]], [[0.5, -0.6]])
if torch is not None:
    W1, W2, W3 = torch.tensor(W1_), torch.tensor(W2_), torch.tensor(W3_)


def values(answer):
    return torch.tensor(json.loads(json.dumps(_floats(answer.value))))


def _floats(v):
    return [_floats(x) for x in v] if isinstance(v, list) else float(v)


def close(answer, expected):
    assert torch.allclose(values(answer), expected.reshape(values(answer).shape), atol=1e-10), \
        (answer.name, values(answer), expected)


@needs_torch
def test_layered_local_derivatives_match_torch():
    spec = NET + """data: [{x: [1, 2, 3, 4], y: 1.5}]
ask: ['d(h2_1)/d(W2)', {quantity: 'd(h2)/d(h1)', label: '1.13'}, 'dl/dh1', 'dl/dx', 'dl/dW2',
      'd(z2_2)/d(x)', 'd(h2_1)/d(W2_1_3)']
"""
    answers = {a.name: a for a in bp.solve(spec).answers}
    x = torch.tensor([1., 2, 3, 4])
    h1 = lambda x: torch.relu(x @ W1.T)  # noqa: E731
    h2 = lambda h: torch.relu(h @ W2.T)  # noqa: E731
    loss = lambda h: 0.5 * ((h2(h) @ W3.T).sum() - 1.5) ** 2  # noqa: E731
    close(answers["d(h2_1)/d(W2)"],
          torch.autograd.functional.jacobian(lambda W: torch.relu(h1(x) @ W.T)[0], W2))
    close(answers["d(h2)/d(h1)"], torch.autograd.functional.jacobian(h2, h1(x)))
    assert answers["d(h2)/d(h1)"].label == "1.13"
    close(answers["dl/dh1"], torch.autograd.functional.jacobian(loss, h1(x)))
    close(answers["dl/dx"], torch.autograd.functional.jacobian(lambda x: loss(h1(x)), x))
    close(answers["dl/dW2"], torch.autograd.functional.jacobian(
        lambda W: 0.5 * ((torch.relu(h1(x) @ W.T) @ W3.T).sum() - 1.5) ** 2, W2))
    assert answers["dl/dW2"].key == "gradients.W2"
    close(answers["d(z2_2)/d(x)"], torch.autograd.functional.jacobian(lambda x: (h1(x) @ W2.T)[1], x))
    close(answers["d(h2_1)/d(W2_1_3)"], torch.autograd.functional.jacobian(
        lambda W: torch.relu(h1(x) @ W.T)[0], W2)[0, 2])


@needs_torch
def test_batch_rows_and_summed_gradients_match_torch():
    spec = NET + """data: [{x: [1, 2, 3, 4], y: 1.5}, {x: [0.5, -1, 2, 1], y: -0.5}]
ask: ['dl/dh2', 'dl/dh1', 'dl/dW2_1_2', 'samples.2.d(h2)/d(h1)']
"""
    answers = {a.name: a for a in bp.solve(spec).answers}
    X = torch.tensor([[1., 2, 3, 4], [0.5, -1, 2, 1]])
    Y = torch.tensor([1.5, -0.5])
    H1 = torch.relu(X @ W1.T)
    loss2 = lambda H2: (0.5 * ((H2 @ W3.T).squeeze(1) - Y) ** 2).mean()  # noqa: E731
    close(answers["dl/dh2"], torch.autograd.functional.jacobian(loss2, torch.relu(H1 @ W2.T)))
    close(answers["dl/dh1"], torch.autograd.functional.jacobian(
        lambda H: loss2(torch.relu(H @ W2.T)), H1))
    close(answers["dl/dW2_1_2"], torch.autograd.functional.jacobian(
        lambda W: loss2(torch.relu(H1 @ W.T)), W2)[0, 1])
    close(answers["samples.2.d(h2)/d(h1)"], torch.autograd.functional.jacobian(
        lambda h: torch.relu(h @ W2.T), H1[1]))


@needs_torch
def test_upstream_layer_exercise_dx_dw_db():
    answers = {a.label: a for a in bp.solve("problems/layer_upstream_dx_dw_db.yaml").answers}
    X = torch.tensor([[1., 2, -1], [-0.5, 1, 2]], requires_grad=True)
    W = torch.tensor([[0.2, -0.5, 0.1], [0.4, 0.3, -0.2]], requires_grad=True)
    b = torch.tensor([0.1, -0.1], requires_grad=True)
    dout = torch.tensor([[1., -2], [0.5, 3]])
    (torch.relu(X @ W.T + b) * dout).sum().backward()
    close(answers["dx"], X.grad)
    close(answers["dW"], W.grad)
    close(answers["db"], b.grad)


@needs_torch
def test_graph_form_derivatives_match_torch():
    answers = {a.label: a for a in bp.solve("""
inputs: [x1, x2]
params: {w0: 1, w1: 1, w2: 0, w3: 1, w4: 0.5}
nodes: {h: sigmoid(w0*x1 + w1*x2 + w2), yhat: w3*h**2 + w4*h}
loss: squared_error
data: [{x1: 2, x2: 1, y: 1.3}, {x1: -3, x2: 2, y: 1.9}]
ask: [{quantity: 'samples.2.d(yhat)/d(x1)', label: a}, {quantity: dL/dh, label: b},
      {quantity: 'samples.1.dl/dx2', label: c}, {quantity: dL/dw0, label: d}]
""").answers}
    xs, ys = torch.tensor([[2., 1], [-3, 2]]), torch.tensor([1.3, 1.9])

    def yhat(x, h=None):
        h = torch.sigmoid(x[0] + x[1]) if h is None else h
        return h ** 2 + 0.5 * h
    close(answers["a"], torch.autograd.functional.jacobian(lambda x: yhat(torch.stack([x, xs[1][1]])), xs[1][0]))
    hs = torch.sigmoid(xs.sum(1))
    close(answers["b"], torch.autograd.functional.jacobian(
        lambda h: ((torch.stack([yhat(None, h[0]), yhat(None, h[1])]) - ys) ** 2).mean(), hs))
    close(answers["c"], torch.autograd.functional.jacobian(
        lambda x2: (yhat(torch.stack([xs[0][0], x2])) - ys[0]) ** 2, xs[0][1]))
    w0 = torch.tensor(1., requires_grad=True)
    (((torch.sigmoid(w0 * xs[:, 0] + xs[:, 1]) ** 2 + 0.5 * torch.sigmoid(w0 * xs[:, 0] + xs[:, 1]))
      - ys) ** 2).mean().backward()
    close(answers["d"], w0.grad)


@pytest.mark.parametrize("ask, field, words", [
    ("[gradient.w]", "ask[0]", "did you mean 'gradients.w'"),
    ("[loss, {quantity: 'd(yhat)/d(w9)'}]", "ask[1].quantity", "'w9' is not a quantity"),
    ("['d(h)/d(x1)']", "ask[0]", "say which, like samples.1.d(h)/d(x1)"),
    ("['d(x1)/d(h)']", "ask[0]", "does not depend"),
    ("['samples.1.d(h)/d(yhat)']", "ask[0]", "'h' does not depend on 'yhat'"),
    ("['dL/dy']", "ask[0]", "'y' is a target"),
    ("['samples.2.d(h)/d(h)']", "ask[0]", "by itself"),
    ("['samples.3.dL/dh']", "ask[0]", "there is no sample 3"),
    ("[{quantity: loss, colour: red}]", "ask[0].colour", "unknown key"),
    ("[{quantity: loss, label: a}, {quantity: L, label: a}]", "ask[1].label", "its own"),
    ("[]", "ask", "is empty"),
])
def test_ask_errors_name_field_and_line(ask, field, words):
    spec = f"""inputs: [x1]
params: {{w: 2}}
nodes: {{h: w*x1, yhat: h**2}}
loss: squared_error
data: [{{x1: 1, y: 0}}, {{x1: 2, y: 1}}]
ask: {ask}
"""
    with pytest.raises(SpecError) as info:
        bp.solve(spec)
    assert info.value.field == field and info.value.line == 6 and words in str(info.value), \
        (info.value.field, info.value.line, str(info.value))


def test_answers_table_and_json():
    sol = bp.solve("problems/layer_upstream_dx_dw_db.yaml")
    text = sol.to_text()
    assert text.rstrip().splitlines()[-2].lstrip().startswith("dW") is False  # the table ends it
    tail = text[text.rindex("Answers"):]
    assert "dx" in tail and "db" in tail and "[0  −2]" in tail
    latex = sol.to_latex()
    assert "\\subsection*{Answers}" in latex and latex.index("Answers}") > latex.index("Asked derivatives")
    data = sol.to_json()["answers"]
    assert [a["label"] for a in data] == ["dx", "dW", "db"]
    assert data[2] == {"name": "dL/db1", "key": "gradients.b1", "label": "db", "text": None,
                       "value": [0.0, -2.0]}


def test_default_answers_are_the_loss_and_every_gradient_only_in_json():
    sol = bp.solve("problems/seed001_relu_two_samples.yaml")
    assert [a.key for a in sol.answers] == ["loss"] + [f"gradients.w{i}" for i in range(5)]
    assert all(a.label is None for a in sol.answers)
    assert "Answers" not in sol.to_text()
    assert [a["key"] for a in sol.to_json()["answers"]][0] == "loss"
    calculus = bp.solve("problems/calculus_long_chain.yaml")
    assert [a.key for a in calculus.answers] == ["at.df/dx", "at.df/dy", "at.df/dz"]


@needs_torch
def test_graph_form_upstream_gradient():
    sol = bp.solve("""
inputs: [x, y]
params: {w: 2}
nodes: {q: w*x + y, f: sigmoid(q)*x}
data: [{x: 1, y: -2}, {x: 0.5, y: 1}]
upstream: {f: [1.5, -1]}
ask: ['dL/dx', 'dL/dw', 'samples.2.d(f)/d(y)']
""")
    answers = {a.name: a for a in sol.answers}
    x = torch.tensor([1., 0.5], requires_grad=True)
    y = torch.tensor([-2., 1], requires_grad=True)
    w = torch.tensor(2., requires_grad=True)
    f = torch.sigmoid(w * x + y) * x
    (f * torch.tensor([1.5, -1])).sum().backward()
    close(answers["dL/dx"], x.grad)
    close(answers["dL/dw"], w.grad)
    close(answers["samples.2.d(f)/d(y)"], torch.sigmoid(w * x + y)[1].detach() *
          (1 - torch.sigmoid(w * x + y)[1].detach()) * 0.5)
    assert abs(float(sol.quantity("loss").value) - float((f.detach() * torch.tensor([1.5, -1])).sum())) < 1e-12
    assert "g = 1.5" in sol.to_text()  # the given gradient is a target g of each sample


@pytest.mark.parametrize("spec, field, words", [
    ("upstream: {f: 1}\nloss: (f - y)**2", "upstream", "instead of a loss"),
    ("upstream: {h: 1}", "upstream.h", "'h' is not a node"),
    ("upstream: {f: [1, 2]}", "upstream.f", "one number per sample"),
])
def test_upstream_errors(spec, field, words):
    with pytest.raises(SpecError) as info:
        bp.solve(f"inputs: [x]\nparams: {{w: 2}}\nnodes: {{f: w*x}}\ndata: [{{x: 1}}]\n{spec}\n")
    assert info.value.field == field and words in str(info.value), (info.value.field, str(info.value))


def test_calculus_asks_for_its_own_derivatives():
    sol = bp.solve("""
function: {f: x**2*y}
wrt: [x, y]
at: {x: 1, y: 3}
ask: [{quantity: 'df/dx', label: a}, 'derivatives.df/dy']
""")
    assert [(a.key, a.value) for a in sol.answers] == [("at.df/dx", 6), ("derivatives.df/dy",
                                                                          sol.answers[1].value)]
    assert str(sol.answers[1].value) == "x**2"
    assert "Answers" in sol.to_text() and "\\subsection*{Answers}" in sol.to_latex()
    with pytest.raises(SpecError) as info:
        bp.solve("function: {f: x**2}\nask: ['df/dz']\n")
    assert info.value.field == "ask[0]" and "unknown quantity" in str(info.value)


# -- every numeric layered example: ∂ℓ/∂x and ∂ŷ/∂a⁽¹⁾ of sample 1 against the mpmath oracle --

def _layered_examples():
    from pathlib import Path

    import layered_oracle as lo

    for path in sorted(Path("problems").glob("*.yaml")):
        text = path.read_text()
        if not lo.is_layered(text) or "\nask:" in text:
            continue
        try:
            problem = lo.load(text)
        except lo.OracleError:
            continue
        if not problem.near_kink():
            yield pytest.param(path, problem, id=path.stem)


@pytest.mark.parametrize("path, problem", list(_layered_examples()))
def test_layered_examples_input_and_hidden_jacobians_match_the_oracle(path, problem):
    import layered_oracle as lo

    H = lo.H
    params = problem.params
    x, y = problem.samples[0]
    asks = ["samples.1.dl/dx"] + (["samples.1.d(yhat)/d(a1)"] if len(problem.layers) > 1 else [])
    sol = bp.solve(path.read_text() + f"\nask: {asks}\n")
    answers = {a.name: a for a in sol.answers}

    def loss_at(v):
        return lo.sample_loss(problem.loss_type, problem.forward(params, v)[-1][1], y)

    def moved(v, i, step):
        return [e + (step if j == i else 0) for j, e in enumerate(v)]
    expected = [(loss_at(moved(x, i, H)) - loss_at(moved(x, i, -H))) / (2 * H) for i in range(len(x))]
    got = lo.as_floats(_floats(answers["samples.1.dl/dx"].value))
    assert all(lo.close(g, e) for g, e in zip(got, expected)), (got, expected)
    if len(problem.layers) > 1:
        # the network after layer 1, fed a⁽¹⁾: its layers and parameters renumbered from 1
        rest = lo.LayeredProblem(len(params["W2"][0]), problem.layers[1:],
                                 {f"{k[0]}{int(k[1:]) - 1}": v for k, v in params.items()
                                  if int(k[1:]) > 1}, problem.samples, problem.loss_type,
                                 problem.reduction, None, 0)
        a1 = problem.forward(params, x)[0][1]
        columns = [[(r - s) / (2 * H) for r, s in zip(rest.forward(rest.params, moved(a1, i, H))[-1][1],
                                                      rest.forward(rest.params, moved(a1, i, -H))[-1][1])]
                   for i in range(len(a1))]
        jacobian = [[columns[j][i] for j in range(len(a1))] for i in range(len(columns[0]))]
        got = _floats(answers["samples.1.d(yhat)/d(a1)"].value)
        got = got if isinstance(got[0], list) else [got]
        assert all(lo.close(g, e) for gr, er in zip(got, jacobian) for g, e in zip(gr, er)), \
            (got, jacobian)


# -- every numeric graph example: ∂ℓ⁽¹⁾/∂(each input) against the mpmath oracle ------------------

def _graph_examples():
    from pathlib import Path

    import yaml

    import oracle
    import layered_oracle as lo

    for path in sorted(Path("problems").glob("*.yaml")):
        text = path.read_text()
        data = yaml.safe_load(text)
        if lo.is_layered(text) or "function" in data or "\nask:" in text or "nodes" not in data \
                or not data.get("inputs") \
                or any("softmax(" in str(f) for f in data["nodes"].values()):
            continue  # gates of parameters only (no input to ask for); a softmax node,
            # which the oracle cannot read (test_graph_softmax.py checks those with torch)
        try:
            problem = oracle.load(text)
        except oracle.OracleError:
            continue
        numbers = all(v is not None for v in problem.values.values()) and \
            all(v is not None for s in problem.samples for v in s.values())
        if numbers and not problem.near_kink() and (problem.loss_formula is not None or problem.loss_type):
            yield pytest.param(path, problem, list(data["inputs"]), id=path.stem)


@pytest.mark.parametrize("path, problem, inputs", list(_graph_examples()))
def test_graph_examples_input_derivatives_match_the_oracle(path, problem, inputs):
    import oracle

    h = oracle.MP.mpf("1e-20")
    asks = [f"samples.1.dl/d{name}" for name in inputs]
    sol = bp.solve(path.read_text() + f"\nask: {asks}\n")
    sample = problem.samples[0]
    params = {p: problem.values[p] for p in problem.params}
    for name, answer in zip(inputs, sol.answers):
        up, down = dict(sample), dict(sample)
        up[name] += h
        down[name] -= h
        expected = (problem.sample_values(params, up)["loss"]
                    - problem.sample_values(params, down)["loss"]) / (2 * h)
        assert oracle.close(answer.value, expected, rel="1e-20", absolute="1e-25"), \
            (name, answer.value, expected)
