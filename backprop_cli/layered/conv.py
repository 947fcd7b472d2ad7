"""Convolution, pooling and flatten layers (spec/conv.py) compiled to the shared scalar graph:
one node per entry of a feature map, so their gradients come from the same engine as a
dense layer's.

A conv entry is the sum a kernel sliding over its input makes there (torch's
cross-correlation, padding entries left out since they are 0); a max-pool entry is
`maxpool` of its window, whose derivative is torch's (all to the first largest entry in
the window's row-major order); an average-pool entry the window's mean; flatten makes no
nodes, its vector is the map's entries in C order.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import sympy as sp

from ..graph import Name, Node
from ..vocab import ACTIVATIONS


class maxpool(sp.Function):
    """The largest of a pooling window's entries (in the window's row-major order)."""

    @classmethod
    def eval(cls, *args):
        if args and all(a.is_number and a.is_comparable for a in args):
            return args[first_largest(args)]

    def fdiff(self, argindex=1):
        return argmax_is(sp.Integer(argindex), *self.args)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None

    def _latex(self, printer):
        return "\\max\\left(" + ", ".join(printer._print(a) for a in self.args) + "\\right)"

    def _unicode(self, printer):
        return f"max({_window(printer, self.args, 60)})"


class argmax_is(sp.Function):
    """[k = argmax(a₁, …, aₙ)]: 1 where a_k is the window's first largest entry (torch's
    choice at a tie), else 0: ∂ max/∂a_k."""

    @classmethod
    def eval(cls, k, *args):
        if args and all(a.is_number and a.is_comparable for a in args):
            return sp.Integer(int(first_largest(args) + 1 == k))

    def _eval_is_real(self):
        return True

    def _latex(self, printer):
        k, *args = self.args
        inner = ", ".join(printer._print(a) for a in args)
        return f"\\left[\\operatorname{{argmax}}\\left({inner}\\right) = {k}\\right]"

    def _unicode(self, printer):
        k, *args = self.args
        return f"[argmax({_window(printer, args, 30)}) = {k}]"


def _window(printer, args, room: int) -> str:
    """A window's entries for the terminal, or where they take more than `room` characters
    (its names, not its numbers), its first and last: a⁽¹⁾₂,₂ … a⁽¹⁾₃,₃."""
    parts = [printer._print(a) for a in args]
    text = ", ".join(parts)
    return text if len(text) <= room or len(parts) <= 2 else f"{parts[0]} … {parts[-1]}"


def first_largest(values) -> int:
    """The index of the first largest value: torch's max-pool picks it at a tie."""
    best = 0
    for k, v in enumerate(values):
        if v > values[best]:
            best = k
    return best


@dataclass(frozen=True)
class ShapedView:
    """A conv, pooling or flatten layer laid out: its kernel K (as `W`, so the network's
    parameter list takes it like a weight matrix), bias, pre-activation map z (None for
    pooling and flatten) and output a."""

    index: int
    spec: object  # the spec/conv.py layer
    activation: str
    alpha: sp.Rational
    W: object  # Tensor: the kernel K, or None
    b: object
    z: object
    a: object
    previous: object

    @property
    def type(self) -> str:
        return self.spec.type

    def parameters(self) -> tuple:
        return tuple(t for t in (self.W, self.b) if t is not None)

    def computed(self) -> tuple:
        """The layer's computed maps or vectors (pooling and flatten have no z)."""
        return tuple(t for t in (self.z, self.a) if t is not None)


def map_tensor(tensor_class, entry, naming, whole: Name, key: str, shape: tuple, keep: tuple):
    """A tensor of `shape` whose entries are symbols `key[i,j,...]` (1-based); an index
    whose position `keep` marks False is left out of the entry's written name (the one
    channel of a single-channel map)."""
    def build(prefix, rest):
        if not rest:
            shown = tuple(i for i, k in zip(prefix, keep) if k)
            return entry(naming, whole, key, prefix, not shown, shown=shown)
        return tuple(build(prefix + (i + 1,), rest[1:]) for i in range(rest[0]))
    return tensor_class(whole.plain, whole.latex, whole.unicode, build((), shape), matrix=True)


def entry_at(tensor, index: tuple):
    """The entry at a 0-based index."""
    e = tensor.entries
    for i in index:
        e = e[i]
    return e


