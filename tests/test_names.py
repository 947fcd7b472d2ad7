"""One printed symbol for one thing (issue 12): a parameter named eta is written η, so the
learning rate is then written α (or lr, ...), in the worked lines, the Given part and the
LaTeX, and a symbolic rate's formulas in the JSON use its plain name."""

from __future__ import annotations

import backprop_cli as bp

SPEC = {"inputs": ["x"], "params": {"eta": 0.5, "b": 0.2}, "nodes": {"yhat": "eta*x + b"},
        "data": [{"x": 2, "y": 1}], "loss": "squared_error",
        "optimizer": {"type": "sgd", "lr": 0.1}}


def test_a_parameter_named_eta_moves_the_rate_to_alpha():
    solution = bp.solve(SPEC)
    text = solution.to_text()
    assert "learning rate α = 0.1" in text
    assert "η ← η − α · ∂L/∂η = 0.5 − 0.1 · 0.8 = 0.42" in text
    latex = solution.to_latex()
    assert "learning rate $\\alpha = 0.1$" in latex
    assert "\\eta &\\leftarrow \\eta - \\alpha \\cdot" in latex


def test_eta_and_alpha_both_taken_gives_lr():
    spec = dict(SPEC, params={"eta": 0.5, "alpha": 0.2}, nodes={"yhat": "eta*x + alpha"})
    text = bp.solve(spec).to_text()
    assert "learning rate lr = 0.1" in text and "α ← α − lr · ∂L/∂α" in text


def test_a_symbolic_rate_is_named_apart_in_the_json():
    spec = dict(SPEC, optimizer={"type": "sgd", "lr": None})
    data = bp.solve(spec).to_json()
    assert data["updates"][0]["params"]["eta"] == "1/2 - 4*alpha/5"  # η − α·0.8


def test_without_a_clash_the_rate_is_eta():
    spec = dict(SPEC, params={"w": 0.5, "b": 0.2}, nodes={"yhat": "w*x + b"})
    assert "learning rate η = 0.1" in bp.solve(spec).to_text()
