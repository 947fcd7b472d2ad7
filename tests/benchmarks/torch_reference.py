"""The quick PyTorch script a student would write instead: read the same YAML, compute the
loss and every gradient (and the SGD steps), print them as JSON.

It is the yardstick for `make bench`, so it does what backprop does numerically and nothing
more. Graph-form formulas are read by a tiny evaluator over Python's `ast` (numbers, the
declared names, + - * / **, unary minus and the listed functions); nothing is `eval`ed.
Exit status 3 when the problem has symbols (null values) or is a calculus problem: a
numeric script has nothing to say about those.
"""

from __future__ import annotations

import ast
import json
import re
import sys

import torch
import yaml

torch.set_default_dtype(torch.float64)
NAMED_LOSSES = {
    "squared_error": "(yhat - y)**2",
    "half_squared_error": "0.5*(yhat - y)**2",
    "abs_error": "abs(yhat - y)",
    "bce": "-y*log(yhat) - (1 - y)*log(1 - yhat)",
}
FUNCTIONS = {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "exp": torch.exp,
    "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "softplus": torch.nn.functional.softplus,
    "leaky_relu": lambda z, alpha=0.01: torch.nn.functional.leaky_relu(z, float(alpha)),
}
OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
       ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


class Symbolic(Exception):
    pass


def formula(text: str, env: dict):
    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return torch.tensor(float(node.value))
        if isinstance(node, ast.Name):
            return env[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in OPS:
            return OPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in FUNCTIONS:
            return FUNCTIONS[node.func.id](*[walk(a) for a in node.args])
        raise ValueError(f"not a formula: {ast.dump(node)}")

    return walk(ast.parse(str(text), mode="eval"))


def number(value):
    if value is None:
        raise Symbolic
    return float(value)


# --- graph form -------------------------------------------------------------------------

def graph_problem(spec: dict):
    params = {n: torch.tensor(number(v), requires_grad=True) for n, v in spec["params"].items()}
    targets = spec.get("targets", ["y"])
    loss = spec.get("loss")
    nodes = list(spec["nodes"].items())
    if isinstance(loss, dict) or loss in NAMED_LOSSES:
        loss = loss if isinstance(loss, dict) else {"type": loss}
        text = re.sub(r"\byhat\b", "__out", NAMED_LOSSES[loss["type"]])
        text = re.sub(r"\by\b", loss.get("target", targets[0]), text)
        text = text.replace("__out", loss.get("output", nodes[-1][0]))
    else:
        text = loss
    data = spec.get("data") or [{}]

    def sample_loss(env):
        for name, expr in nodes:
            env[name] = formula(expr, env)
        return formula(text, env)

    def total(values):
        losses = []
        for sample in data:
            env = {k: torch.tensor(number(v)) for k, v in sample.items()}
            env.update(values)
            losses.append(sample_loss(env))
        stacked = torch.stack(losses)
        return stacked.mean() if spec.get("reduction", "mean") == "mean" else stacked.sum()

    return params, total


# --- layered form -----------------------------------------------------------------------

ACTIVATIONS = {
    "identity": lambda z, _: z, "sigmoid": lambda z, _: torch.sigmoid(z),
    "tanh": lambda z, _: torch.tanh(z), "relu": lambda z, _: torch.relu(z),
    "softplus": lambda z, _: torch.nn.functional.softplus(z),
    "leaky_relu": lambda z, alpha: torch.nn.functional.leaky_relu(z, alpha),
    "softmax": lambda z, _: torch.softmax(z, dim=0),
}


def layered_problem(spec: dict):
    net = spec["network"]
    if not isinstance(net["inputs"], (int, list)):
        raise Symbolic
    bias = net.get("bias", True)
    params = {}
    for name, value in (spec.get("params") or {}).items():
        if value is None or (isinstance(value, list) and any(
                v is None for v in (sum(value, []) if isinstance(value[0], list) else value))):
            raise Symbolic
        params[name] = torch.tensor(value, dtype=torch.float64, requires_grad=True)
    if not params:
        raise Symbolic
    layers = net["layers"]
    kind = spec["loss"] if isinstance(spec["loss"], str) else spec["loss"]["type"]
    data = spec["data"]
    K = layers[-1]["units"]

    def forward(x):
        a = x
        for l, layer in enumerate(layers, start=1):
            z = params[f"W{l}"] @ a
            if layer.get("bias", bias):
                z = z + params[f"b{l}"]
            a = ACTIVATIONS[layer.get("activation", "identity")](z, float(layer.get("alpha", 0.01)))
        return a

    def target(y):
        if isinstance(y, list):
            return torch.tensor([number(v) for v in y])
        if kind == "cross_entropy" and K > 1:
            return torch.nn.functional.one_hot(torch.tensor(int(y)), K).double()
        return torch.tensor([number(y)])

    def total(_):
        losses = []
        for sample in data:
            yhat, y = forward(torch.tensor([number(v) for v in sample["x"]])), target(sample["y"])
            losses.append({
                "squared_error": lambda: ((yhat - y) ** 2).sum(),
                "half_squared_error": lambda: 0.5 * ((yhat - y) ** 2).sum(),
                "mse": lambda: ((yhat - y) ** 2).mean(),
                "abs_error": lambda: (yhat - y).abs().sum(),
                "bce": lambda: (-y * yhat.log() - (1 - y) * (1 - yhat).log()).sum(),
                "cross_entropy": lambda: -(y * yhat.log()).sum(),
            }[kind]())
        stacked = torch.stack(losses)
        return stacked.mean() if spec.get("reduction", "mean") == "mean" else stacked.sum()

    return params, total


def main(path: str) -> None:
    with open(path) as handle:
        spec = yaml.safe_load(handle)
    if "function" in spec or "loss" not in spec:
        sys.exit(3)
    try:
        params, total = layered_problem(spec) if "network" in spec else graph_problem(spec)
    except Symbolic:
        sys.exit(3)
    optimizer = spec.get("optimizer") or {}
    steps, lr = int(optimizer.get("steps", 0)), optimizer.get("lr")
    if steps and lr is None:
        sys.exit(3)
    result = {"updates": []}
    for k in range(steps + 1):
        for p in params.values():
            p.grad = None
        loss = total(params)
        if k == 0:
            loss.backward()
            result["loss"] = loss.item()
            result["gradients"] = {n: p.grad.tolist() for n, p in params.items()}
        elif k < steps:
            loss.backward()
        if k > 0:
            result["updates"][-1]["loss"] = loss.item()
        if k < steps:
            with torch.no_grad():
                for p in params.values():
                    p -= float(lr) * p.grad
            result["updates"].append({"params": {n: p.tolist() for n, p in params.items()}})
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
