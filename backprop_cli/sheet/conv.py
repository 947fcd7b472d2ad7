"""A network with convolution, pooling or flatten layers, laid out in the course's language:
the layers' rules (a kernel sliding over its input, a window's max or mean, the map read
in C order), then, sample by sample, the feature maps and the δ maps with the kernel's
gradient as a correlation of the input with δ and max-pooling's δ routed to each window's
winner. Every number is the engine's (node values and the adjoints of its backward
steps); the entry-by-entry lines follow as the graph form lays them out.
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from ..graph import layer_indexed
from ..layered.conv import first_largest
from ..layered.matrix import MatrixWork, Notation
from ..vocab import ACTIVATIONS, LOSSES
from .model import Derivation, Mat, MatrixLine, Named, Op, Table

CONV_TYPES = ("conv2d", "conv1d")


def shaped(problem) -> bool:
    """Whether a problem has a layer with a shape (spec/conv.py's): laid out here."""
    return problem.shape is not None


def conv_work(network, solution) -> MatrixWork:
    names = solution.graph.names
    naming = replace(names, names=dict(names.names), _derivatives=dict(names._derivatives),
                     _by_symbols=dict(names._by_symbols))  # the lookups below add names: a copy
    work = _Maps(network, solution, naming)
    blocks = []
    first = solution.passes[0]
    for k in range(1, len(first.samples) + 1):
        of = f", sample {k}" if len(first.samples) > 1 else ""
        blocks.append(Derivation("Feature maps" + of, tuple(work.forward(first, k))))
        if first.samples[k - 1].backward:
            blocks.append(Derivation("δ maps and gradients" + of, tuple(work.backward(first, k))))
    return MatrixWork(general=general(network.problem), blocks=tuple(blocks), names=naming.names)


# --- the rules, no numbers ------------------------------------------------------------------

def _name(problem, letter: str, l: int, uni: str | None = None) -> Named:
    return Named(*layer_indexed(letter, uni or letter, l, problem.notation.layer_index))


def general(problem) -> tuple:
    n = Notation(problem, batch=False)
    rows = []
    for l, layer in enumerate(problem.layers, start=1):
        prev = n.a(l - 1) if l > 1 else Named("x", "x")
        z, a = _name(problem, problem.pre, l), _name(problem, problem.post, l)
        if l == len(problem.layers):
            a = Named("\\hat{y}", "ŷ")
        kind = getattr(layer, "type", "dense")
        if kind in CONV_TYPES:
            K, b = _name(problem, "K", l), _name(problem, "b", l)
            one = kind == "conv1d"
            s, p = layer.stride, layer.padding
            at = "i" if one else "i,j"
            inner = ("c,u", f"c,{_pos(s, 'i', 'u', p)}") if one else \
                ("c,u,v", f"c,{_pos(s, 'i', 'u', p)},{_pos(s, 'j', 'v', p)}")
            bias = f" + {b.latex}_{{f}}" if layer.bias else ""
            bias_u = f" + {b.unicode}_f" if layer.bias else ""
            sums = "\\sum_{c}\\sum_{u" + ("" if one else ",v") + "}"
            rule = Named(f"{z.latex}_{{f,{at}}} = {sums} {K.latex}_{{f,{inner[0]}}}\\, "
                         f"{prev.latex}_{{{inner[1]}}}{bias}",
                         f"{z.unicode}_f,{at} = Σ_c Σ_u{'' if one else ',v'} "
                         f"{K.unicode}_f,{inner[0]} {prev.unicode}_{inner[1]}{bias_u}")
            what = f"{kind}, {layer.filters} filter{'s' * (layer.filters != 1)} of " \
                   f"{layer.kernel}" + ("" if one else f"×{layer.kernel}") + \
                   f", stride {s}, padding {p}"
            rows.append(((Named(f"\\text{{{what}}}", what),), (prev,), (rule,)))
            f = ACTIVATIONS[layer.activation].symbol
            if layer.activation != "identity":
                rows.append(((Named(f[0], f[1]),), (z,),
                             (a, Op("="), Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})"))))
        elif kind in ("maxpool2d", "avgpool2d"):
            k, s = layer.kernel, layer.stride
            how = "\\max" if kind == "maxpool2d" else f"\\tfrac{{1}}{{{k * k}}}\\sum"
            how_u = "max" if kind == "maxpool2d" else f"(1/{k * k}) Σ"
            rule = Named(f"{a.latex}_{{c,i,j}} = {how}_{{u,v = 1..{k}}} "
                         f"{prev.latex}_{{c,{_pos(s, 'i', 'u', 0)},{_pos(s, 'j', 'v', 0)}}}",
                         f"{a.unicode}_c,i,j = {how_u}_u,v=1..{k} "
                         f"{prev.unicode}_c,{_pos(s, 'i', 'u', 0)},{_pos(s, 'j', 'v', 0)}")
            what = f"{kind}, {k}×{k} windows, stride {s}"
            rows.append(((Named(f"\\text{{{what}}}", what),), (prev,), (rule,)))
        elif kind == "flatten":
            rows.append(((Named("\\text{flatten}", "flatten"),), (prev,),
                         (a, Op("="), Named(f"\\operatorname{{vec}}\\left({prev.latex}\\right)",
                                            f"vec({prev.unicode})"),
                          Named("\\text{ (channel by channel, row by row)}",
                                " (channel by channel, row by row)"))))
        else:
            W = _name(problem, "W", l)
            linear = (z, Op("="), W, prev) + ((Op("+"), _name(problem, n.vector("b"), l, "b"))
                                              if layer.bias else ())
            rows.append(((Named("\\text{dense}", "dense"),), (prev,), linear))
            f = ACTIVATIONS[layer.activation].symbol
            if layer.activation != "identity":
                rows.append(((Named(f[0], f[1]),), (z,),
                             (a, Op("="), Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})"))))
    if problem.loss is not None:
        rows.append(((Named("\\text{Loss}", "Loss"),), (Named("\\hat{y}", "ŷ"), Op(","), n.y),
                     (n.own, Op("="), Named(*LOSSES[problem.loss].formula))))
    out = [Table("Forward pass", ("Layer", "Input", "Output"), tuple(rows))]
    if problem.loss is not None:
        out.append(Derivation("Backward through a convolution or pooling layer", tuple(_rules(problem)),
                              intro=("with $\\delta = \\partial L/\\partial z$ of each layer",
                                     "with δ = ∂L/∂z of each layer")))
    return tuple(out)


def _pos(s: int, i: str, u: str, p: int) -> str:
    """The input index a kernel entry u meets at output i: s(i − 1) + u − p."""
    start = i if s == 1 else f"{s}({i}-1)+{u}"
    if s == 1:
        start = f"{i}+{u}-1"
    return start + (f"-{p}" if p else "")


def _rules(problem) -> list:
    lines = []
    for l, layer in enumerate(problem.layers, start=1):
        kind = getattr(layer, "type", "dense")
        prev = "x" if l == 1 else _name(problem, problem.post, l - 1).latex
        prev_u = "x" if l == 1 else _name(problem, problem.post, l - 1).unicode
        d, K = _name(problem, "\\delta", l, "δ"), _name(problem, "K", l)
        if kind in CONV_TYPES:
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {K.latex}", f"∂L/∂{K.unicode}"),),
                                    ((Named(f"{prev} \\star {d.latex}", f"{prev_u} ⋆ {d.unicode}"),),),
                                    note=("the input correlated with $\\delta$ (its entries "
                                          f"{layer.stride} apart for stride {layer.stride}, "
                                          "padded with zeros)" if layer.stride > 1 or layer.padding
                                          else "the input correlated with $\\delta$",
                                          f"the input correlated with δ (its entries {layer.stride} "
                                          f"apart for stride {layer.stride}, padded with zeros)"
                                          if layer.stride > 1 or layer.padding
                                          else "the input correlated with δ")))
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named(f"{d.latex} \\ast_{{\\text{{full}}}} "
                                            f"\\operatorname{{rot180}}\\left({K.latex}\\right)",
                                            f"{d.unicode} ∗full rot180({K.unicode})"),),),
                                    note=("a full convolution of $\\delta$ with the flipped kernel",
                                          "a full convolution of δ with the flipped kernel")))
        elif kind == "maxpool2d":
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named("\\text{each window's } \\partial L/\\partial "
                                            f"{_name(problem, problem.post, l).latex}"
                                            "\\text{ at its largest entry, 0 elsewhere}",
                                            f"each window's ∂L/∂{_name(problem, problem.post, l).unicode}"
                                            " at its largest entry, 0 elsewhere"),),),
                                    note=("at a tie the first largest in the window, row by row, "
                                          "as PyTorch", "at a tie the first largest in the "
                                          "window, row by row, as PyTorch")))
        elif kind == "avgpool2d":
            k = layer.kernel
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named(f"\\text{{each window's }} \\partial L/\\partial "
                                            f"{_name(problem, problem.post, l).latex} / {k * k}"
                                            "\\text{ on every entry}",
                                            f"each window's ∂L/∂{_name(problem, problem.post, l).unicode}"
                                            f" / {k * k} on every entry"),),),))
    return lines


