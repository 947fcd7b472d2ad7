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
    rows, entries = [], []  # the table's rows; each map's entry as an index formula
    for l, layer in enumerate(problem.layers, start=1):
        # maps and vectors alike in plain letters, as the maps below are written
        prev = _name(problem, problem.post, l - 1) if l > 1 else Named("x", "x")
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
                         f"{K.unicode}_f,{inner[0]} {prev.unicode}_{inner[1].replace('-', '−')}{bias_u}")
            entries.append(_equation(rule))
            if layer.before[0] > 1:
                star = Named(f"{z.latex}_{{f}} = \\sum_{{c}} {K.latex}_{{f,c}} \\star {prev.latex}_{{c}}",
                             f"{z.unicode}_f = Σ_c {K.unicode}_f,c ⋆ {prev.unicode}_c")
            else:
                star = Named(f"{z.latex}_{{f}} = {K.latex}_{{f}} \\star {prev.latex}" if layer.filters > 1
                             else f"{z.latex} = {K.latex} \\star {prev.latex}",
                             f"{z.unicode}_f = {K.unicode}_f ⋆ {prev.unicode}" if layer.filters > 1
                             else f"{z.unicode} = {K.unicode} ⋆ {prev.unicode}")
            bias_whole = (Op("+"), Named(f"{b.latex}_{{f}}", f"{b.unicode}_f") if layer.filters > 1 else b) \
                if layer.bias else ()
            # the kernel, stride and padding are the given part's (its architecture)
            rows.append(((Named(f"\\text{{{kind}}}", kind),), (prev,), (star,) + bias_whole))
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
                         f"{prev.unicode}_c,{_pos(s, 'i', 'u', 0)},{_pos(s, 'j', 'v', 0)}".replace("-", "−"))
            entries.append(_equation(rule))
            rows.append(((Named(f"\\text{{{kind}}}", kind),), (prev,),
                         (a, Op("="), Named(f"\\operatorname{{{kind[:7]}}}_{{{k}\\times{k}}}\\left({prev.latex}\\right)",
                                            f"{kind[:7]}{k}×{k}({prev.unicode})"))))
        elif kind == "flatten":
            rows.append(((Named("\\text{flatten}", "flatten"),), (prev,),
                         (a, Op("="), Named(f"\\operatorname{{vec}}\\left({prev.latex}\\right)",
                                            f"vec({prev.unicode})"))))
        else:
            W = _name(problem, "W", l)
            linear = (z, Op("="), W, prev) + ((Op("+"), _name(problem, "b", l))
                                              if layer.bias else ())
            rows.append(((Named("\\text{dense}", "dense"),), (prev,), linear))
            f = ACTIVATIONS[layer.activation].symbol
            if layer.activation == "identity" and l == len(problem.layers):
                rows.append(((Named("\\text{identity}", "identity"),), (z,), (a, Op("="), z)))
            elif layer.activation != "identity":
                rows.append(((Named(f[0], f[1]),), (z,),
                             (a, Op("="), Named(f"{f[0]}\\left({z.latex}\\right)", f"{f[1]}({z.unicode})"))))
    if problem.loss is not None:
        rows.append(((Named("\\text{Loss}", "Loss"),), (Named("\\hat{y}", "ŷ"), Op(","), Named("y", "y")),
                     (n.own, Op("="), Named(*LOSSES[problem.loss].formula))))
    out = [Table("Forward pass", ("Layer", "Input", "Output"), tuple(rows)),
           Derivation("Each entry of a map", tuple(entries),
                      intro=("$\\star$ is cross-correlation: the kernel slides over its input",
                             "⋆ is cross-correlation: the kernel slides over its input"))]
    if problem.loss is not None:
        out.append(Derivation("Backward through a convolution or pooling layer", tuple(_rules(problem)),
                              intro=("with $\\delta = \\partial L/\\partial z$ of each layer",
                                     "with δ = ∂L/∂z of each layer")))
    return tuple(out)


def _equation(rule: Named) -> MatrixLine:
    """`lhs = rhs`, written as one Named, as a line."""
    (lt, rt), (lu, ru) = rule.latex.split(" = ", 1), rule.unicode.split(" = ", 1)
    return MatrixLine((Named(lt, lu),), ((Named(rt, ru),),))


def _pos(s: int, i: str, u: str, p: int) -> str:
    """The input index a kernel entry u meets at output i: s(i − 1) + u − p."""
    if s == 1:
        return f"{i}+{u}-{1 + p}"
    return f"{s}({i}-1)+{u}" + (f"-{p}" if p else "")


