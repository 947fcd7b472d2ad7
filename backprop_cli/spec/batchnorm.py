"""`{type: batchnorm}` in the layered form: read and checked here (no SymPy).

Batch normalization in training mode, as torch.nn.BatchNorm1d computes it: over the batch,
per unit j, μⱼ = (1/m) Σᵢ aⱼ[i], σ²ⱼ = (1/m) Σᵢ (aⱼ[i] − μⱼ)² (the biased variance),
x̂ⱼ[i] = (aⱼ[i] − μⱼ)/√(σ²ⱼ + ε), zⱼ[i] = γⱼ x̂ⱼ[i] + βⱼ, then the layer's activation.
Its parameters are named by the layer's place in `layers`: gamma2 and beta2 for the
second (torch's weight and bias). The batch is the whole data (one step's gradient needs
every sample's statistics), or with `optimizer: {batch_size: B}` each mini-batch of B
samples (torch's training mode on that mini-batch); a batch of one is refused (variance 0),
and so is a B that does not divide the data (every mini-batch has B rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

KEYS = ("type", "activation", "eps")
DEFAULT_EPS = Fraction(1, 100_000)  # torch.nn.BatchNorm1d's


@dataclass(frozen=True)
class BatchNormLayer:
    units: int  # the size of what it normalizes: the layer before it (or the inputs)
    activation: str
    eps: Fraction
    alpha: Fraction  # leaky_relu's slope, as a dense layer's
    type = "batchnorm"
    bias = False  # it has γ and β, no W and b

    @property
    def shape(self):  # what the next layer gets: a vector of its units
        return self.units

    def wanted(self, l: int) -> dict:
        """Its parameters: name -> (kind, rows, cols, layer, what the layer needs)."""
        need = f"layer {l} (batchnorm) normalizes {self.units} unit{'s' * (self.units != 1)}"
        return {f"gamma{l}": ("vector", self.units, None, l, need),
                f"beta{l}": ("vector", self.units, None, l, need)}


def read_batchnorm(net, at: tuple, entry: dict, i: int, previous, activation: str, alpha):
    """The layer at `at` (the i-th, 0-based) from its mapping; `previous` is the size of
    what comes in. `net` is spec/network.py's reader (its fail and number checks)."""
    net.r.unknown_keys(at, entry, KEYS, f"layer {i + 1} (batchnorm)")
    if not isinstance(previous, int):
        net.fail(at, "batchnorm needs a number of units before it, not a symbolic size")
    eps = DEFAULT_EPS
    if "eps" in entry:
        eps = net.r.number(at + ("eps",), entry["eps"], allow_null=False)
        if eps <= 0:
            net.fail(at + ("eps",), f"must be positive (it keeps √(σ² + ε) above 0), not "
                                    f"{float(eps):g}; torch's default is 1e-5")
    return BatchNormLayer(units=previous, activation=activation, eps=eps, alpha=alpha)


def check(net, top: dict, layers: tuple, data: tuple, optimizer, first_symbol) -> None:
    """What a network with a batchnorm layer needs: a batch of two or more samples (numbers,
    or null for symbols, as a dense network's), every step on the whole batch or on
    mini-batches of two or more (taken in order, cycling, as a dense network's)."""
    where = next(i for i, layer in enumerate(layers) if getattr(layer, "type", "") == "batchnorm")
    if top.get("data") is None:
        net.fail(("network", "layers", where),
                 "batchnorm normalizes over a batch: add 'data:' with two or more samples")
    if len(data) < 2:
        net.fail(("data",), "has one sample, but batchnorm normalizes over the batch: its "
                            "variance over one sample is 0 and x̂ is 0; give two or more samples")
    size = optimizer.batch_size if optimizer is not None else None
    if size is not None and size < len(data):  # mini-batches, each normalized on its own
        if size == 1:
            net.fail(("optimizer", "batch_size"), "is 1, but batchnorm normalizes over the "
                                                  "mini-batch: its variance over one sample is "
                                                  "0 (torch raises); use batch_size: 2 or more")
