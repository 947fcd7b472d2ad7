"""One estimate of a problem's work, made from its shape before anything is solved, and
one limit for every form, so that whatever is accepted finishes in seconds.

The unit is about a third of a millisecond of CPU and 10 KB of memory (measured on AMD
EPYC, 2 cores, Python 3.11, SymPy 1.13, whole `solve --format json` processes; see the
issue 12 report):

- a numeric layered network costs 0.34 ms (±0.04) per sample, per pass and per weight,
  bias or unit: 1 unit each (2-3-1 to 32-64-10, 1 to 100 samples, 0 to 10 steps);
- a numeric graph costs 1.4 ms per sample, pass and node (the loss counted as one) and
  0.22 ms per sample, pass and parameter: 4 units and 2/3 of a unit;
- a layered network with symbolic weights writes formulas that grow with the weights
  before each unit: 2 to 4 ms per sample, pass, unit and weight: 12 units (8-16-4 with
  every weight null took 17.5 s, one sample).

- a calculus problem costs about 0.4 ms per component, variable differentiated by, and
  inner function (the chain rule's entries) or ten parts of the formulas: 1 unit each
  (12 components of 40 variables: 4.3 s; with 40 inner functions: 9.8 s).

A pass is the forward and backward pass at the given parameters and after each optimizer
step. LIMIT is set so that the largest accepted problem takes about 5 s and some 150 MB.
"""

from __future__ import annotations

import re

LIMIT = 15_000


def graph_work(samples: int, nodes: int, params: int, steps: int, node_parts=(),
               symbolic_samples: int = 0) -> int:
    """The units of a graph problem: samples x passes x (4 per node and loss, and one more
    for each 3 parts of a formula beyond 12 + 2/3 per parameter); a sample with a
    symbolic value counts 3 times (its values are formulas that grow with each node:
    600 samples of a 9-deep sigmoid nest, half of them symbolic, took 14 s)."""
    per_sample = 4 * (nodes + 1) + sum(max(0, p - 12) // 3 for p in node_parts) \
        + (2 * params + 2) // 3
    return (samples + 2 * symbolic_samples) * (1 + steps) * per_sample


def network_work(samples: int, weights: int, units: int, steps: int, symbolic: bool) -> int:
    """The units of a layered problem with numeric sizes: samples x passes x (weights and
    biases + units), or x units x weights x 12 with a symbolic weight or input."""
    per_pass = 12 * units * weights if symbolic else weights + units
    return samples * (1 + steps) * per_pass


def calculus_work(wrt: int, defines: int, component_parts, define_parts: int) -> int:
    """The units of a calculus problem: for each component, wrt x (inner functions +
    its parts and the inner functions' parts / 10)."""
    return sum(wrt * (defines + (parts + define_parts) // 10) for parts in component_parts)


def parts(text: str) -> int:
    """How many parts a formula has, counted from its text (names, numbers, operators)."""
    return len(_PART.findall(text))


_PART = re.compile(r"[A-Za-z_]\w*|\d+\.?\d*(?:[eE][-+]?\d+)?|\*\*|[-+*/]")


def over(work: int) -> bool:
    return work > LIMIT


def describe(work: int) -> str:
    """'... = 17,340 units of work; the limit is 15,000 (about 5 s)'."""
    return f"{work:,} units of work; the limit is {LIMIT:,} (about 5 s of computing)"