def compile_layer(ctx, l: int, spec, previous, last: bool) -> tuple:
    """(the layer's ShapedView, its nodes). `ctx` gives the naming, the tensor builders
    and the parameters' registration (compile.py's build_network_graph)."""
    if spec.type == "flatten":
        flat = tuple(previous.symbols)
        name = ctx.layer_name(ctx.post, l, "a")
        from_map = ctx.Tensor(name.plain, name.latex, name.unicode, flat)
        return ShapedView(l, spec, "identity", sp.Integer(0), None, None, None, from_map,
                          previous), []
    keep = (spec.shape[0] > 1,) + (True,) * (len(spec.shape) - 1)
    if spec.type in ("maxpool2d", "avgpool2d"):
        name = ctx.layer_name(ctx.post, l, "a")
        a = map_tensor(ctx.Tensor, ctx.entry, ctx.naming, name, f"a{l}", spec.shape, keep)
        nodes = []
        k, s = spec.kernel, spec.stride
        for c, i, j in product(*map(range, spec.shape)):
            window = [entry_at(previous, (c, s * i + u, s * j + v))
                      for u, v in product(range(k), range(k))]
            if spec.type == "maxpool2d":
                expr, display = maxpool(*window), maxpool(*window, evaluate=False)
            else:
                mean = sp.Rational(1, k * k)
                total = sp.Add(*window, evaluate=False)
                expr, display = mean * sp.Add(*window), sp.Mul(mean, total, evaluate=False)
            symbol = entry_at(a, (c, i, j))
            nodes.append(Node(symbol, expr, display, given=True, written=display))
        return ShapedView(l, spec, "identity", sp.Integer(0), None, None, None, a, previous), nodes
    # conv2d / conv1d
    channels = spec.before[0]
    K = map_tensor(ctx.Tensor, ctx.entry, ctx.naming, ctx.layer_name("K", l), f"K{l}",
                   spec.kernel_shape, (spec.filters > 1, channels > 1) + (True,) * (len(spec.shape) - 1))
    b = ctx.vector(ctx.layer_name("b", l), f"b{l}", spec.filters) if spec.bias else None
    for tensor in (K, b):
        if tensor is not None:
            ctx.add_params(tensor)
    z = map_tensor(ctx.Tensor, ctx.entry, ctx.naming, ctx.layer_name(ctx.pre, l, "z"), f"z{l}",
                   spec.shape, keep)
    a_name = Name("\\hat{y}", "ŷ", "yhat") if last else ctx.layer_name(ctx.post, l, "a")
    a = map_tensor(ctx.Tensor, ctx.entry, ctx.naming, a_name, "yhat" if last else f"a{l}",
                   spec.shape, keep)
    nodes = []
    k, s, p = spec.kernel, spec.stride, spec.padding
    sides = spec.before[1:]
    for out in product(*map(range, spec.shape)):
        f, at = out[0], out[1:]
        terms = []
        for c in range(channels):
            for offset in product(range(k), repeat=len(at)):
                where = tuple(s * i + u - p for i, u in zip(at, offset))
                if all(0 <= w < n for w, n in zip(where, sides)):  # padding adds 0
                    terms.append((entry_at(K, (f, c) + offset), entry_at(previous, (c,) + where)))
        bias = b.entries[f] if b is not None else None
        expr = ctx.dense_sum(terms, bias)
        shown = [sp.Mul(w, v, evaluate=False) for w, v in terms] + ([bias] if bias is not None else [])
        display = shown[0] if len(shown) == 1 else sp.Add(*shown, evaluate=False)
        nodes.append(Node(entry_at(z, out), expr, display, given=True, written=display))
    alpha = sp.Rational(spec.alpha.numerator, spec.alpha.denominator)
    flat_z = z.symbols
    for n, symbol in enumerate(a.symbols):
        expr, display = ACTIVATIONS[spec.activation].unit(flat_z, n, alpha)
        nodes.append(Node(symbol, expr, display, given=True, written=display))
    return ShapedView(l, spec, spec.activation, alpha, K, b, z, a, previous), nodes


def input_map(ctx, shape: tuple):
    """The input x as a map: x_{c,i,j} (the channel left out of a single channel's names)."""
    keep = (shape[0] > 1,) + (True,) * (len(shape) - 1)
    return map_tensor(ctx.Tensor, ctx.entry, ctx.naming, Name("x", "x", "x"), "x", shape, keep)
