"""`{type: rnn, units, activation: tanh, output: last | all}` in the layered form: read and
checked here (no SymPy), with the sequences its data gives.

hₜ = f(W_xh xₜ + W_hh hₜ₋₁ + b), h₀ = 0 unless the layer gives `h0:`, as torch.nn.RNN
computes it (weight_ih = Wxh<l>, weight_hh = Whh<l>, and bias_ih + bias_hh = b<l>: one
bias, as the two only ever appear summed). The rnn is the network's first layer; the
dense layers after it are applied to every hₜ (output: all, a loss on every time step's
output, summed over the steps) or to the last one (output: last). A sample's x is a list
of time steps, each a list of the inputs (a number with one input); with output: all, y is
a list of one target per time step.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..yamlload import is_number
from .base import _kind

KEYS = ("type", "units", "activation", "output", "bias", "h0")
ACTIVATIONS = ("tanh", "relu")  # torch.nn.RNN's nonlinearity
OUTPUTS = ("last", "all")
MAX_STEPS = 20


@dataclass(frozen=True)
class RNNLayer:
    units: int
    activation: str
    output: str  # last | all
    bias: bool
    h0: tuple | None  # the initial state, or None for zeros
    alpha: Fraction = Fraction(1, 100)  # unused: no leaky_relu here
    type = "rnn"

    @property
    def shape(self):  # what the next layer gets: a vector of its units
        return self.units

    def wanted(self, l: int, inputs: int) -> dict:
        """Its parameters: name -> (kind, rows, cols, layer, what the layer needs)."""
        out = {f"Wxh{l}": ("matrix", self.units, inputs, l,
                           f"layer {l} (rnn) needs {self.units}×{inputs} (units × inputs)"),
               f"Whh{l}": ("matrix", self.units, self.units, l,
                           f"layer {l} (rnn) needs {self.units}×{self.units} (units × units)")}
        if self.bias:
            out[f"b{l}"] = ("vector", self.units, None, l, f"layer {l} has {self.units} "
                                                           f"unit{'s' * (self.units != 1)}")
        return out


@dataclass(frozen=True)
class SequenceSample:
    x: tuple  # one tuple of inputs per time step
    y: tuple | None  # output all: one tuple per time step; last: one tuple; None: no loss
    label: None = None


def read_rnn(net, at: tuple, entry: dict, i: int, default_bias: bool) -> RNNLayer:
    r = net.r
    r.unknown_keys(at, entry, KEYS, f"layer {i + 1} (rnn)")
    if i != 0:
        net.fail(at, "an rnn layer reads the input sequence: make it the first layer")
    if "units" not in entry:
        net.fail(at, f"layer {i + 1} (rnn) needs 'units:' (the size of hₜ), like "
                     f"{{type: rnn, units: 2, activation: tanh}}")
    units = net.size(at + ("units",), entry["units"], "units")
    if not isinstance(units, int):
        net.fail(at + ("units",), "an rnn layer needs a number of units, not a symbolic size")
    activation = entry.get("activation", "tanh")
    if activation not in ACTIVATIONS:
        net.choice(at + ("activation",), activation, ACTIVATIONS, "rnn activation", {},
                   extra=" (torch.nn.RNN's nonlinearity)")
    output = entry.get("output", "last")
    if output not in OUTPUTS:
        net.choice(at + ("output",), output, OUTPUTS, "rnn output", {},
                   extra=" (the loss on the last time step's output, or on all of them)")
    bias = net.flag(at + ("bias",), entry["bias"]) if "bias" in entry else default_bias
    h0 = None
    if entry.get("h0") is not None:
        h0 = tuple(v for v in net.vector(at + ("h0",), entry["h0"], units,
                                         f"h₀ has the {units} units of the layer"))
    return RNNLayer(units=units, activation=str(activation), output=str(output), bias=bias, h0=h0)


def read_sequences(net, top: dict, n_in: int, n_out: int, loss, rnn: RNNLayer, softmax: bool):
    """Every sample's sequence, of the same number of time steps (torch.nn.RNN's batch)."""
    if top.get("data") is None:
        net.fail(("network", "layers", 0), "an rnn reads sequences: add 'data:', like "
                                           "data: [{x: [[1], [0.5], [-1]], y: 0.2}]")
    steps = None
    out = []
    for k, at, sample in net.samples(top, "sequence", "{x: [[1], [0.5]], y: 0}"):
        if "x" not in sample:
            net.fail(at, f"sample {k + 1} (data[{k}]) has no 'x', its sequence: a list of time "
                         f"steps, like x: [[1], [0.5], [-1]]")
        if sample["x"] is None:  # the rnn is unrolled over the steps: their number is needed
            net.fail(at + ("x",), "an rnn unrolls over the time steps, so x lists them even when "
                                  "its entries are symbols: write null for each, like "
                                  "x: [null, null, null] (one input) or [[null], [null]]")
        x = sequence(net, at + ("x",), sample["x"], n_in, "input")
        if steps is None:
            steps = len(x)
        elif len(x) != steps:
            net.fail(at + ("x",), f"has {len(x)} time steps but data[0].x has {steps}; every "
                                  f"sequence of a batch has the same length (as torch.nn.RNN's)")
        y = None
        if loss is not None:
            if "y" not in sample:
                net.fail(at, f"sample {k + 1} (data[{k}]) has no 'y', which the loss needs "
                             f"(null for symbols)")
            if sample["y"] is None:  # every target a symbol
                y = tuple((None,) * n_out for _ in x) if rnn.output == "all" else (None,) * n_out
            elif rnn.output == "all":
                ys = net.r.sequence(at + ("y",), sample["y"], f"data[{k}].y",
                                    like="y: [0.5, -0.2, 0.1], one target per time step")
                if len(ys) != len(x):
                    net.fail(at + ("y",), f"has {len(ys)} targets but x has {len(x)} time steps; "
                                          f"with output: all each time step has its target")
                y = tuple(net.target(at + ("y", t), v, n_out, loss, softmax)[0] or (None,) * n_out
                          for t, v in enumerate(ys))  # a null step: every target a symbol
            else:
                y = net.target(at + ("y",), sample["y"], n_out, loss, softmax)[0]
        out.append(SequenceSample(x=x, y=y))
    return tuple(out)


def sequence(net, path: tuple, value, n_in: int, what: str) -> tuple:
    """A list of time steps, each a list of `n_in` numbers (or one number when n_in is 1)."""
    like = "[[1], [0.5], [-1]]" if n_in == 1 else "[[1, 0], [0.5, 2], [-1, 1]]"
    if not isinstance(value, list) or not value:
        net.fail(path, f"must be a sequence, a list of time steps like x: {like}, not "
                       f"{'an empty list' if value == [] else _kind(value)}")
    if len(value) > MAX_STEPS:
        net.fail(path, f"has {len(value)} time steps; the limit is {MAX_STEPS}")
    steps = []
    for t, step in enumerate(value):
        at = path + (t,)
        if (is_number(step) or step is None) and n_in == 1:  # null: one symbolic input
            step = [step]
        if not isinstance(step, list):
            net.fail(at, f"time step {t + 1} must be a list of {n_in} {what}s, like {like}"
                         f"'s first, not {_kind(step)}" if n_in > 1 else
                         f"time step {t + 1} must be a number (or a list of one), not "
                         f"{_kind(step)}")
        if len(step) != n_in:
            net.fail(at, f"time step {t + 1} has {len(step)} entr{'ies' if len(step) != 1 else 'y'}, "
                         f"but the network has {n_in} input{'s' * (n_in != 1)}: every time step "
                         f"gives each input once")
        steps.append(tuple(net.r.number(at + (j,), v, allow_null=True)  # null: a symbol
                           for j, v in enumerate(step)))
    return tuple(steps)


def first_null(data: tuple, rnn: RNNLayer, loss) -> tuple | None:
    """The path of the first null entry of h0 or the sequences, or None."""
    for j, v in enumerate(rnn.h0 or ()):
        if v is None:
            return ("network", "layers", 0, "h0", j)
    for k, sample in enumerate(data):
        for t, step in enumerate(sample.x):
            if None in step:
                return ("data", k, "x", t, step.index(None))
        if loss is None or sample.y is None:
            continue
        targets = sample.y if rnn.output == "all" else (sample.y,)
        for t, step in enumerate(targets):
            if None in step:
                return ("data", k, "y") + ((t,) if rnn.output == "all" else ()) + (step.index(None),)
    return None
