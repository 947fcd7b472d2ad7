"""--view for networks with a batchnorm or rnn layer (issue 18): the matrix view's numbers
are PyTorch's (float64, autograd with retain_grad on every intermediate, to 1e-10), each
line's result the quantity its left side names; --view scalar and both lay out the parts
as for dense layers."""

from __future__ import annotations

import re

import pytest
import yaml

from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from backprop_cli.sheet import build_sheet
from backprop_cli.sheet.model import Mat, MatrixLine, Worked
from support import PROBLEMS
from test_batchnorm_rnn import BATCHNORM_WITH_BIAS, RNN_LAST, RNN_RELU_SUM

TOL = 1e-10
SCALAR = "Entry by entry (scalar view)"


def sheet_of(name: str, view: str = "matrix"):
    solution = solve_text((PROBLEMS / f"{name}.yaml").read_bytes(), name)
    return build_sheet(solution, Settings(view=view), matrix_lines=True)


def spec_of(name: str) -> dict:
    return yaml.safe_load((PROBLEMS / f"{name}.yaml").read_text(encoding="utf-8"))


def _numbers(mat: Mat) -> list:
    return [float(v) for row in mat.rows for v in row]


def _matrix_sections(sheet):
    return [s for s in sheet.sections if s.matrix]


def _check(sheet, expected) -> int:
    """Every matrix line's result is the torch quantity its left side names (in the pass
    and sample its section is of); every number written anywhere in a matrix line is one of
    torch's; the engine's loss lines are torch's losses. `expected(title)`: (name -> flat
    list of floats, loss name -> float) for the section of that title."""
    checked = 0
    for section in _matrix_sections(sheet):
        known, losses = expected(section.title)
        pool = sorted({v for values in known.values() for v in values} | {1.0, 0.0})
        for line in section.blocks:
            if isinstance(line, Worked):  # the engine's loss lines: ℓ of a sample or a step, L
                name = sheet.names[line.lhs].plain
                assert abs(float(line.value) - losses[name]) <= TOL, (section.title, name)
                checked += 1
                continue
            assert isinstance(line, MatrixLine)
            lhs = "".join(p.unicode for p in line.lhs)
            if line.relation == "←":
                lhs += " after"
            assert lhs in known, f"{section.title}: no torch quantity for {lhs}"
            result = line.forms[-1]
            assert len(result) == 1 and isinstance(result[0], Mat), lhs
            ours, theirs = _numbers(result[0]), known[lhs]
            assert len(ours) == len(theirs), lhs
            for a, b in zip(ours, theirs):
                assert abs(a - b) <= TOL * max(1.0, abs(b)), f"{section.title}: {lhs} {ours} != {theirs}"
            for form in line.forms:  # the factors written out: each of them torch's too
                for piece in form:
                    if isinstance(piece, Mat):
                        for v in _numbers(piece):
                            assert any(abs(v - p) <= TOL * max(1.0, abs(p)) for p in pool), (lhs, v)
            checked += 1
    return checked


def _flat(v) -> list:
    return [float(x) for x in v.detach().reshape(-1).tolist()]


def _step_of(title: str) -> int:
    """0 for the given parameters' passes, k for step k's and the passes after it."""
    found = re.search(r"step (\d+)", title)
    return int(found.group(1)) if found else 0


def _training(torch, spec, params, run):
    """SGD as the spec says: at each step `run(values)` gives (quantities, own gradients
    per sample, losses, the gradient); returns expected(title) for _check."""
    lr, steps = spec["optimizer"]["lr"], spec["optimizer"].get("steps", 1)
    passes, updates = [], []
    values = params
    for k in range(steps + 1):
        passes.append(run(values))
        if k < steps:
            gradient = passes[-1][3]
            new = {n: (v - lr * gradient[n]).detach() for n, v in values.items()}
            updates.append({**{f"{n} after": _flat(new[n]) for n in new},
                            **{n: _flat(values[n]) for n in new},
                            **{f"∂L/∂{n}": _flat(gradient[n]) for n in new}})
            values = new

    def expected(title):
        k = _step_of(title)
        if title.startswith("Gradient-descent step"):
            return updates[k - 1], {}
        quantities, losses = passes[k][0], passes[k][2]
        sample = re.search(r"sample (\d+)", title)
        at = int(sample.group(1)) - 1 if sample else -1
        return quantities[at], losses[at]
    return expected


# --- batch normalization -------------------------------------------------------------------

