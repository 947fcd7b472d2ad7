"""Solution.quantities(): every value under its public key, the same as the JSON contract.

The JSON numbers are checked against independent oracles elsewhere (test_oracle.py,
test_layered_oracle.py, test_calculus.py); here each quantity is found at its key in the
JSON of the same problem, so the two can never say different things.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

import backprop_cli as bp
from backprop_cli.calculus.softmax import to_exp
from backprop_cli.functions import to_elementary
from support import example_paths

EXAMPLES = example_paths()


def _solve(path):
    return bp.solve(path)


def _same(value, expected) -> bool:
    """A quantity's value against the JSON's number (or formula string), at double precision."""
    if isinstance(value, list):
        return isinstance(expected, list) and len(value) == len(expected) and \
            all(_same(v, e) for v, e in zip(value, expected))
    if isinstance(expected, str):  # a symbolic value: the JSON formula in plain names
        if value.is_number:  # a number beyond a double, written as text
            return sp.Float(expected) == sp.Float(value, 17)
        written = to_elementary(to_exp(value))
        if sp.sstr(written) == expected:  # as the JSON writes one
            return True
        # to_exp rebuilds an unevaluated 2(ŷ − y) as 2ŷ − 2y: the same formula, read back
        plain = written.xreplace({v: sp.Symbol(v.name) for v in written.free_symbols})
        return sp.expand(plain - sp.sympify(expected)) == 0
    return math.isclose(float(value), expected, rel_tol=1e-15, abs_tol=1e-300)


def _json_at(data: dict, key: str, steps: dict):
    """The JSON's value for a quantity key (see the table in quantities.py)."""
    parts = key.split(".")
    if parts[0] == "loss":
        return data["loss"]
    if parts[0] == "gradients":
        return data["gradients"][parts[1]]
    if parts[0] == "samples":
        sample = data["samples"][int(parts[1]) - 1]
        name = ".".join(parts[2:])
        if name == "loss":
            return sample["loss"]
        if name in sample["values"]:
            return sample["values"][name]
        return steps[(int(parts[1]), name)]
    if parts[0] == "updates":
        update = data["updates"][int(parts[1]) - 1]
        if parts[2] == "params":
            return update["params"][parts[3]]
        if parts[2] == "loss":
            return update["loss"]
        return None  # a later pass's sample values are not in the JSON
    if parts[0] == "derivatives":
        return None  # formulas: compared in test_calculus_quantities
    if parts[0] == "at":
        return None
    if parts[0] == "update":
        return data["update"][parts[1]][parts[2]]
    raise AssertionError(f"unknown key {key}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_quantity_is_the_json_value_at_its_key(path):
    solution = _solve(path)
    data = solution.to_json()
    graph_steps = {}  # the first pass's (at the given parameters)
    for s in data["steps"]:
        if s.get("sample") is not None and "phase" in s:
            graph_steps.setdefault((s["sample"], s["name"]), s["value"])
    quantities = solution.quantities()
    keys = [q.key for q in quantities]
    assert len(keys) == len(set(keys)), "every key names one quantity"
    checked = 0
    for q in quantities:
        if solution.kind == "network" and q.phase in ("backward", "gradient") and q.sample:
            continue  # per-sample matrices: checked entry by entry in the next test
        expected = _json_at(data, q.key, graph_steps)
        if expected is None:
            continue
        assert _same(q.value, expected), (q.key, q.value, expected)
        checked += 1
    if data.get("loss") is not None or data.get("samples"):
        assert checked > 0


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "numeric_batch" in p.stem
                                  or p.stem == "softmax_classifier"], ids=lambda p: p.stem)
def test_layered_backward_matrices_gather_the_scalar_steps(path):
    """dl(k)/dW1 is the matrix of the steps dl(k)/dW1_i_j; dl(k)/dz1 the vector of dl(k)/dz1_i."""
    solution = _solve(path)
    steps = {}
    for s in solution.to_json()["steps"]:
        if s.get("sample"):
            steps.setdefault((s["sample"], s["name"]), s["value"])
    found = 0
    for q in solution.quantities():
        if q.phase not in ("backward", "gradient") or q.sample is None or q.step:
            continue
        rows = q.value if isinstance(q.value[0], list) else [q.value]
        for i, row in enumerate(rows, 1):
            for j, value in enumerate(row, 1):
                entry = f"{q.name}_{i}_{j}" if isinstance(q.value[0], list) else \
                    (f"{q.name}_{j}" if len(row) > 1 else q.name)
                expected = steps.get((q.sample, entry), 0.0)
                assert math.isclose(float(value), expected, rel_tol=1e-15, abs_tol=1e-300), \
                    (q.key, entry, value, expected)
                found += 1
    assert found > 10


def test_graph_order_follows_the_worked_solution():
    solution = _solve(next(p for p in EXAMPLES if p.stem == "seed001_relu_two_samples"))
    keys = [q.key for q in solution.quantities()]
    assert keys[:4] == ["samples.1.z", "samples.1.h", "samples.1.yhat", "samples.1.loss"]
    assert keys.index("loss") < keys.index("samples.1.dl(1)/dyhat") < keys.index("gradients.w0")
    assert keys.index("gradients.w4") < keys.index("updates.1.params.w0") < keys.index("updates.1.loss")
    q = solution.quantity("samples.2.dl(2)/dw4")
    assert (q.name, q.phase, q.sample, q.step, q.value) == ("dl(2)/dw4", "gradient", 2, 0,
                                                            sp.Rational(-19, 5))
    assert solution.quantity("updates.1.params.w3").value == sp.Rational(949, 1000)
    assert solution.quantity("gradients.w3").name == "dL/dw3"


def test_one_sample_names_its_loss_L():
    solution = _solve(next(p for p in EXAMPLES if p.stem == "seed000_sparse_sigmoid"))
    assert solution.quantity("samples.1.loss").name == "L"
    assert solution.quantity("samples.1.dL/dz1").phase == "backward"
    assert solution.quantity("loss").value == solution.quantity("samples.1.loss").value


def test_symbolic_values_are_expressions_in_the_problems_own_symbols():
    solution = _solve(next(p for p in EXAMPLES if p.stem == "symbolic_weights"))
    gradients = [q for q in solution.quantities() if q.key.startswith("gradients.")]
    assert gradients and all(isinstance(q.value, sp.Expr) for q in gradients)
    assert any(not q.value.is_number for q in gradients)


def test_calculus_quantities():
    solution = _solve(next(p for p in EXAMPLES if p.stem == "seed003_q13c_chain"))
    data = solution.to_json()
    t = sp.Symbol("t")
    derivatives = [q for q in solution.quantities() if q.phase == "derivative"]
    assert [q.key for q in derivatives] == ["derivatives.df1/dt", "derivatives.df2/dt"]
    for q, row in zip(derivatives, data["jacobian"]):
        assert sp.simplify(q.value.subs(q.value.free_symbols.pop(), t) - sp.sympify(row[0])) == 0
    assert solution.quantity("at.df2/dt").value == 131
    assert solution.quantity("at.y").value == 4  # the inner function y = t² at t = 2


def test_an_unknown_key_suggests_the_nearest():
    solution = _solve(next(p for p in EXAMPLES if p.stem == "seed001_relu_two_samples"))
    with pytest.raises(KeyError, match="gradients.w3"):
        solution.quantity("gradient.w3")
