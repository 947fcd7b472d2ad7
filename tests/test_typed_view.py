"""--view for networks with a batchnorm or rnn layer (issue 18): the matrix view's numbers
are PyTorch's (float64, autograd with retain_grad on every intermediate, to 1e-10), each
line's result the quantity its left side names; --view scalar and both lay out the parts
as for dense layers."""

from __future__ import annotations

import pytest
import yaml

from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from backprop_cli.sheet import build_sheet
from backprop_cli.sheet.model import Mat, MatrixLine, Worked
from support import PROBLEMS

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


def _check(sheet, quantities, losses) -> int:
    """Every matrix line's result is the torch quantity its left side names (in the pass
    its section is of); every number written anywhere in a matrix line is one of torch's.
    `quantities(after)`: name -> flat list of floats; `losses(after)`: name -> float."""
    checked = 0
    for section in _matrix_sections(sheet):
        after = "after step" in section.title
        known = quantities(after)
        pool = sorted({v for values in known.values() for v in values} | {1.0, 0.0})
        for line in section.blocks:
            if isinstance(line, Worked):  # the engine's loss lines: ℓ of a sample or a step, L
                name = sheet.names[line.lhs].plain
                assert abs(float(line.value) - losses(after)[name]) <= TOL, (section.title, name)
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


# --- batch normalization -------------------------------------------------------------------

def _batchnorm_torch(torch, spec):
    """The example's network step by step in torch: every intermediate retains its grad."""
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    p = spec["params"]
    params = {"W⁽¹⁾": t(p["W1"]), "γ⁽²⁾": t(p["gamma2"]), "β⁽²⁾": t(p["beta2"]),
              "W⁽³⁾": t(p["W3"]), "b⁽³⁾": t(p["b3"])}
    X = t([d["x"] for d in spec["data"]])
    Y = t([[d["y"]] for d in spec["data"]])
    lr = spec["optimizer"]["lr"]

    def forward(values):
        for v in values.values():
            v.requires_grad_(True)
        q = {}
        q["Z⁽¹⁾"] = X @ values["W⁽¹⁾"].T
        q["A⁽¹⁾"] = q["Z⁽¹⁾"] * 1.0  # identity: its own node, as the engine's a⁽¹⁾
        q["μ⁽²⁾"] = q["A⁽¹⁾"].mean(0)
        q["σ²⁽²⁾"] = ((q["A⁽¹⁾"] - q["μ⁽²⁾"]) ** 2).mean(0)
        q["X̂⁽²⁾"] = (q["A⁽¹⁾"] - q["μ⁽²⁾"]) / torch.sqrt(q["σ²⁽²⁾"] + 1e-5)
        q["Z⁽²⁾"] = values["γ⁽²⁾"] * q["X̂⁽²⁾"] + values["β⁽²⁾"]
        q["A⁽²⁾"] = torch.relu(q["Z⁽²⁾"])
        q["Z⁽³⁾"] = q["A⁽²⁾"] @ values["W⁽³⁾"].T + values["b⁽³⁾"]
        q["Ŷ"] = q["Z⁽³⁾"] * 1.0
        own = 0.5 * ((q["Ŷ"] - Y) ** 2).sum(1)
        loss = own.mean()
        for v in q.values():
            v.retain_grad()
        return q, own, loss

    q, own, loss = forward(params)
    loss.backward()
    flat = lambda v: [float(x) for x in v.detach().reshape(-1).tolist()]  # noqa: E731
    before = {k: flat(v) for k, v in q.items()}
    before.update({f"∂L/∂{k}": flat(v.grad) for k, v in list(q.items()) + list(params.items())})
    before.update({k: flat(v) for k, v in params.items()})
    before.update({k + " after": flat(v - lr * v.grad) for k, v in params.items()})
    before["X"] = flat(X)
    losses0 = {f"l_s{i + 1}": float(v.detach()) for i, v in enumerate(own)} | {"L": float(loss.detach())}
    updated = {k: (v - lr * v.grad).detach() for k, v in params.items()}
    q1, own1, loss1 = forward(updated)
    after = {k: flat(v) for k, v in q1.items()} | {k: flat(v) for k, v in updated.items()} | {"X": flat(X)}
    losses1 = {f"l_s{i + 1}": float(v.detach()) for i, v in enumerate(own1)} | {"L": float(loss1.detach())}
    return (lambda later: after if later else before), (lambda later: losses1 if later else losses0)


def test_batchnorm_matrix_view_is_torchs():
    torch = pytest.importorskip("torch")
    sheet = sheet_of("batchnorm_batch_of_four")
    quantities, losses = _batchnorm_torch(torch, spec_of("batchnorm_batch_of_four"))
    checked = _check(sheet, quantities, losses)
    lhs = {"".join(p.unicode for p in line.lhs) for s in _matrix_sections(sheet) for line in s.blocks
           if isinstance(line, MatrixLine)}
    # the backward pass the course writes, every stage of it
    assert {"∂L/∂Ŷ", "∂L/∂Z⁽²⁾", "∂L/∂γ⁽²⁾", "∂L/∂β⁽²⁾", "∂L/∂X̂⁽²⁾", "∂L/∂σ²⁽²⁾", "∂L/∂μ⁽²⁾",
            "∂L/∂A⁽¹⁾", "∂L/∂W⁽¹⁾", "∂L/∂W⁽³⁾", "∂L/∂b⁽³⁾"} <= lhs
    assert checked >= 40