def _batchnorm_expected(torch, spec):
    """The spec's Linear -> batch norm -> activation -> Linear step by step in torch, every
    intermediate retaining its grad."""
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    p = spec["params"]
    layers = spec["network"]["layers"]
    eps = float(layers[1].get("eps", 1e-5))
    act = {"relu": torch.relu, "tanh": torch.tanh, "identity": lambda z: z * 1.0}[layers[1]["activation"]]
    names = {"W1": "W⁽¹⁾", "b1": "b⁽¹⁾", "gamma2": "γ⁽²⁾", "beta2": "β⁽²⁾", "W3": "W⁽³⁾", "b3": "b⁽³⁾"}
    params = {names[k]: t(v) for k, v in p.items()}
    X = t([d["x"] for d in spec["data"]])
    Y = t([[d["y"]] for d in spec["data"]])

    def run(values):
        values = {k: v.clone().requires_grad_(True) for k, v in values.items()}
        q = {}
        q["Z⁽¹⁾"] = X @ values["W⁽¹⁾"].T + (values["b⁽¹⁾"] if "b⁽¹⁾" in values else 0)
        q["A⁽¹⁾"] = q["Z⁽¹⁾"] * 1.0  # identity: its own node, as the engine's a⁽¹⁾
        q["μ⁽²⁾"] = q["A⁽¹⁾"].mean(0)
        q["σ²⁽²⁾"] = ((q["A⁽¹⁾"] - q["μ⁽²⁾"]) ** 2).mean(0)
        q["X̂⁽²⁾"] = (q["A⁽¹⁾"] - q["μ⁽²⁾"]) / torch.sqrt(q["σ²⁽²⁾"] + eps)
        q["Z⁽²⁾"] = values["γ⁽²⁾"] * q["X̂⁽²⁾"] + values["β⁽²⁾"]
        q["A⁽²⁾"] = act(q["Z⁽²⁾"])
        q["Z⁽³⁾"] = q["A⁽²⁾"] @ values["W⁽³⁾"].T + values["b⁽³⁾"]
        q["Ŷ"] = q["Z⁽³⁾"] * 1.0
        own = 0.5 * ((q["Ŷ"] - Y) ** 2).sum(1)
        loss = own.mean() if spec.get("reduction", "mean") == "mean" else own.sum()
        for v in q.values():
            v.retain_grad()
        loss.backward()
        out = {k: _flat(v) for k, v in q.items()} | {k: _flat(v) for k, v in values.items()}
        out |= {f"∂L/∂{k}": _flat(v.grad) for k, v in list(q.items()) + list(values.items())}
        out["X"] = _flat(X)
        out["f′"] = _flat(1 - q["A⁽²⁾"] ** 2) if layers[1]["activation"] == "tanh" else []
        losses = {f"l_s{i + 1}": float(v.detach()) for i, v in enumerate(own)} | {"L": float(loss.detach())}
        return [out], None, [losses], {k: v.grad for k, v in values.items()}
    return _training(torch, spec, params, run)


@pytest.mark.parametrize("text", [(PROBLEMS / "batchnorm_batch_of_four.yaml").read_text(encoding="utf-8"),
                                  BATCHNORM_WITH_BIAS], ids=["example", "bias_tanh_eps"])
def test_batchnorm_matrix_view_is_torchs(text):
    torch = pytest.importorskip("torch")
    sheet = build_sheet(solve_text(text.encode(), "bn"), Settings(), matrix_lines=True)
    checked = _check(sheet, _batchnorm_expected(torch, yaml.safe_load(text)))
    lhs = {"".join(p.unicode for p in line.lhs) for s in _matrix_sections(sheet) for line in s.blocks
           if isinstance(line, MatrixLine)}
    # the backward pass the course writes, every stage of it
    assert {"∂L/∂Ŷ", "∂L/∂Z⁽²⁾", "∂L/∂γ⁽²⁾", "∂L/∂β⁽²⁾", "∂L/∂X̂⁽²⁾", "∂L/∂σ²⁽²⁾", "∂L/∂μ⁽²⁾",
            "∂L/∂A⁽¹⁾", "∂L/∂W⁽¹⁾", "∂L/∂W⁽³⁾", "∂L/∂b⁽³⁾"} <= lhs
    assert checked >= 40


# --- the recurrent layer -------------------------------------------------------------------