def _correlation_note(layer) -> tuple:
    """What ∂L/∂K = x ⋆ δ means with padding and stride: (LaTeX, terminal)."""
    text = ("the input, padded with zeros," if layer.padding else "the input") + \
        " correlated with δ" + (f" spread out to {layer.stride} entries apart (the stride)"
                                if layer.stride > 1 else "")
    return text.replace("δ", "$\\delta$"), text


def _full_note(layer) -> tuple:
    """What ∂L/∂x = δ ∗full rot180(K) means with stride and padding: (LaTeX, terminal)."""
    text = "a full convolution of δ" + (f" spread out to {layer.stride} entries apart"
                                        if layer.stride > 1 else "") + " with the flipped kernel"
    if layer.padding:
        text += f", less its outer {layer.padding} (the padding)"
    return text.replace("δ", "$\\delta$"), text


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
                                    note=_correlation_note(layer)))
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named(f"{d.latex} \\ast_{{\\text{{full}}}} "
                                            f"\\operatorname{{rot180}}\\left({K.latex}\\right)",
                                            f"{d.unicode} ∗full rot180({K.unicode})"),),),
                                    note=_full_note(layer)))
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
        self.own = Notation(self.problem, batch=False).own  # ℓ where several samples meet
        self.column = self.problem.convention == "column"

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

    def grad(self, t: Named) -> Named:
        return Named(f"\\partial {self.own.latex}/\\partial {t.latex}", f"∂{self.own.unicode}/∂{t.unicode}")

    def maps(self, lhs: Named, tensor, value, shape, forms=()) -> list:
        """One line per channel: lhs_c = forms(c) = [map]; a flat tensor as one vector (a
        column in the column convention). `forms` is a tuple of forms, or a function of
        the channel (None for a flat tensor) that gives them."""
        make = forms if callable(forms) else (lambda c: forms)
        if not isinstance(shape, tuple):
            values = tuple(value(s) for s in tensor.symbols)
            forms = tuple(make(None))
            if self.column and len(values) > LONG and all(_transposable(f) for f in forms):
                # a long column (a flattened map) is written as a row: its transpose
                lhs, forms = lhs.T, tuple(_transposed(f) for f in forms)
            mat = Mat(tuple((v,) for v in values)) if self.column and 1 < len(values) <= LONG \
                else Mat((values,))
            return [MatrixLine((lhs,), forms + ((_shown(mat),),))]
        lines = []
        for c, channel in enumerate(tensor.entries):
            rows = channel if len(shape) == 3 else (channel,)
            mat = Mat(tuple(tuple(value(s) for s in row) for row in rows))
            named = lhs if shape[0] == 1 else _channel(lhs, c)
            lines.append(MatrixLine((named,), tuple(make(c if shape[0] > 1 else None)) + ((_shown(mat),),)))
        return lines

    def forward(self, current, k) -> list:
        env = self.values(current, k)
        value = lambda s: env.get(s, s)  # noqa: E731
        lines = []
        if self.problem.shape is not None:
            lines += self.maps(Named("x", "x"), self.net.x, value, self.problem.shape)
        for view in self.net.layers:
            l, spec = view.index, getattr(view, "spec", None)
            kind = spec.type if spec is not None else "dense"
            prev = Named("x", "x") if l == 1 else self.name(self.problem.post, l - 1)
            last = l == len(self.net.layers)
            a = Named("\\hat{y}", "ŷ") if last else self.name(self.problem.post, l)
            z = self.name(self.problem.pre, l)
            shape = spec.shape if spec is not None else len(view.a.entries)
            f = ACTIVATIONS[view.activation].symbol
            applied = lambda c: ((Named(f"{f[0]}\\left({_channel(z, c).latex}\\right)",  # noqa: E731
                                        f"{f[1]}({_channel(z, c).unicode})"),),)
            if kind in CONV_TYPES:
                K, b = self.name("K", l), self.name("b", l)
                channels = spec.before[0]

                def conv_form(c, K=K, b=b, spec=spec, prev=prev, channels=channels):
                    if channels > 1:
                        kc, xc = _channel(K, c, "c"), _channel(prev, "c")
                        op = Named(f"\\sum_{{c}} {kc.latex} \\star {xc.latex}",
                                   f"Σ_c {kc.unicode} ⋆ {xc.unicode}")
                    else:
                        Kf = _channel(K, c)
                        op = Named(f"{Kf.latex} \\star {prev.latex}", f"{Kf.unicode} ⋆ {prev.unicode}")
                    return ((op, Op("+"), b if c is None else _channel(b, c)),) if spec.bias else ((op,),)
                out = self.maps(z, view.z, value, shape, conv_form)
                if spec.stride > 1 or spec.padding:
                    moves = f"the kernel moves {spec.stride} entries at a time" if spec.stride > 1 else ""
                    pads = f"over {{}} with {_padding(spec)}" if spec.padding else ""
                    text = ", ".join(t for t in (moves, pads) if t)
                    out[0] = replace(out[0], note=(text.format(f"${prev.latex}$"), text.format(prev.unicode)))
                lines += out
                # a⁽ˡ⁾ = z⁽ˡ⁾ too without an activation: the next layer reads a⁽ˡ⁾
                lines += self.maps(a, view.a, value, shape, applied if view.activation != "identity"
                                   else (lambda c, z=z: ((_channel(z, c),),)))
            elif kind in ("maxpool2d", "avgpool2d"):
                how = "maxpool" if kind == "maxpool2d" else "avgpool"
                form = lambda c, how=how, spec=spec, prev=prev: ((Named(  # noqa: E731
                    f"\\operatorname{{{how}}}_{{{spec.kernel}\\times{spec.kernel}}}"
                    f"\\left({_channel(prev, c).latex}\\right)",
                    f"{how}{spec.kernel}×{spec.kernel}({_channel(prev, c).unicode})"),),)
                out = self.maps(a, view.a, value, shape, form)
                if kind == "maxpool2d":
                    out[-1] = replace(out[-1], note=self.winners(view, env))
                lines += out
            elif kind == "flatten":
                lines += self.maps(a, view.a, value, len(view.a.entries),
                                   ((Named(f"\\operatorname{{vec}}\\left({prev.latex}\\right)",
                                           f"vec({prev.unicode})"),),))
                lines[-1] = replace(lines[-1], note=(_C_ORDER, _C_ORDER))
            else:
                lines += self.maps(z, view.z, value, shape,
                                   ((self.name("W", l), prev) + ((Op("+"), self.name("b", l)) if view.b else ()),))
                if view.activation != "identity" or last:
                    lines += self.maps(a, view.a, value, shape,
                                       ((z,),) if view.activation == "identity" else applied(None))
        return lines

    def winners(self, view, env) -> tuple | None:
        """Which entry of each window is its largest: a⁽²⁾₁,₁ ← a⁽¹⁾₂,₂ (at a tie the first)."""
        spec = view.spec
        names = self.naming.names
        k, s = spec.kernel, spec.stride
        tex, uni, tie = [], [], False
        for c in range(spec.shape[0]):
            for i in range(spec.shape[1]):
                for j in range(spec.shape[2]):
                    cells = [(s * i + u, s * j + v) for u in range(k) for v in range(k)]
                    vals = [env.get(view.previous.entries[c][p][q]) for p, q in cells]
                    if any(v is None or not v.is_number for v in vals):
                        return None
                    best = first_largest(vals)
                    tie = tie or vals.count(vals[best]) > 1
                    won = names[view.previous.entries[c][cells[best][0]][cells[best][1]]]
                    out = names[view.a.entries[c][i][j]]
                    tex.append(f"${out.latex} \\leftarrow {won.latex}$")
                    uni.append(f"{out.unicode} ← {won.unicode}")
        tied = "; at a tie the first largest, row by row, as PyTorch" if tie else ""
        return ("the largest entry of each window: " + ", ".join(tex) + tied,
                "the largest entry of each window: " + ", ".join(uni) + tied)

    def backward(self, current, k) -> list:
        adjoint = self.adjoints(current, k)
        g = adjoint  # this sample's own gradient (the summary has their mean or sum)
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
            if kind == "flatten" and _long_flatten(view, layers):
                continue  # the map before it takes ∂L/∂a straight from the next layer
            if not last:
                form, note = self.back_form(layers[l], a)
                out = self.maps(self.grad(a), view.a, adjoint, shape, form)
                if note:
                    out[-1] = replace(out[-1], note=note)
                lines += out
            if kind not in CONV_TYPES and kind != "dense":
                continue
            f = ACTIVATIONS[view.activation].symbol
            if last:
                cancel = LOSSES[self.problem.loss].cancellation(view.activation)
                form = ((Named("\\hat{y}", "ŷ"), Op("−"), Named("y", "y")),) if cancel else \
                    ((self.grad(Named("\\hat{y}", "ŷ")),),) if view.activation == "identity" else ()
                form_of = lambda c, form=form: form  # noqa: E731
            elif view.activation == "identity":
                form_of = lambda c, a=a: ((self.grad(_channel(a, c)),),)  # noqa: E731
            else:
                form_of = lambda c, a=a, z=z, f=f: ((self.grad(_channel(a, c)), Op("⊙"),  # noqa: E731
                                                     Named(f"{f[0]}'\\left({_channel(z, c).latex}\\right)",
                                                           f"{f[1]}′({_channel(z, c).unicode})")),)
            lines += self.maps(d, view.z, adjoint, shape, form_of)
            if kind in CONV_TYPES:
                K = self.name("K", l)
                channels = spec.before[0]
                for fi in range(spec.filters):
                    for c in range(channels):
                        kernel = view.W.entries[fi][c]
                        rows = kernel if len(spec.shape) == 3 else (kernel,)
                        xc = _channel(prev, c if channels > 1 else None)
                        df = _channel(d, fi if spec.filters > 1 else None)
                        lhs = _channel(K, fi if spec.filters > 1 or channels > 1 else None,
                                       c if channels > 1 else None)
                        lines.append(MatrixLine((self.grad(lhs),), (
                            (Named(f"{xc.latex} \\star {df.latex}", f"{xc.unicode} ⋆ {df.unicode}"),),
                            (_shown(Mat(tuple(tuple(g(s) for s in row) for row in rows))),))))
                        if fi == c == 0 and (spec.stride > 1 or spec.padding):
                            said = ", ".join(t for t in (
                                f"{prev.unicode} with {_padding(spec)}" if spec.padding else "",
                                f"δ's entries {spec.stride} apart (the stride)" if spec.stride > 1 else "") if t)
                            lines[-1] = replace(lines[-1], note=(said.replace("δ", "$\\delta$").replace(
                                f"{prev.unicode} with", f"${prev.latex}$ with"), said))
                if view.b is not None:
                    lines.append(MatrixLine((self.grad(self.name("b", l)),),
                                            (_bias_sum(d, spec),
                                             (_shown(Mat((tuple(g(s) for s in view.b.entries),))),))))
            else:
                lines.append(MatrixLine((self.grad(self.name("W", l)),),
                                        ((d, Named(f"{prev.latex}", f"{prev.unicode}", True)),
                                         (_shown(Mat(tuple(tuple(g(s) for s in row) for row in view.W.entries))),))))
                if view.b is not None:
                    lines += self.maps(self.grad(self.name("b", l)), view.b, g, len(view.b.entries), ((d,),))
        return lines

    def back_form(self, after, a: Named):
        """How ∂L/∂a of a layer comes from the layer `after` it: (forms or a function of
        the channel giving them, note)."""
        kind = after.spec.type if hasattr(after, "spec") else "dense"
        l = after.index
        d = self.name("\\delta", l, "δ")
        nxt = self.name(self.problem.post, l)
        if kind == "dense":
            return ((self.name("W", l).T, d),), None
        if kind == "flatten" and _long_flatten(after, self.net.layers):
            W, d = self.name("W", l + 1), self.name("\\delta", l + 1, "δ")
            return ((Named(f"\\operatorname{{vec}}^{{-1}}\\left({{{W.latex}}}^{{\\top}} {d.latex}\\right)",
                           f"vec⁻¹({W.unicode}ᵀ {d.unicode})"),),), \
                (f"$W^{{\\top}}\\delta$ ($\\partial {self.own.latex}/\\partial {nxt.latex}$, a vector of "
                 f"{len(after.a.entries)}) back in the map's shape",
                 f"Wᵀδ (∂{self.own.unicode}/∂{nxt.unicode}, a vector of {len(after.a.entries)}) back in "
                 "the map's shape")
        if kind == "flatten":
            g = self.grad(nxt)
            return ((Named(f"\\operatorname{{vec}}^{{-1}}\\left({g.latex}\\right)", f"vec⁻¹({g.unicode})"),),), \
                ("the same entries, back in the map's shape", "the same entries, back in the map's shape")
        if kind == "maxpool2d":
            return (), (f"each window's $\\partial {self.own.latex}/\\partial {nxt.latex}$ goes to its "
                        "largest entry (above), the others get 0",
                        f"each window's ∂{self.own.unicode}/∂{nxt.unicode} goes to its largest entry "
                        "(above), the others get 0")
        if kind == "avgpool2d":
            n = after.spec.kernel ** 2
            return (), (f"each window's $\\partial {self.own.latex}/\\partial {nxt.latex}$ / {n}, "
                        "added to each of its entries",
                        f"each window's ∂{self.own.unicode}/∂{nxt.unicode} / {n}, added to each of "
                        "its entries")
        K = self.name("K", l)
        return ((Named(f"{d.latex} \\ast_{{\\text{{full}}}} \\operatorname{{rot180}}\\left({K.latex}\\right)",
                       f"{d.unicode} ∗full rot180({K.unicode})"),),), \
            _full_note(after.spec)


