"""Batchnorm and rnn networks worked as dense ones are (issue 18, "everything else as for
dense layers"): regularization, mini-batches (batch_size) and symbolic (null) entries.

Each numeric case is solved by `backprop solve --format json` and by torch in float64
(torch.nn.BatchNorm1d in training mode, torch.nn.RNN) to 1e-10: the loss (with the penalty
written out as a term), every gradient, the parameters after each SGD step and the loss
after it. A symbolic case's gradients, with numbers put in for its symbols, are the
numeric solve of the same problem.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from test_batchnorm_rnn import (BATCHNORM_WITH_BIAS, PROBLEMS, ROOT, RNN_LAST, TOL, _batchnorm_case,
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
    line = next(l for l in run.stdout.splitlines() if l.strip().startswith("R = "))
    assert "β⁽²⁾" in line and "W⁽¹⁾" in line and "γ" not in line, line
