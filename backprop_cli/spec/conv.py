"""Layers with a shape: `conv2d`, `conv1d`, `maxpool2d`, `avgpool2d` and `flatten`, read from
a layered problem's `layers:` as torch.nn's modules define them (cross-correlation, zero
padding, pooling stride defaulting to the kernel, flatten in C order).

A shape is a tuple: (channels, height, width) for a 2-D map, (channels, length) for a 1-D
one; a flat vector's is its size (an int). Every layer knows the shape it makes, so the
next one is checked against it; a message names the field and both shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import prod

from ..yamlload import Flag
from .base import _kind

CONV_KEYS = ("type", "filters", "kernel", "stride", "padding", "activation", "bias", "alpha")
POOL_KEYS = ("type", "kernel", "stride")
FLATTEN_KEYS = ("type",)
MAX_KERNEL = 16
MAX_MAP = 4096  # entries in one feature map: each is a unit of the scalar graph


@dataclass(frozen=True)
class ConvLayer:
    type: str  # conv2d or conv1d
    filters: int
    kernel: int
    stride: int
    padding: int
    activation: str
    bias: bool
    alpha: Fraction
    before: tuple  # the input's shape
    shape: tuple  # the output's: (filters, height, width) or (filters, length)

    @property
    def units(self) -> int:
        return prod(self.shape)

    @property
    def kernel_shape(self) -> tuple:
        return (self.filters, self.before[0]) + (self.kernel,) * (len(self.before) - 1)


@dataclass(frozen=True)
class PoolLayer:
    type: str  # maxpool2d or avgpool2d
    kernel: int
    stride: int
    before: tuple
    shape: tuple
    activation = "identity"
    bias = False

    @property
    def units(self) -> int:
        return prod(self.shape)


@dataclass(frozen=True)
class FlattenLayer:
    before: tuple
    type = "flatten"
    activation = "identity"
    bias = False

    @property
    def units(self) -> int:
        return prod(self.before)

    @property
    def shape(self) -> int:
        return self.units


def spatial(layer) -> bool:
    """Whether a layer is one of this module's (a dense Layer has no `before`)."""
    return hasattr(layer, "before")


def dims(shape) -> str:
    """1×4×4, or 16 for a flat vector."""
    return "×".join(map(str, shape)) if isinstance(shape, tuple) else str(shape)