_C_ORDER = "channel by channel, each row by row (PyTorch's order)"
#: A vector longer than this is written as a row (transposed) in the column convention.
LONG = 6
#: An entry whose formula has more operations than this (a symbolic weight's, grown through
#: the layers) sends its map to the entry-by-entry lines instead of being written in it.
MAX_OPS = 12


def _shown(mat: Mat):
    """The map, or where a symbolic entry has grown too long, a pointer to the scalar view."""
    if all(v.is_number or sp.count_ops(v) <= MAX_OPS for row in mat.rows for v in row):
        return mat
    size = f"{len(mat.rows)}×{len(mat.rows[0])}"
    return Named(f"\\text{{({size}, in symbols: see the entry-by-entry lines)}}",
                 f"({size}, in symbols: see the entry-by-entry lines)")


def _transposable(form) -> bool:
    return all(isinstance(p, Named) for p in form) and len(form) <= 2


def _transposed(form) -> tuple:
    """(AB)ᵀ = BᵀAᵀ, of one or two named pieces."""
    return tuple(p.T for p in reversed(form))


def _channel(named: Named, *index) -> Named:
    """A map's channel or filter (0-based ints, or a letter for a general one): z⁽¹⁾₂,
    K⁽¹⁾₁,c (LaTeX z^{(1)}_{2}); no index (None): the name itself."""
    index = [i for i in index if i is not None]
    if not index:
        return named
    shown = [str(i + 1) if isinstance(i, int) else i for i in index]
    digits = all(isinstance(i, int) for i in index)
    uni = ",".join(shown).translate(_SUB) if digits else "_" + ",".join(shown)
    return Named(f"{named.latex}_{{{','.join(shown)}}}", f"{named.unicode}{uni}")


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _long_flatten(view, layers) -> bool:
    """A flatten layer whose vector is too long to write beside its map, before a dense
    layer: ∂L/∂a of the map before it is written at once, vec⁻¹(Wᵀδ)."""
    after = layers[view.index] if view.index < len(layers) else None
    return len(view.a.entries) > LONG and after is not None and not hasattr(after, "spec")