# --- the recurrent layer -------------------------------------------------------------------

def _sub(t: int) -> str:
    return str(t).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _rnn_torch(torch, spec):
    t = lambda v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    p = spec["params"]
    params = {"Wₓₕ": t(p["Wxh1"]), "Wₕₕ": t(p["Whh1"]), "bₕ": t(p["b1"]), "W⁽²⁾": t(p["W2"]),
              "b⁽²⁾": t(p["b2"])}
    xs, ys = spec["data"][0]["x"], spec["data"][0]["y"]
    lr = spec["optimizer"]["lr"]

    def forward(values):
        for v in values.values():
            v.requires_grad_(True)
        q, own = {}, []
        h = None
        for k, (x, y) in enumerate(zip(xs, ys), start=1):
            s = _sub(k)
            z = values["Wₓₕ"] @ t([x]) + values["bₕ"]
            if h is not None:
                z = z + values["Wₕₕ"] @ h
            h = torch.tanh(z)
            z2 = values["W⁽²⁾"] @ h + values["b⁽²⁾"]
            yhat = z2 * 1.0
            q.update({f"z{s}": z, f"h{s}": h, f"z⁽²⁾{s}": z2, f"ŷ{s}": yhat})
            own.append(0.5 * ((yhat - t([y])) ** 2).sum())
        loss = sum(own)
        for v in q.values():
            v.retain_grad()
        return q, own, loss

    flat = lambda v: [float(x) for x in v.detach().reshape(-1).tolist()]  # noqa: E731
    q, own, loss = forward(params)
    loss.backward()
    before = {k: flat(v) for k, v in q.items()} | {k: flat(v) for k, v in params.items()}
    for k in range(1, len(xs) + 1):
        s = _sub(k)
        before[f"δ⁽²⁾{s}"] = flat(q[f"z⁽²⁾{s}"].grad)
        before[f"∂ℓ/∂h{s}"] = flat(q[f"h{s}"].grad)
        before[f"δ{s}"] = flat(q[f"z{s}"].grad)
        before[f"local{s}"] = flat(1 - q[f"h{s}"] ** 2)
    before.update({f"∂ℓ/∂{k}": flat(v.grad) for k, v in params.items()})
    before.update({k + " after": flat(v - lr * v.grad) for k, v in params.items()})
    before["x"] = [float(x) for x in xs] + [float(y) for y in ys]
    losses0 = {f"l_{k + 1}": float(v.detach()) for k, v in enumerate(own)} | {"L": float(loss.detach())}
    updated = {k: (v - lr * v.grad).detach() for k, v in params.items()}
    q1, own1, loss1 = forward(updated)
    after = {k: flat(v) for k, v in q1.items()} | {k: flat(v) for k, v in updated.items()} | \
        {"x": before["x"]}
    losses1 = {f"l_{k + 1}": float(v.detach()) for k, v in enumerate(own1)} | {"L": float(loss1.detach())}
    return (lambda later: after if later else before), (lambda later: losses1 if later else losses0)


def test_rnn_matrix_view_is_torchs():
    torch = pytest.importorskip("torch")
    sheet = sheet_of("rnn_three_steps")
    quantities, losses = _rnn_torch(torch, spec_of("rnn_three_steps"))
    checked = _check(sheet, quantities, losses)
    assert checked >= 40


def test_rnn_backward_is_per_time_step_with_the_carried_part():
    """∂ℓ/∂hₜ is the output's part plus Wₕₕᵀ δₜ₊₁ (none at t = T), from t = T down; each
    gradient is the sum of one contribution per time step (Wₕₕ's has none at t = 1: h₀ = 0)."""
    sheet = sheet_of("rnn_three_steps")
    back = next(s for s in sheet.sections if s.title == "Backpropagation through time" and s.matrix)
    lines = {"".join(p.unicode for p in line.lhs): line for line in back.blocks}
    order = [k for k in lines if k.startswith("∂ℓ/∂h")]
    assert order == ["∂ℓ/∂h₃", "∂ℓ/∂h₂", "∂ℓ/∂h₁"]
    general = lambda k: " ".join(getattr(p, "unicode", getattr(p, "text", "")) for p in lines[k].forms[0])  # noqa: E731
    assert general("∂ℓ/∂h₃") == "W⁽²⁾ δ⁽²⁾₃" and lines["∂ℓ/∂h₃"].forms[0][0].transpose
    assert general("∂ℓ/∂h₂") == "W⁽²⁾ δ⁽²⁾₂ + Wₕₕ δ₃"
    assert general("∂ℓ/∂Wₓₕ") == "δ₁ x₁ + δ₂ x₂ + δ₃ x₃"
    assert general("∂ℓ/∂Wₕₕ") == "δ₂ h₁ + δ₃ h₂"
    assert general("∂ℓ/∂bₕ") == "δ₁ + δ₂ + δ₃"


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