def _sub(t: int) -> str:
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _rnn_expected(torch, spec):
    """torch, one sample at a time (each sample's own ∂ℓ/∂ lines), the samples' losses
    combined as `reduction:` says."""
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    p = spec["params"]
    rnn = spec["network"]["layers"][0]
    act = {"tanh": torch.tanh, "relu": torch.relu}[rnn.get("activation", "tanh")]
    every = rnn.get("output", "last") == "all"
    names = {"Wxh1": "Wₓₕ", "Whh1": "Wₕₕ", "b1": "bₕ", "W2": "W⁽²⁾", "b2": "b⁽²⁾"}
    params = {names[k]: t(v) for k, v in p.items()}
    data = spec["data"]
    mean = spec.get("reduction", "mean") == "mean"
    steps = lambda x: [s if isinstance(s, list) else [s] for s in x]  # noqa: E731
    own_name = "ℓ" if len(data) > 1 else "L"  # one sample's loss is L itself

    def run(values):
        quantities, owns, losses, gradient = [], [], [], None
        for k, sample in enumerate(data, start=1):
            own_values = {n: v.clone().requires_grad_(True) for n, v in values.items()}
            q, terms = {}, []
            xs = steps(sample["x"])
            ys = steps(sample["y"]) if every else [[sample["y"]] if not isinstance(sample["y"], list)
                                                 else sample["y"]]
            h = t(rnn["h0"]) if rnn.get("h0") else None
            for s, x in enumerate(xs, start=1):
                z = own_values["Wₓₕ"] @ t(x) + own_values["bₕ"]
                if h is not None:
                    z = z + own_values["Wₕₕ"] @ h
                h = act(z)
                q[f"z{_sub(s)}"], q[f"h{_sub(s)}"] = z, h
                if every or s == len(xs):
                    z2 = own_values["W⁽²⁾"] @ h + own_values["b⁽²⁾"]
                    q[f"z⁽²⁾{_sub(s)}"], q[f"ŷ{_sub(s)}"] = z2, z2 * 1.0
                    terms.append(0.5 * ((q[f"ŷ{_sub(s)}"] - t(ys[s - 1 if every else 0])) ** 2).sum())
            own = sum(terms)
            for v in q.values():
                v.retain_grad()
            own.backward()
            out = {n: _flat(v) for n, v in q.items()} | {n: _flat(v) for n, v in own_values.items()}
            for n, v in list(q.items()):
                if n[0] == "z":
                    out["δ" + n[1:]] = _flat(v.grad)
                if n[0] == "h":
                    out[f"∂{own_name}/∂{n}"] = _flat(v.grad)
                    out["f′" + n] = _flat(1 - v ** 2) if act is torch.tanh else _flat((v > 0).double())
            out |= {f"∂{own_name}/∂{n}": _flat(v.grad) for n, v in own_values.items()}
            out["x"] = [float(v) for step in xs + ys for v in step] + \
                ([float(v) for v in rnn["h0"]] if rnn.get("h0") else [])
            quantities.append(out)
            losses.append({f"l_{s}": float(v.detach()) for s, v in enumerate(terms, start=1)} if every else {})
            losses[-1][f"l({k})" if len(data) > 1 else "L"] = float(own.detach())
            owns.append({n: v.grad for n, v in own_values.items()})
        scale = 1 / len(data) if mean else 1.0
        gradient = {n: scale * sum(o[n] for o in owns) for n in values}
        if len(data) > 1:
            total = scale * sum(losses[k - 1][f"l({k})"] for k in range(1, len(data) + 1))
            losses = [own | {"L": total} for own in losses] + [{}]
            combined = {f"∂L/∂{n}": _flat(g) for n, g in gradient.items()}
            combined |= {f"own{k}{n}": _flat(o[n]) for k, o in enumerate(owns) for n in values}
            quantities.append(combined)
        return quantities, owns, losses, gradient
    return _training(torch, spec, params, run)


@pytest.mark.parametrize("text", [(PROBLEMS / "rnn_three_steps.yaml").read_text(encoding="utf-8"),
                                  RNN_LAST, RNN_RELU_SUM], ids=["example", "last_h0", "relu_all_sum"])
def test_rnn_matrix_view_is_torchs(text):
    torch = pytest.importorskip("torch")
    sheet = build_sheet(solve_text(text.encode(), "rnn"), Settings(), matrix_lines=True)
    checked = _check(sheet, _rnn_expected(torch, yaml.safe_load(text)))
    assert checked >= 40


def test_rnn_backward_is_per_time_step_with_the_carried_part():
    """∂ℓ/∂hₜ is the output's part plus Wₕₕᵀ δₜ₊₁ (none at t = T), from t = T down; each
    gradient is the sum of one contribution per time step (Wₕₕ's has none at t = 1: h₀ = 0)."""
    sheet = sheet_of("rnn_three_steps")
    back = next(s for s in sheet.sections if s.title == "Backpropagation through time" and s.matrix)
    lines = {"".join(p.unicode for p in line.lhs): line for line in back.blocks}
    order = [k for k in lines if k.startswith("∂L/∂h")]
    assert order == ["∂L/∂h₃", "∂L/∂h₂", "∂L/∂h₁"]
    general = lambda k: " ".join(getattr(p, "unicode", getattr(p, "text", "")) for p in lines[k].forms[0])  # noqa: E731
    assert general("∂L/∂h₃") == "W⁽²⁾ δ⁽²⁾₃" and lines["∂L/∂h₃"].forms[0][0].transpose
    assert general("∂L/∂h₂") == "W⁽²⁾ δ⁽²⁾₂ + Wₕₕ δ₃"
    assert general("∂L/∂Wₓₕ") == "δ₁ x₁ + δ₂ x₂ + δ₃ x₃"
    assert general("∂L/∂Wₕₕ") == "δ₂ h₁ + δ₃ h₂"
    assert general("∂L/∂bₕ") == "δ₁ + δ₂ + δ₃"


