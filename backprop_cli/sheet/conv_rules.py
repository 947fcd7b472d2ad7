"""The rules of a network with feature maps, without numbers: the layers as the course writes
them (z⁽¹⁾ = K⁽¹⁾ ⋆ x + b⁽¹⁾, maxpool₂ₓ₂(a⁽¹⁾), vec), each map's entry as an index formula,
and how each layer is gone back through (∂L/∂K = x ⋆ δ, ∂L/∂x = δ ∗full rot180(K), the
max-pool's routing). Also the names the maps block and the given part share.
"""

from __future__ import annotations

from ..graph import layer_indexed, subscript
from ..layered.matrix import Notation
from ..vocab import ACTIVATIONS, LOSSES
from .model import Derivation, MatrixLine, Named, Op, Table

CONV_TYPES = ("conv2d", "conv1d")
#: A vector longer than this is written as a row (transposed) in the column convention.
LONG = 6


def layer_name(problem, letter: str, l: int, uni: str | None = None) -> Named:
    return Named(*layer_indexed(letter, uni or letter, l, problem.notation.layer_index))


def general(problem) -> tuple:
    n = Notation(problem, batch=False)
    rows, entries = [], []  # the table's rows; each map's entry as an index formula
    for l, layer in enumerate(problem.layers, start=1):
        # maps and vectors alike in plain letters, as the maps below are written
        prev = layer_name(problem, problem.post, l - 1) if l > 1 else Named("x", "x")
        z, a = layer_name(problem, problem.pre, l), layer_name(problem, problem.post, l)
        if l == len(problem.layers):
            a = Named("\\hat{y}", "ŷ")
        kind = getattr(layer, "type", "dense")
        if kind in CONV_TYPES:
            K, b = layer_name(problem, "K", l), layer_name(problem, "b", l)
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
            W = layer_name(problem, "W", l)
            linear = (z, Op("="), W, prev) + ((Op("+"), layer_name(problem, "b", l))
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


def full_note(layer) -> tuple:
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
        prev = "x" if l == 1 else layer_name(problem, problem.post, l - 1).latex
        prev_u = "x" if l == 1 else layer_name(problem, problem.post, l - 1).unicode
        d, K = layer_name(problem, "\\delta", l, "δ"), layer_name(problem, "K", l)
        if kind in CONV_TYPES:
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {K.latex}", f"∂L/∂{K.unicode}"),),
                                    ((Named(f"{prev} \\star {d.latex}", f"{prev_u} ⋆ {d.unicode}"),),),
                                    note=_correlation_note(layer)))
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named(f"{d.latex} \\ast_{{\\text{{full}}}} "
                                            f"\\operatorname{{rot180}}\\left({K.latex}\\right)",
                                            f"{d.unicode} ∗full rot180({K.unicode})"),),),
                                    note=full_note(layer)))
        elif kind == "maxpool2d":
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named("\\text{each window's } \\partial L/\\partial "
                                            f"{layer_name(problem, problem.post, l).latex}"
                                            "\\text{ at its largest entry, 0 elsewhere}",
                                            f"each window's ∂L/∂{layer_name(problem, problem.post, l).unicode}"
                                            " at its largest entry, 0 elsewhere"),),),
                                    note=("at a tie the first largest in the window, row by row, "
                                          "as PyTorch", "at a tie the first largest in the "
                                          "window, row by row, as PyTorch")))
        elif kind == "avgpool2d":
            k = layer.kernel
            lines.append(MatrixLine((Named(f"\\partial L/\\partial {prev}", f"∂L/∂{prev_u}"),),
                                    ((Named(f"\\text{{each window's }} \\partial L/\\partial "
                                            f"{layer_name(problem, problem.post, l).latex} / {k * k}"
                                            "\\text{ on every entry}",
                                            f"each window's ∂L/∂{layer_name(problem, problem.post, l).unicode}"
                                            f" / {k * k} on every entry"),),),))
    return lines


def channel(named: Named, *index) -> Named:
    """A map's channel or filter (0-based ints, or a letter for a general one): z⁽¹⁾₂,
    K⁽¹⁾₁,c (LaTeX z^{(1)}_{2}); no index (None): the name itself."""
    index = [i for i in index if i is not None]
    if not index:
        return named
    shown = [str(i + 1) if isinstance(i, int) else i for i in index]
    digits = all(isinstance(i, int) for i in index)
    uni = subscript(",".join(shown)) if digits else "_" + ",".join(shown)
    return Named(f"{named.latex}_{{{','.join(shown)}}}", f"{named.unicode}{uni}")