def _padding(spec) -> str:
    """'1 ring of zeros around it', or for a 1-D map '1 zero at each end'."""
    p = spec.padding
    if spec.type == "conv1d":
        return f"{p} zero{'s' * (p > 1)} at each end"
    return f"{p} ring{'s' * (p > 1)} of zeros around it"


def _bias_sum(d: Named, spec) -> tuple:
    """∂L/∂b = the sum of each filter's δ map: Σᵢ,ⱼ δ_f,i,j (Σᵢ for a 1-D map)."""
    at = ("i",) if spec.type == "conv1d" else ("i", "j")
    entry = (("f",) if spec.filters > 1 else ()) + at
    uni_at = "ᵢ" if len(at) == 1 else "ᵢ,ⱼ"
    uni_entry = f"_{','.join(entry)}" if spec.filters > 1 else uni_at
    return (Named(f"\\textstyle\\sum_{{{','.join(at)}}} {d.latex}_{{{','.join(entry)}}}",
                  f"Σ{uni_at} {d.unicode}{uni_entry}"),)


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
            moves = ", ".join(t for t in (f"stride {layer.stride}" if layer.stride > 1 else "",
                                          f"padding {layer.padding}" if layer.padding else "") if t)
            head = f"{kind} {k}" + (f" ({moves})" if moves else "")
            tail = "" if layer.activation == "identity" else " {}"
            words.append((f"{head}: ${_dims(layer.shape, True)}$" + tail.format(act[0]),
                          f"{head}: {_dims(layer.shape)}" + tail.format(act[1])))
        elif kind in ("maxpool2d", "avgpool2d"):
            moves = f" (stride {layer.stride})" if layer.stride != layer.kernel else ""
            words.append((f"{kind} {layer.kernel}×{layer.kernel}{moves}: ${_dims(layer.shape, True)}$",
                          f"{kind} {layer.kernel}×{layer.kernel}{moves}: {_dims(layer.shape)}"))
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


