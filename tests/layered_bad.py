"""Layered specs that are wrong in exactly one way, and what the error must say.

BAD_SPECS holds (id, yaml text, field path, phrases), in the style of BAD_SPECS in
test_cli.py. Each text is one of the GOOD specs below with a single replacement, so a case
fails for its own reason only (test_layered_oracle.py checks that the replacement happened,
that the GOOD specs are accepted, and that the oracle rejects every case at the same field).

Through the CLI (`backprop solve`), a case must exit with status 2, print no traceback and
no output, and print one message that contains the field path (like "params.W1" or
"data[1].x") and, in the part after it, matches every phrase. A phrase is a regular
expression, searched case-insensitively after shapes are normalised: "2 x 3", "2x3",
"2 by 3" and "(2, 3)" all read as "2×3". A shape message must name both shapes, the one
expected and the one given.
"""

from __future__ import annotations

import re

#: 3 inputs -> 2 sigmoid units (bias) -> 3 softmax units (bias), cross-entropy.
GOOD = """\
title: Shapes are checked
network:
  inputs: 3
  convention: column
  layers:
    - {units: 2, activation: sigmoid}
    - {units: 3, activation: softmax}
params:
  W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
  b1: [0.1, -0.1]
  W2: [[0.2, -0.3], [0.1, 0.4], [-0.5, 0.6]]
  b2: [0, 0.1, -0.1]
loss: cross_entropy
data:
  - {x: [1, 2, 3], y: 2}
  - {x: [0.5, -1, 2], y: [0, 1, 0]}
optimizer: {type: sgd, lr: 0.1, steps: 1}
"""

#: 2 inputs -> 1 identity unit, no biases, a number as the target.
GOOD_REGRESSION = """\
title: One linear unit
network:
  inputs: 2
  bias: false
  layers:
    - {units: 1, activation: identity}
params:
  W1: [[0.5, -0.25]]
loss: half_squared_error
data:
  - {x: [1, 2], y: 1.5}
"""

GOOD_SPECS = {"good": GOOD, "good-regression": GOOD_REGRESSION}

MISSING = r"missing|no value|not given|required|needs|must give|is not given"
POSITIVE = r"positive|at least 1|≥ ?1|>= ?1|> ?0|greater than (?:0|zero)"


def _bad(name, base, old, new, field, *phrases):
    return (name, base, old, new, field, phrases)