class ShapedLayers:
    """The readers of the `type:`s here; `net` is spec/network.py's reader (its fail, size,
    flag and activation helpers), so messages read like the dense layers'."""

    def __init__(self, net):
        self.net = net
        self.r = net.r

    def whole(self, path, value, what, low=1, high=MAX_KERNEL, like=None) -> int:
        if is_whole(value) and low <= int(value) <= high:
            return int(value)
        why = f"a whole number from {low} to {high}" if is_whole(value) else \
            f"a whole number (one size for every side), not {_kind_of(value)}"
        self.net.fail(path, f"{what} must be {why}; write it like {like or low}")

    def needs_map(self, at, kind, shape, i, rank=3):
        if isinstance(shape, tuple) and len(shape) == rank:
            return
        want = "[channels, height, width]" if rank == 3 else "[channels, length]"
        if i == 0:
            now = f", not {dims(shape)}" if isinstance(shape, tuple) else ""
            self.net.fail(("network", "inputs"), f"layer 1 ({kind}) needs an input shape: write "
                                                 f"inputs as {want}{now}, like inputs: "
                                                 f"{[1, 4, 4] if rank == 3 else [1, 6]}")
        self.net.fail(at, f"{kind} needs a {want} input, but layer {i} makes {dims(shape)}"
                          + (": put it before the flatten layer" if not isinstance(shape, tuple) else ""))

    def conv(self, at, entry, i, shape, default_bias):
        kind = entry["type"]
        rank = 3 if kind == "conv2d" else 2
        self.r.unknown_keys(at, entry, CONV_KEYS, f"layer {i + 1} ({kind})")
        self.needs_map(at, kind, shape, i, rank)
        if "filters" not in entry:
            self.net.fail(at, f"layer {i + 1} ({kind}) needs 'filters:' (how many feature maps "
                              f"it makes), like {{type: {kind}, filters: 1, kernel: 2}}")
        if "kernel" not in entry:
            self.net.fail(at, f"layer {i + 1} ({kind}) needs 'kernel:' (the kernel's size), "
                              f"like kernel: 2")
        filters = self.whole(at + ("filters",), entry["filters"], "filters", high=64)
        kernel = self.whole(at + ("kernel",), entry["kernel"], "kernel")
        stride = self.whole(at + ("stride",), entry.get("stride", 1), "stride")
        padding = self.whole(at + ("padding",), entry.get("padding", 0), "padding", low=0,
                             high=MAX_KERNEL, like=1)
        if padding >= kernel:
            self.net.fail(at + ("padding",), f"padding {padding} is not less than the kernel "
                                             f"{kernel}: a corner window would see only padding; "
                                             f"use padding: {kernel - 1} or less")
        activation, alpha = self.net.activation(at, entry)
        bias = self.net.flag(at + ("bias",), entry["bias"]) if "bias" in entry else default_bias
        sides = self.sides(at, kind, shape[1:], kernel, stride, padding)
        out = (filters,) + sides
        self.map_size(at, out)
        return ConvLayer(kind, filters, kernel, stride, padding, activation, bias, alpha,
                         shape, out)

    def pool(self, at, entry, i, shape, default_bias):
        kind = entry["type"]
        self.r.unknown_keys(at, entry, POOL_KEYS, f"layer {i + 1} ({kind})")
        self.needs_map(at, kind, shape, i)
        if "kernel" not in entry:
            self.net.fail(at, f"layer {i + 1} ({kind}) needs 'kernel:' (the window's size), "
                              f"like kernel: 2")
        kernel = self.whole(at + ("kernel",), entry["kernel"], "kernel")
        stride = self.whole(at + ("stride",), entry.get("stride", kernel), "stride")
        sides = self.sides(at, kind, shape[1:], kernel, stride, 0)
        return PoolLayer(kind, kernel, stride, shape, (shape[0],) + sides)

    def flatten(self, at, entry, i, shape, default_bias):
        self.r.unknown_keys(at, entry, FLATTEN_KEYS, f"layer {i + 1} (flatten)")
        if not isinstance(shape, tuple):
            self.net.fail(at, "flatten needs a feature map to flatten, but "
                              + ("the input is a vector" if i == 0 else
                                 f"layer {i} already makes a vector of {shape}")
                              + ": remove this layer")
        return FlattenLayer(shape)

    def sides(self, at, kind, sides, kernel, stride, padding) -> tuple:
        out = []
        for n in sides:
            padded = n + 2 * padding
            pad = f" + 2·{padding} padding" if padding else ""
            if kernel > padded:
                self.net.fail(at + ("kernel",), f"the {kind} kernel {kernel} is larger than its "
                                                f"input ({n}{pad} = {padded}): use kernel: "
                                                f"{padded} or less" if pad else
                              f"the {kind} kernel {kernel} is larger than its input ({n}): use "
                              f"kernel: {n} or less, or add padding")
            if (padded - kernel) % stride:
                self.net.fail(at + ("stride",),
                              f"the output size ({n}{pad} − {kernel}) / {stride} + 1 = "
                              f"{Fraction(padded - kernel, stride) + 1} is not a whole number: "
                              f"choose stride, kernel or padding so that the kernel ends on the "
                              f"input's last entry")
            out.append((padded - kernel) // stride + 1)
        return tuple(out)

    def map_size(self, at, shape):
        if prod(shape) > MAX_MAP:
            self.net.fail(at, f"makes a {dims(shape)} map, {prod(shape)} entries; the limit is "
                              f"{MAX_MAP}: use fewer filters or a smaller input")


def read_shape(net, path, value) -> tuple:
    """`inputs: [channels, height, width]` (or [channels, length])."""
    if not 2 <= len(value) <= 3:
        net.fail(path, f"an input shape is [channels, height, width] or [channels, length], "
                       f"not {len(value)} numbers")
    for k, n in enumerate(value):
        if not is_whole(n) or not 1 <= int(n) <= 64:
            net.fail(path + (k,), f"each size of the input's shape is a whole number from 1 to 64, "
                                  f"not {_kind_of(n)}")
    return tuple(int(n) for n in value)


def nested(net, path, value, shape, what, need) -> tuple:
    """A nested list of `shape` (K's filters × channels × k × k, a sample's map) read into
    a flat tuple in C order; a single channel's map may leave its outer brackets out."""
    written = _shape_of(value)
    if written == shape[1:] and shape[0] == 1 and len(shape) > 1:
        value, written = [value], shape
    if written != shape:
        brackets = "[" * len(shape) + "..." + "]" * len(shape)
        net.fail(path, f"is {dims(written) if written else _kind_of(value)}, but {need} "
                       f"{dims(shape)} ({what}): write it as a nested list {brackets}")
    out = []

    def walk(v, at):
        if isinstance(v, list):
            for k, item in enumerate(v):
                walk(item, at + (k,))
        else:
            out.append(net.r.number(at, v, allow_null=True))
    walk(value, tuple(path))
    return tuple(out)


def _shape_of(value) -> tuple | None:
    """The shape of a regular nested list of numbers, or None (ragged, or not a list)."""
    if not isinstance(value, list):
        return None if isinstance(value, (dict, str)) and not _number(value) else ()
    if not value:
        return None
    inner = [_shape_of(v) for v in value]
    if any(s is None or s != inner[0] for s in inner):
        return None
    return (len(value),) + inner[0]


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, (bool, Flag))


def is_whole(value) -> bool:
    if isinstance(value, (bool, Flag)):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _kind_of(value) -> str:
    return _kind(value)