def tensor_items(tensor, value_of, tall: bool = False) -> list:
    """(name, Mat) of a parameter: a kernel as one map per filter and channel (K⁽¹⁾ of one,
    K⁽¹⁾₁,₂ of several), a vector as a row, a matrix as it is (`tall`: a long row as a
    column, its transpose: a gradient's entries are too wide for a row)."""
    name = Named(tensor.latex, tensor.unicode)
    entries = tensor.entries
    if not tensor.matrix:
        return [(name, Mat((tuple(value_of(s) for s in entries),)))]
    if not isinstance(entries[0][0], tuple):
        if tall and len(entries) == 1 and len(entries[0]) > LONG:  # a long row: its transpose
            return [(name.T, Mat(tuple((value_of(s),) for s in entries[0])))]
        return [(name, Mat(tuple(tuple(value_of(s) for s in row) for row in entries)))]
    items = []
    for f, channels in enumerate(entries):
        for c, kernel in enumerate(channels):
            rows = kernel if isinstance(kernel[0], tuple) else (kernel,)
            label = name if len(entries) == 1 and len(channels) == 1 else \
                _channel(name, f if len(entries) > 1 or len(channels) > 1 else None,
                         c if len(channels) > 1 else None)
            items.append((label, Mat(tuple(tuple(value_of(s) for s in row) for row in rows))))
    return items