# --- the views -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["batchnorm_batch_of_four", "rnn_three_steps"])
def test_views_lay_out_matrix_scalar_or_both(name):
    matrix, scalar, both = (sheet_of(name, view) for view in ("matrix", "scalar", "both"))
    worked = lambda sheet: [s for s in sheet.sections if any(isinstance(b, Worked) and b.phase == "backward"  # noqa: E731
                                                            for b in s.blocks)]
    assert _matrix_sections(matrix) and not worked(matrix)
    assert worked(scalar) and not _matrix_sections(scalar)
    titles = [s.title for s in both.sections]
    assert SCALAR in titles and SCALAR not in [s.title for s in matrix.sections + scalar.sections]
    cut = titles.index(SCALAR)
    assert all(s.matrix for s in both.sections[1:cut]) and worked(both)[0] in both.sections[cut:]
    # the JSON's lines are the engine's whatever the view
    assert [line.lhs for _, line in matrix.steps] == [line.lhs for _, line in scalar.steps]


def test_text_says_the_entry_by_entry_heading_only_with_both():
    text = render(solve_text((PROBLEMS / "rnn_three_steps.yaml").read_bytes(), "rnn"), "text",
                  Settings(view="both"))
    assert SCALAR in text and "Backpropagation through time" in text


@pytest.mark.parametrize("name", ["batchnorm_batch_of_four", "rnn_three_steps"])
def test_a_penalty_keeps_the_matrix_view_with_the_data_part_named_l(name):
    """With regularization: the matrices differentiate the data loss ℓ (their numbers are
    the unpenalised problem's, at the same parameters), the forward pass ends L = ℓ + R,
    and each weight's ∂L/∂w = ∂ℓ/∂w + 2λ₂w is the engine's line before its step."""
    text = (PROBLEMS / f"{name}.yaml").read_text(encoding="utf-8")
    plain = build_sheet(solve_text(text.encode(), name), Settings(), matrix_lines=True)
    penalised = build_sheet(solve_text((text.rstrip("\n") + "\nregularization: {l2: 0.01}\n").encode(),
                                       name), Settings(), matrix_lines=True)

    def backward(sheet, letter):
        lines = [line for s in _matrix_sections(sheet) if "step" not in s.title
                 for line in s.blocks if isinstance(line, MatrixLine)
                 and "".join(p.unicode for p in line.lhs).startswith(f"∂{letter}/∂")]
        return {"".join(p.unicode for p in line.lhs)[2:]: _numbers(line.forms[-1][0]) for line in lines}
    ours, theirs = backward(penalised, "ℓ"), backward(plain, "L")
    assert len(ours) >= 8 and ours.keys() == theirs.keys() and not backward(penalised, "L")
    for key in ours:
        assert all(abs(a - b) <= TOL for a, b in zip(ours[key], theirs[key])), key
    worked = [line for s in _matrix_sections(penalised) for line in s.blocks if isinstance(line, Worked)]
    names = [penalised.names[line.lhs].plain for line in worked]
    assert "penalty" in names and "L" in names  # the forward pass's R, and L = ℓ + R
    L = next(line.value for line in worked if penalised.names[line.lhs].plain == "L")
    R = next(line.value for line in worked if penalised.names[line.lhs].plain == "penalty")
    plain_L = plain.solution.scalar.first.loss
    assert abs(float(L) - float(plain_L) - float(R)) <= TOL
    params = plain.solution.scalar.first.params
    weights = {s for t in plain.solution.network.tensors() for s in t.symbols
               if t.plain.startswith("W")}
    step = [line for s in _matrix_sections(penalised) if s.title.startswith("Gradient-descent step 1")
            for line in s.blocks if isinstance(line, Worked)]
    gradients = penalised.solution.scalar.first.gradients
    plain_gradients = plain.solution.scalar.first.gradients
    for w in weights:  # ∂L/∂w = ∂ℓ/∂w + 2 λ₂ w, worked before the step
        assert abs(float(gradients[w]) - float(plain_gradients[w]) - 0.02 * float(params[w])) <= TOL
    assert sum(1 for line in step if line.lhs not in params) >= len(weights)
