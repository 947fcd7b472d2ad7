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

from ..layered.conv import first_largest
from ..graph import LEARNING_RATE
from ..layered.matrix import MatrixWork, Notation
from ..vocab import ACTIVATIONS, LOSSES
from .conv_rules import CONV_TYPES, LONG, channel, full_note, general, layer_name
from .model import Derivation, Mat, MatrixLine, Named, Op, Scalar
from .updates import step_title


def shaped(problem) -> bool:
    """Whether a problem has a layer with a shape (spec/conv.py's): laid out here."""
    return problem.shape is not None


def conv_work(network, solution, input_adjoints: tuple = ()) -> MatrixWork:
    """The maps of every pass (the dense form's "… after step k" passes), sample by sample;
    `input_adjoints`: the solve stage's ∂ℓ/∂x of each pass and sample, where the first layer
    is a convolution."""
    names = solution.graph.names
    naming = replace(names, names=dict(names.names), _derivatives=dict(names._derivatives),
                     _by_symbols=dict(names._by_symbols))  # the lookups below add names: a copy
    work = _Maps(network, solution, naming)
    blocks = []
    for p, current in enumerate(solution.passes):
        label = "" if current.iteration == 0 else f" after step {current.iteration}"
        inputs = input_adjoints[p] if p < len(input_adjoints) else ()
        for k in range(1, len(current.samples) + 1):
            of = f", sample {k}" if len(current.samples) > 1 else ""
            blocks.append(Derivation("Feature maps" + label + of, tuple(work.forward(current, k))))
            if current.samples[k - 1].backward:
                dx = inputs[k - 1] if k <= len(inputs) else None
                blocks.append(Derivation("δ maps and gradients" + label + of,
                                         tuple(work.backward(current, k, dx))))
        update = [u for u in solution.updates if u.iteration == current.iteration + 1]
        if update:  # between the passes, as the dense layout's "Gradient-descent step k"
            blocks.append(Derivation(step_title(solution.graph, update[0].iteration),
                                     tuple(work.update(current, update[0]))))
    return MatrixWork(general=general(network.problem), blocks=tuple(blocks), names=naming.names)


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
        return layer_name(self.problem, letter, l, uni)

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
        for c, one in enumerate(tensor.entries):
            rows = one if len(shape) == 3 else (one,)
            mat = Mat(tuple(tuple(value(s) for s in row) for row in rows))
            named = lhs if shape[0] == 1 else channel(lhs, c)
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
            applied = lambda c: ((Named(f"{f[0]}\\left({channel(z, c).latex}\\right)",  # noqa: E731
                                        f"{f[1]}({channel(z, c).unicode})"),),)
            if kind in CONV_TYPES:
                K, b = self.name("K", l), self.name("b", l)
                channels = spec.before[0]

                def conv_form(c, K=K, b=b, spec=spec, prev=prev, channels=channels):
                    if channels > 1:
                        kc, xc = channel(K, c, "c"), channel(prev, "c")
                        op = Named(f"\\sum_{{c}} {kc.latex} \\star {xc.latex}",
                                   f"Σ_c {kc.unicode} ⋆ {xc.unicode}")
                    else:
                        Kf = channel(K, c)
                        op = Named(f"{Kf.latex} \\star {prev.latex}", f"{Kf.unicode} ⋆ {prev.unicode}")
                    return ((op, Op("+"), b if c is None else channel(b, c)),) if spec.bias else ((op,),)
                out = self.maps(z, view.z, value, shape, conv_form)
                if spec.stride > 1 or spec.padding:
                    moves = f"the kernel moves {spec.stride} entries at a time" if spec.stride > 1 else ""
                    pads = f"over {{}} with {_padding(spec)}" if spec.padding else ""
                    text = ", ".join(t for t in (moves, pads) if t)
                    out[0] = replace(out[0], note=(text.format(f"${prev.latex}$"), text.format(prev.unicode)))
                lines += out
                # a⁽ˡ⁾ = z⁽ˡ⁾ too without an activation: the next layer reads a⁽ˡ⁾
                lines += self.maps(a, view.a, value, shape, applied if view.activation != "identity"
                                   else (lambda c, z=z: ((channel(z, c),),)))
            elif kind in ("maxpool2d", "avgpool2d"):
                how = "maxpool" if kind == "maxpool2d" else "avgpool"
                form = lambda c, how=how, spec=spec, prev=prev: ((Named(  # noqa: E731
                    f"\\operatorname{{{how}}}_{{{spec.kernel}\\times{spec.kernel}}}"
                    f"\\left({channel(prev, c).latex}\\right)",
                    f"{how}{spec.kernel}×{spec.kernel}({channel(prev, c).unicode})"),),)
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

    def update(self, current, update) -> tuple:
        """Each parameter's step as a map: K⁽¹⁾ ← K⁽¹⁾ − η ∂L/∂K⁽¹⁾ (one line per filter
        and channel); an optimizer with state or a penalty: the engine's lines, entry by
        entry, as the dense layout writes them."""
        graph = self.sol.graph
        if graph.penalty is not None or len(update.steps) != len(update.params) or \
                any(st.lhs not in update.params for st in update.steps):
            return tuple(update.steps)
        n = Notation(self.problem, batch=False)
        lines, wide = [], []
        for view in self.net.layers:
            l, spec = view.index, getattr(view, "spec", None)
            conv = spec is not None and spec.type in CONV_TYPES
            for tensor, letter in ((view.W, "K" if conv else "W"), (view.b, "b")):
                if tensor is None:
                    continue
                named = self.name(letter, l)
                for lhs, rows in self._slices(tensor, named, spec if conv else None):
                    if len(rows[0]) > LONG:  # a row too long to write three times over
                        wide.append(lhs)
                        continue
                    maps = [_shown(Mat(tuple(tuple(table.get(s, s) for s in row) for row in rows)))
                            for table in (current.params, current.gradients, update.params)]
                    lines.append(MatrixLine((lhs,), (
                        (lhs, Op("−"), Scalar(LEARNING_RATE), n.d(n.loss, lhs)),
                        (maps[0], Op("−"), Scalar(graph.lr), maps[1]), (maps[2],)), relation="←"))
        if not lines:
            return tuple(update.steps)
        if wide:
            said = ", ".join(w.unicode for w in wide)
            lines[-1] = replace(lines[-1], note=(
                ", ".join(f"${w.latex}$" for w in wide) + "'s step: entry by entry in the scalar view",
                f"{said}'s step: entry by entry in the scalar view"))
        return tuple(lines)

    def _slices(self, tensor, named: Named, spec) -> list:
        """(name, rows) of a parameter as written: a kernel's filter-and-channel maps
        (K⁽¹⁾₁,₂), a weight matrix, a bias a row (a dense one a column in the column
        convention)."""
        if spec is not None and tensor.matrix:  # a kernel: filters × channels × maps
            filters, channels = spec.filters, spec.before[0]
            return [(channel(named, f if filters > 1 or channels > 1 else None,
                             c if channels > 1 else None),
                     kernel if len(spec.shape) == 3 else (kernel,))
                    for f, one in enumerate(tensor.entries) for c, kernel in enumerate(one)]
        if tensor.matrix:
            return [(named, tensor.entries)]
        if self.column and spec is None and len(tensor.entries) > 1:
            return [(named, tuple((e,) for e in tensor.entries))]
        return [(named, (tuple(tensor.entries),))]

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

    def backward(self, current, k, dx: dict | None = None) -> list:
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
                form_of = lambda c, a=a: ((self.grad(channel(a, c)),),)  # noqa: E731
            else:
                form_of = lambda c, a=a, z=z, f=f: ((self.grad(channel(a, c)), Op("⊙"),  # noqa: E731
                                                     Named(f"{f[0]}'\\left({channel(z, c).latex}\\right)",
                                                           f"{f[1]}′({channel(z, c).unicode})")),)
            lines += self.maps(d, view.z, adjoint, shape, form_of)
            if kind in CONV_TYPES:
                K = self.name("K", l)
                channels = spec.before[0]
                for fi in range(spec.filters):
                    for c in range(channels):
                        kernel = view.W.entries[fi][c]
                        rows = kernel if len(spec.shape) == 3 else (kernel,)
                        xc = channel(prev, c if channels > 1 else None)
                        df = channel(d, fi if spec.filters > 1 else None)
                        lhs = channel(K, fi if spec.filters > 1 or channels > 1 else None,
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
        # ∂L/∂x through the first convolution, as ∂L/∂a is through a later one; not where
        # an entry has grown long in symbols (the entry-by-entry lines have no ∂L/∂x to
        # point to: `ask: [dL/dx]` works it)
        if dx and all(v.is_number or sp.count_ops(v) <= MAX_OPS for v in dx.values()):
            form, note = self.back_form(layers[0], Named("x", "x"))
            out = self.maps(self.grad(Named("x", "x")), self.net.x, dx.__getitem__,
                            self.problem.shape, form)
            out[-1] = replace(out[-1], note=note)
            lines += out
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
        filters, channels = after.spec.filters, after.spec.before[0]

        def full(c):  # each input channel c: Σ_f δ_f ∗full rot180(K_f,c) over the filters
            Kc = channel(K, "f" if filters > 1 else None, c)
            df = channel(d, "f") if filters > 1 else d
            total = ("\\textstyle\\sum_{f} ", "Σ_f ") if filters > 1 else ("", "")
            return ((Named(f"{total[0]}{df.latex} \\ast_{{\\text{{full}}}} "
                           f"\\operatorname{{rot180}}\\left({Kc.latex}\\right)",
                           f"{total[1]}{df.unicode} ∗full rot180({Kc.unicode})"),),)
        return (full(None) if filters == channels == 1 else full), full_note(after.spec)


_C_ORDER = "channel by channel, each row by row (PyTorch's order)"
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