# --- the diagram ------------------------------------------------------------------------------

def conv_diagram(solution):
    """The network drawn map by map: one circle per channel of a map (x₁, a⁽¹⁾₂), a flat
    layer's units as the dense diagram draws them (a few and dots when long), an edge from
    every map a layer reads to every map it makes, and what joins two columns written
    between them: the kernel K⁽ˡ⁾ (and b⁽ˡ⁾), the pooling, vec, W⁽ˡ⁾ (and b⁽ˡ⁾)."""
    from .model import Diagram, DiagramEdge, DiagramUnit
    problem, network = solution.problem, solution.network
    columns = [_maps_column(Named("x", "x"), problem.shape, "input", 0)]
    edges, between, captions = [], [], [None]
    for view in network.layers:
        l, spec = view.index, getattr(view, "spec", None)
        last = l == len(network.layers)
        kind = spec.type if spec is not None else "dense"
        if spec is not None and kind != "flatten":
            name = Named("\\hat{y}", "ŷ") if last else _name(problem, problem.post, l)
            column = _maps_column(name, spec.shape, "unit", l)
        else:
            entries = view.a.symbols
            shown = list(range(len(entries))) if len(entries) <= 6 else [0, 1, 2, None, len(entries) - 1]
            column = [DiagramUnit(f"d{l}", "dots", "dots") if i is None else
                      DiagramUnit(f"u{l}_{i}", entries[i], "unit") for i in shown]
        before = [u.key for u in columns[-1] if u.kind != "dots"]
        after = [u.key for u in column if u.kind != "dots"]
        pairs = [(s, t) for t in after for s in before]
        if kind in ("maxpool2d", "avgpool2d"):
            pairs = list(zip(before, after))  # a channel's windows: its own map only
        edges += [DiagramEdge(s, t) for s, t in pairs]
        columns.append(column)
        if kind in CONV_TYPES or kind == "dense":
            letter = "K" if kind in CONV_TYPES else "W"
            joined = [_name(problem, letter, l)] + ([_name(problem, "b", l)] if view.b is not None else [])
            between.append(Named(",\\ ".join(n.latex for n in joined), ", ".join(n.unicode for n in joined)))
        else:
            word = "vec" if kind == "flatten" else kind[:7]
            between.append(Named(f"\\operatorname{{{word}}}", word))
        captions.append(view.activation if view.activation != "identity" or kind == "dense" else None)
    return Diagram(tuple(tuple(c) for c in columns), tuple(edges), tuple(captions), tuple(between))


def _maps_column(name: Named, shape: tuple, kind: str, l: int) -> list:
    from .model import DiagramUnit
    channels = shape[0]
    return [DiagramUnit(f"m{l}_{c}", name if channels == 1 else _channel(name, c), kind)
            for c in range(channels)]