_CASES = [
    # wrong shapes of parameters: both shapes named
    _bad("W1-too-many-rows", GOOD,
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [0.7, 0.8, 0.9]]",
         "params.W1", r"2×3", r"3×3"),
    _bad("W1-too-few-columns", GOOD,
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
         "W1: [[0.1, -0.2], [0.4, 0.5]]",
         "params.W1", r"2×3", r"2×2"),
    _bad("W1-too-many-columns", GOOD,
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
         "W1: [[0.1, -0.2, 0.3, 0.4], [0.4, 0.5, -0.6, 0.7]]",
         "params.W1", r"2×3", r"2×4"),
    _bad("W2-columns-do-not-match-layer-1", GOOD,
         "W2: [[0.2, -0.3], [0.1, 0.4], [-0.5, 0.6]]",
         "W2: [[0.2, -0.3, 1], [0.1, 0.4, 1], [-0.5, 0.6, 1]]",
         "params.W2", r"3×2", r"3×3"),
    _bad("W2-transposed", GOOD,
         "W2: [[0.2, -0.3], [0.1, 0.4], [-0.5, 0.6]]",
         "W2: [[0.2, 0.1, -0.5], [-0.3, 0.4, 0.6]]",
         "params.W2", r"3×2", r"2×3"),
    _bad("W1-ragged-rows", GOOD,
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5]]",
         "params.W1", r"2×3|row"),
    _bad("W1-a-flat-list", GOOD,
         "W1: [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]",
         "W1: [0.1, -0.2, 0.3, 0.4, 0.5, -0.6]",
         "params.W1", r"2×3"),
    _bad("b1-too-long", GOOD, "b1: [0.1, -0.1]", "b1: [0.1, -0.1, 0.2]",
         "params.b1", r"\b2\b", r"\b3\b"),
    _bad("b2-too-short", GOOD, "b2: [0, 0.1, -0.1]", "b2: [0, 0.1]",
         "params.b2", r"\b3\b", r"\b2\b"),
    # samples
    _bad("x-too-short", GOOD, "{x: [0.5, -1, 2], y: [0, 1, 0]}", "{x: [0.5, -1], y: [0, 1, 0]}",
         "data[1].x", r"\b3\b", r"\b2\b"),
    _bad("x-too-long", GOOD, "{x: [1, 2, 3], y: 2}", "{x: [1, 2, 3, 4], y: 2}",
         "data[0].x", r"\b3\b", r"\b4\b"),
    _bad("y-too-long", GOOD, "y: [0, 1, 0]}", "y: [0, 1, 0, 0]}",
         "data[1].y", r"\b3\b", r"\b4\b"),
    _bad("y-list-for-one-output", GOOD_REGRESSION, "y: 1.5}", "y: [1.5, 2]}",
         "data[0].y", r"\b1\b", r"\b2\b"),
    _bad("class-index-out-of-range", GOOD, "y: 2}", "y: 3}",
         "data[0].y", r"\b3\b"),
    _bad("class-index-negative", GOOD, "y: 2}", "y: -1}",
         "data[0].y", r"[-−]1\b"),
    # missing parameters: nothing missing is made up (no zero bias, no symbol)
    _bad("W2-missing", GOOD, "  W2: [[0.2, -0.3], [0.1, 0.4], [-0.5, 0.6]]\n", "",
         "params.W2", MISSING),
    _bad("b1-missing", GOOD, "  b1: [0.1, -0.1]\n", "",
         "params.b1", MISSING),
    # the network
    _bad("unknown-activation", GOOD, "activation: softmax}", "activation: sofmax}",
         "network.layers[1].activation", r"did you mean", r"softmax"),
    _bad("softmax-not-last", GOOD, "activation: sigmoid}", "activation: softmax}",
         "network.layers[0].activation", r"last"),
    _bad("units-zero", GOOD, "{units: 2, activation: sigmoid}", "{units: 0, activation: sigmoid}",
         "network.layers[0].units", POSITIVE),
    _bad("units-negative", GOOD, "{units: 3, activation: softmax}",
         "{units: -2, activation: softmax}",
         "network.layers[1].units", POSITIVE),
    _bad("inputs-zero", GOOD, "inputs: 3", "inputs: 0",
         "network.inputs", POSITIVE),
    _bad("unknown-convention", GOOD, "convention: column", "convention: colum",
         "network.convention", r"column"),
]

#: (id, yaml text, field path, phrases): the cases, ready for pytest.mark.parametrize.
BAD_SPECS = [(name, base.replace(old, new), field, phrases)
             for name, base, old, new, field, phrases in _CASES]

#: (id, base, old, new): how each case was made, so a test can check the edit took.
EDITS = [(name, base, old, new) for name, base, old, new, _field, _phrases in _CASES]


# --- reading a message ----------------------------------------------------------------------

_SHAPE = re.compile(r"(\d+)\s*(?:×|x|X|by|\*)\s*(\d+)")
_TUPLE = re.compile(r"\((\d+),\s*(\d+)\)")


def normalise(message: str) -> str:
    """Shapes written as 2×3 whatever the writer's style."""
    return _SHAPE.sub(r"\1×\2", _TUPLE.sub(r"\1×\2", message))


def after_field(message: str, field: str) -> str | None:
    """The part of `message` after the first mention of `field`, or None if not there."""
    at = message.find(field)
    return None if at < 0 else message[at + len(field):]


def unmatched_phrases(message: str, field: str, phrases) -> list[str]:
    """The phrases (regexes) that the message does not match after the field path; every
    phrase if the field path is not in the message at all."""
    body = after_field(message, field)
    if body is None:
        return list(phrases)
    body = normalise(body)
    return [p for p in phrases if re.search(p, body, re.IGNORECASE) is None]