# --- the maps with numbers ------------------------------------------------------------------

class _Maps:
    def __init__(self, network, solution, naming):
        self.net = network
        self.sol = solution
        self.problem = network.problem
        self.naming = naming
        self.m = len(solution.graph.samples)

    def values(self, current, k):
        sample = current.samples[k - 1]
        env = {s: v for s, v in sample.given.items()}
        env.update(current.params)
        env.update(sample.values)
        return env

    def adjoints(self, current, k):
        sample = current.samples[k - 1]
        steps = {step.lhs: step.value for step in sample.backward}
        index = k if self.m > 1 else None
        top = self.sol.sample_loss
        return lambda s: steps.get(self.naming.derivative(top, s, index), sp.Integer(0))

    def name(self, letter, l, uni=None):
        return _name(self.problem, letter, l, uni)

    def maps(self, lhs: Named, tensor, value, shape, forms=()) -> list:
        """One line per channel: lhs_c = forms = [map]; a flat tensor as one row."""
        if not isinstance(shape, tuple):
            mat = Mat((tuple(value(s) for s in tensor.symbols),))
            return [MatrixLine((lhs,), tuple(forms) + ((mat,),))]
        lines = []
        for c, channel in enumerate(tensor.entries):
            rows = channel if len(shape) == 3 else (channel,)
            mat = Mat(tuple(tuple(value(s) for s in row) for row in rows))
            named = lhs if shape[0] == 1 else Named(f"{{{lhs.latex}}}_{{{c + 1}}}", f"{lhs.unicode}[{c + 1}]")
            lines.append(MatrixLine((named,), tuple(forms) + ((mat,),)))
        return lines

    def forward(self, current, k) -> list:
        env = self.values(current, k)
        value = lambda s: env.get(s, s)  # noqa: E731
        lines = []
        if self.problem.shape is not None:
            lines += self.maps(Named("x", "x"), self.net.x, value, self.problem.shape)
        for view in self.net.layers:
            l, spec = view.index, view.spec if hasattr(view, "spec") else None
            kind = spec.type if spec is not None else "dense"
            prev = Named("x", "x") if l == 1 else self.name(self.problem.post, l - 1)
            last = l == len(self.net.layers)
            a = Named("\\hat{y}", "ŷ") if last else self.name(self.problem.post, l)
            shape = spec.shape if spec is not None else len(view.a.entries)
            if kind in CONV_TYPES:
                K = self.name("K", l)
                lines += self.maps(K, _kernel_view(view.W), lambda s: current.params.get(s, s),
                                   _kernel_shape(spec))
                op = Named(f"{K.latex} \\star {prev.latex}", f"{K.unicode} ⋆ {prev.unicode}")
                form = (op, Op("+"), self.name("b", l)) if spec.bias else (op,)
                lines += self.maps(self.name(self.problem.pre, l), view.z, value, shape, (form,))
                if view.activation != "identity":
                    f = ACTIVATIONS[view.activation].symbol
                    z = self.name(self.problem.pre, l)
                    lines += self.maps(a, view.a, value, shape,
                                       ((Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})"),),))
            elif kind in ("maxpool2d", "avgpool2d"):
                how = "maxpool" if kind == "maxpool2d" else "avgpool"
                form = (Named(f"\\operatorname{{{how}}}_{{{spec.kernel}\\times{spec.kernel}}}"
                              f"\\left({prev.latex}\\right)", f"{how}{spec.kernel}×{spec.kernel}({prev.unicode})"),)
                out = self.maps(a, view.a, value, shape, (form,))
                if kind == "maxpool2d":
                    out[-1] = replace(out[-1], note=self.winners(view, env))
                lines += out
            elif kind == "flatten":
                lines += self.maps(a, view.a, value, view.a and len(view.a.entries),
                                   ((Named(f"\\operatorname{{vec}}\\left({prev.latex}\\right)",
                                           f"vec({prev.unicode})"),),))
            else:
                z = self.name(self.problem.pre, l)
                lines += self.maps(z, view.z, value, shape,
                                   ((self.name("W", l), prev) + ((Op("+"), self.name("b", l)) if view.b else ()),))
                f = ACTIVATIONS[view.activation].symbol
                if view.activation != "identity":
                    lines += self.maps(a, view.a, value, shape,
                                       ((Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})"),),))
        return lines

    def winners(self, view, env) -> tuple:
        """Which entry of each window is its max: 'window (1, 1): x₂,₂ = 0.5'."""
        spec = view.spec
        k, s = spec.kernel, spec.stride
        said = []
        for c in range(spec.shape[0]):
            for i in range(spec.shape[1]):
                for j in range(spec.shape[2]):
                    cells = [(s * i + u, s * j + v) for u in range(k) for v in range(k)]
                    vals = [env.get(view.previous.entries[c][p][q]) for p, q in cells]
                    if any(v is None or not v.is_number for v in vals):
                        return None
                    p, q = cells[first_largest(vals)]
                    where = (f"{c + 1}," if spec.shape[0] > 1 else "") + f"{p + 1},{q + 1}"
                    said.append(f"({(f'{c + 1},' if spec.shape[0] > 1 else '')}{i + 1},{j + 1}) from ({where})")
        text = "each window's largest entry, (output) from (input): " + "; ".join(said)
        return (f"\\text{{{text}}}", text)

    def backward(self, current, k) -> list:
        adjoint = self.adjoints(current, k)
        grads = current.gradients
        g = lambda s: grads.get(s, s)  # noqa: E731
        grad = lambda t: Named(f"\\partial L/\\partial {t.latex}", f"∂L/∂{t.unicode}")  # noqa: E731
        lines = []
        layers = self.net.layers
        for view in reversed(layers):
            l, spec = view.index, getattr(view, "spec", None)
            kind = spec.type if spec is not None else "dense"
            last = l == len(layers)
            z, a = self.name(self.problem.pre, l), self.name(self.problem.post, l)
            prev = Named("x", "x") if l == 1 else self.name(self.problem.post, l - 1)
            shape = spec.shape if spec is not None else len(view.a.entries)
            d = self.name("\\delta", l, "δ")
            if not last:
                form, note = self.back_form(layers[l], a)
                lines += self.maps(grad(a), view.a, adjoint, shape, (form,) if form else ())
                if note:
                    lines[-1] = replace(lines[-1], note=note)
            if kind not in CONV_TYPES and kind != "dense":
                continue
            f = ACTIVATIONS[view.activation].symbol
            if last:
                form = ()
            elif view.activation == "identity":
                form = ((grad(a),),)
            else:
                form = ((grad(a), Op("⊙"), Named(f"{f[0]}'\\left({z.latex}\\right)",
                                                 f"{f[1]}′({z.unicode})")),)
            lines += self.maps(d, view.z, adjoint, shape, form)
            if kind in CONV_TYPES:
                K = self.name("K", l)
                lines += self.maps(grad(K), _kernel_view(view.W), g, _kernel_shape(spec),
                                   ((Named(f"{prev.latex} \\star {d.latex}",
                                           f"{prev.unicode} ⋆ {d.unicode}"),),))
                if view.b is not None:
                    lines.append(MatrixLine((grad(self.name("b", l)),),
                                            ((Named(f"\\sum_{{i,j}} {d.latex}_{{i,j}}",
                                                    f"Σᵢ,ⱼ {d.unicode}ᵢ,ⱼ"),),
                                             (Mat((tuple(g(s) for s in view.b.entries),)),))))
            else:
                lines.append(MatrixLine((grad(self.name("W", l)),),
                                        ((d, Named(f"{prev.latex}^{{\\top}}", f"{prev.unicode}ᵀ")),
                                         (Mat(tuple(tuple(g(s) for s in row) for row in view.W.entries)),))))
                if view.b is not None:
                    lines.append(MatrixLine((grad(self.name("b", l)),),
                                            ((d,), (Mat((tuple(g(s) for s in view.b.entries),)),))))
        return lines

    def back_form(self, after, a: Named) -> tuple:
        """How ∂L/∂a of a layer comes from the layer `after` it: (form, note)."""
        kind = getattr(after, "type", "dense") if hasattr(after, "spec") else "dense"
        l = after.index
        d = self.name("\\delta", l, "δ")
        nxt = self.name(self.problem.post, l)
        if kind == "dense":
            W = self.name("W", l)
            return (Named(f"{W.latex}^{{\\top}}", f"{W.unicode}ᵀ"), d), None
        if kind == "flatten":
            return (Named(f"\\partial L/\\partial {nxt.latex}", f"∂L/∂{nxt.unicode}"),), \
                ("the same entries, back in the map's shape", "the same entries, back in the map's shape")
        if kind == "maxpool2d":
            return None, ("each window's $\\partial L/\\partial " + nxt.latex + "$ goes to its largest "
                          "entry (above), the others get 0",
                          f"each window's ∂L/∂{nxt.unicode} goes to its largest entry (above), "
                          "the others get 0")
        if kind == "avgpool2d":
            n = after.spec.kernel ** 2
            return None, (f"each window's $\\partial L/\\partial {nxt.latex}$ / {n}, added to "
                          "each of its entries",
                          f"each window's ∂L/∂{nxt.unicode} / {n}, added to each of its entries")
        K = self.name("K", l)
        return (Named(f"{d.latex} \\ast_{{\\text{{full}}}} \\operatorname{{rot180}}\\left({K.latex}\\right)",
                      f"{d.unicode} ∗full rot180({K.unicode})"),), \
            ("a full convolution of δ with the flipped kernel", "a full convolution of δ with the flipped kernel")


def _kernel_shape(spec) -> tuple:
    """A kernel shown as maps: one per (filter, channel) pair."""
    f, c = spec.kernel_shape[:2]
    return (f * c,) + spec.kernel_shape[2:]


def _kernel_view(K):
    """The kernel's entries, its filters' channels one after another (a map each)."""
    return type(K)(K.plain, K.latex, K.unicode, tuple(ch for f in K.entries for ch in f), matrix=True)


# --- the given part ---------------------------------------------------------------------------

def architecture(problem):
    """1×4×4 input → conv2d 2×2 (1 filter): 1×3×3 ReLU → maxpool2d 2×2: 1×2×2 → ..."""
    from .model import Architecture
    words = [(f"${_dims(problem.shape, True)}$ input", f"{_dims(problem.shape)} input")]
    for layer in problem.layers:
        kind = getattr(layer, "type", "dense")
        act = ACTIVATIONS[layer.activation].word
        if kind in CONV_TYPES:
            k = f"{layer.kernel}" if kind == "conv1d" else f"{layer.kernel}×{layer.kernel}"
            head = f"{kind} {k}"
            tail = "" if layer.activation == "identity" else " {}"
            words.append((f"{head}: ${_dims(layer.shape, True)}$" + tail.format(act[0]),
                          f"{head}: {_dims(layer.shape)}" + tail.format(act[1])))
        elif kind in ("maxpool2d", "avgpool2d"):
            words.append((f"{kind} {layer.kernel}×{layer.kernel}: ${_dims(layer.shape, True)}$",
                          f"{kind} {layer.kernel}×{layer.kernel}: {_dims(layer.shape)}"))
        elif kind == "flatten":
            words.append((f"flatten: {layer.units}", f"flatten: {layer.units}"))
        else:
            words.append((f"{layer.units} {act[0]}", f"{layer.units} {act[1]}"))
    return Architecture(problem.inputs, tuple((layer.units, layer.activation, None)
                                              for layer in problem.layers),
                        problem.convention, any(layer.bias for layer in problem.layers),
                        (problem.pre, problem.post), words=tuple(words))


def _dims(shape, tex=False) -> str:
    return ("\\times" if tex else "×").join(map(str, shape))


def input_piece(x: list, shape: tuple):
    """A sample's input map: its one channel as a matrix; several channels are written
    channel by channel in the feature maps."""
    if shape[0] > 1:
        return Named(f"\\text{{{shape[0]} channels of }} {_dims(shape[1:], True)}\\text{{ (below)}}",
                     f"{shape[0]} channels of {_dims(shape[1:])} (below)")
    if len(shape) == 2:
        return Mat((tuple(x),))
    h, w = shape[1:]
    return Mat(tuple(tuple(x[i * w:(i + 1) * w]) for i in range(h)))


def tensor_items(tensor, value_of) -> list:
    """(name, Mat) of a parameter: a kernel as one map per filter and channel (K⁽¹⁾ of one,
    K⁽¹⁾[f, c] of several), a vector as a row, a matrix as it is."""
    name = Named(tensor.latex, tensor.unicode)
    entries = tensor.entries
    if not tensor.matrix:
        return [(name, Mat((tuple(value_of(s) for s in entries),)))]
    if not isinstance(entries[0][0], tuple):
        return [(name, Mat(tuple(tuple(value_of(s) for s in row) for row in entries)))]
    items = []
    for f, channels in enumerate(entries):
        for c, kernel in enumerate(channels):
            rows = kernel if isinstance(kernel[0], tuple) else (kernel,)
            label = name if len(entries) == 1 and len(channels) == 1 else \
                Named(f"{{{name.latex}}}_{{{f + 1},{c + 1}}}", f"{name.unicode}[{f + 1},{c + 1}]")
            items.append((label, Mat(tuple(tuple(value_of(s) for s in row) for row in rows))))
    return items
