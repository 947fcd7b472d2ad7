"""A layered solution with a batchnorm or rnn layer laid out as a Worksheet: the network
given, each layer's formulas the way a course writes them (batch normalization's forward
pass and its backward pass through x̂, σ² and μ; the recurrence and backpropagation
through time), the worked passes as `view` says: in the layer's own matrix notation with
numbers (typed_batch.py, typed_sequence.py) and/or entry by entry (the engine's lines, from
the one scalar graph), the network drawn (typed_diagram.py), the gradients as matrices.

This is the stage after solving: nothing is computed here.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sympy as sp

from ..graph import LEARNING_RATE, subscript, superscript
from ..layered.batchnorm import rows_per_batch
from ..layered.solve import NetworkSolution
from ..vocab import ACTIVATIONS, LOSSES
from . import graph as scalar_sheet
from .model import (Architecture, Derivation, Gradients, Losses, LossRule, Mat, MatrixLine,
                    Named, Op, Section, Tensors, Vectors, Worksheet)
from .typed_diagram import typed_diagram
from .typed_batch import BatchWork
from .typed_sequence import SequenceWork
from .updates import loss_places, step_title, training

GENERAL = "The network in matrix form"  # the titles sheet/layered.py gives these parts
SCALAR = "Entry by entry (scalar view)"
WORDS = {"batchnorm": "batch-norm", "rnn": "recurrent"}


def typed(problem) -> str | None:
    """'batchnorm' or 'rnn' when the network has such a layer, else None."""
    kinds = [getattr(layer, "type", "dense") for layer in problem.layers]
    return next((k for k in kinds if k in WORDS), None)


def build_typed_sheet(solution: NetworkSolution, view: str = "matrix",
                      matrix_lines: bool = True) -> Worksheet:
    """`view` as for dense layers: the passes in the layer's matrix notation (matrix), entry
    by entry (scalar) or both; `matrix_lines=False` (the JSON, a notebook) leaves out the
    matrix notation's passes, as sheet/layered.py does."""
    problem, scalar = solution.problem, solution.scalar
    kind = typed(problem)
    general = _batchnorm_general(problem) if kind == "batchnorm" else _rnn_general(problem)
    sections = [Section(GENERAL, tuple(general), level=0)]
    worked = _mini_batch_titles(scalar_sheet.sections(scalar), solution)
    matrix = typed_matrix_sections(solution) if matrix_lines and view != "scalar" else None
    if matrix is None:  # not written in matrices (symbolic entries, batch_size): every entry
        sections += worked
        if kind == "rnn" and matrix_lines and view != "scalar":
            sections[1:1] = _time_steps(solution)  # hₜ and ∂ℓ/∂hₜ at a glance, then every entry
    else:
        sections += matrix
        if view == "both":
            sections.append(Section(SCALAR, level=0))
            sections += worked
    names = dict(scalar.graph.names.names)
    return Worksheet(form="network", title=problem.title, notes=problem.notes,
                     warnings=scalar_sheet.warnings(solution.warnings), given=_given(solution),
                     sections=tuple(sections), summary=_summary(solution), names=names,
                     steps=scalar_sheet.steps(worked), solution=solution,
                     diagram=typed_diagram(solution))


def typed_matrix_sections(solution) -> list | None:
    """The matrix view's sections, or None where it cannot be written with numbers (a
    symbolic entry, batch_size's passes): the entry-by-entry lines say it all then."""
    scalar = solution.scalar
    if scalar is None or scalar.graph.batches is not None:
        return None
    for current in scalar.passes:
        for sample in current.samples:
            values = list(sample.values.values()) + list(sample.given.values()) + list(current.params.values())
            if any(v is None or not v.is_number for v in values):
                return None
    kind = next(getattr(l, "type", "dense") for l in solution.problem.layers
                if getattr(l, "type", "dense") in ("batchnorm", "rnn"))
    worker = (BatchWork if kind == "batchnorm" else SequenceWork)(solution)
    sections = []
    for current in scalar.passes:
        after = "" if current.iteration == 0 else f" after step {current.iteration}"
        sections += worker.forward(current, after)
        if current.gradients and current.iteration == 0:
            sections += worker.backward(current)
        update = [u for u in scalar.updates if u.iteration == current.iteration + 1]
        if update:
            sections.append(Section(step_title(scalar.graph, update[0].iteration),
                                    tuple(worker.update(current, update[0])), matrix=True))
    return sections


def _layer_parts(problem) -> tuple:
    return tuple((layer.units, layer.activation, layer.alpha,
                  WORDS.get(getattr(layer, "type", "dense"), "")) for layer in problem.layers)


def _given(solution) -> tuple:
    problem, network, graph = solution.problem, solution.network, solution.scalar.graph
    rnn = typed(problem) == "rnn"
    # a batch-norm key's matrices have a row per sample (Z = X Wᵀ, as CS231n); an rnn's
    # time steps are column vectors (zₜ = W_xh xₜ + W_hh hₜ₋₁ + b)
    out = [Architecture(problem.inputs, _layer_parts(problem), "column" if rnn else "row", True,
                        (problem.pre, problem.post))]
    if problem.loss:
        tex, uni = LOSSES[problem.loss].formula
        if rnn and problem.layers[0].output == "all":  # one loss per time step, summed
            tex = "\\sum_t \\ell_t,\\ \\ell_t = " + tex.replace("\\hat{y}_k", "\\hat{y}@") \
                .replace("y_k", "y_{t,k}").replace("\\hat{y}@", "\\hat{y}_{t,k}")
            uni = "Σₜ ℓₜ, ℓₜ = " + uni.replace("ŷₖ", "ŷ@").replace("yₖ", "yₜ,ₖ").replace("ŷ@", "ŷₜ,ₖ")
        out.append(LossRule(Named(tex, uni), len(problem.data), problem.reduction))
    tensors = []
    for tensor in network.tensors():
        name = Named(tensor.latex, tensor.unicode)
        if all(graph.param_values[s] is None for s in tensor.symbols):
            tensors.append((name, None))  # null: the whole tensor a symbol, as a dense one's
            continue
        rows = tensor.entries if tensor.matrix else \
            tuple((e,) for e in tensor.entries) if rnn else (tuple(tensor.entries),)  # row convention
        tensors.append((name, Mat(tuple(tuple(s if graph.param_values[s] is None else
                                              graph.param_values[s] for s in row) for row in rows))))
    out.append(Tensors(tuple(tensors)))
    samples = []
    rows = len(problem.data) // len(graph.samples)  # a graph sample: 1 sample, or a (mini-)batch
    where = {}  # data sample -> (its mini-batch's graph sample, its row there), the first
    for g, batch in enumerate(network.mini_batches or ()):
        for r, k in enumerate(batch):
            where.setdefault(k, (g, r))
    for k, sample in enumerate(problem.data):
        g, row = where.get(k, (k // rows, k % rows))
        values = graph.samples[g]
        at = lambda symbol: values[symbol] if values.get(symbol) is not None else symbol  # noqa: E731
        if rnn:  # x as rows, one per time step; y likewise with output: all
            x = Mat(tuple(tuple(at(s) for s in step) for step in network.x.entries))
            y = None if sample.y is None else Mat(tuple(tuple(at(s) for s in step)
                                                        for step in network.y.entries))
        else:  # its row of its (mini-)batch
            x = Mat((tuple(at(s) for s in network.x.entries[row]),))  # rows, as X's
            y = None if sample.y is None else Mat((tuple(
                at(s) if problem.loss is not None or v is None else sp.Rational(v.numerator, v.denominator)
                for s, v in zip(network.y.entries[row], sample.y)),))  # no loss: y as given
        samples.append((x, y, sample.label))
    # a sequence is a matrix, a row per time step; so are its targets with output: all
    every = rnn and problem.layers[0].output == "all"
    names = (Named("X", "X"), Named("Y", "Y") if every else Named("\\mathbf{y}", "y")) if rnn else \
        (Named("\\mathbf{x}", "x"), Named("\\mathbf{y}", "y"))
    out.append(Vectors(tuple(samples), names=names))
    if graph.lr is not None:
        rows = _mini_batch_rows(solution)  # a graph sample is a mini-batch of `rows` samples
        out.append(training(graph, symbol=LEARNING_RATE) if rows is None else
                   replace(training(graph, symbol=LEARNING_RATE), batch=len(rows[0])))
    return tuple(out)


def _mini_batch_rows(solution) -> tuple | None:
    """Where a batchnorm network steps on mini-batches (batch_size), each one sample of
    the graph normalized by its own statistics: the data's samples (0-based) in each."""
    if typed(solution.problem) != "batchnorm":
        return None
    return solution.network.mini_batches


def _mini_batch(k: int, rows: tuple) -> str:
    """'mini-batch 2 (samples 3, 4)': graph sample k (1-based) and the data's samples in it."""
    return f"mini-batch {k} (samples {', '.join(str(r + 1) for r in rows[k - 1])})"


def _mini_batch_titles(sections: list, solution) -> list:
    """The worked passes' headings name a mini-batch where the scalar sheet says 'sample'."""
    rows = _mini_batch_rows(solution)
    if rows is None:
        return sections
    covered = sorted(r for batch in rows for r in batch)
    if covered != list(range(len(covered))):  # mini-batches that wrap: each sample not once
        everything = f"mini-batches 1 to {len(rows)}"
    else:
        everything = None

    def title(text: str) -> str:
        text = re.sub(r", sample (\d+)$", lambda m: ", " + _mini_batch(int(m.group(1)), rows), text)
        if everything is not None:
            text = text.replace("(all the data)", f"({everything})") \
                .replace("Loss over the data", f"Loss over {everything}")
        return text.replace("Gradients on the sample", "Gradients on the mini-batch")
    return [replace(section, title=title(section.title)) for section in sections]


def _mini_batch_places(graph, after: tuple, rows: int) -> tuple:
    """What the loss before the first step and after each step is on (loss_places's
    wording, with mini-batches): step k's mini-batch until the last step, then all the data."""
    def on(k: int) -> str:  # short: "Loss after step 1, on ...: L = ..." fits 80 columns
        if k >= len(graph.batches):  # every sample once, or once and more (wrapping)
            covered = sorted(r for batch in rows for r in batch)
            return "all the data" if covered == list(range(len(covered))) else \
                f"mini-batches 1 to {len(rows)}"
        return _mini_batch(graph.batches[k][0] + 1, rows)
    return (on(0),) + tuple(on(k) for k, _ in after)


def _summary(solution) -> tuple:
    scalar = solution.scalar
    first = scalar.first
    out = []
    if first.gradients and all(v.is_number for v in first.gradients.values()):
        # symbolic gradients are the worked lines' results (as a dense network's are)
        items = tuple((Named(t.latex, t.unicode),
                       Mat(tuple(tuple(first.gradients[e] for e in row) for row in
                                 (t.entries if t.matrix else tuple((e,) for e in t.entries)))))
                      for t in solution.network.tensors())
        rows = _mini_batch_rows(solution)
        places = loss_places(scalar.graph, ()) if rows is None else \
            _mini_batch_places(scalar.graph, (), rows)
        out.append(Gradients(items, trained=bool(scalar.updates), place=places[0] if places else ""))
    if first.loss is not None and first.loss.is_number:
        after = scalar_sheet.losses_after(scalar)
        rows = _mini_batch_rows(solution)
        places = loss_places(scalar.graph, after) if rows is None else \
            _mini_batch_places(scalar.graph, after, rows)
        out.append(Losses(scalar.loss_symbol, first.loss, after, places))
    return tuple(out)


def _line(lhs: tuple, rhs: tuple) -> MatrixLine:
    """lhs = rhs, the right side a term per piece (the renderers may break a long line
    before a +) where its LaTeX and Unicode have the same top-level terms."""
    tex, uni = _terms(rhs[0]), _terms(rhs[1])
    if len(tex) != len(uni):
        tex, uni = [rhs[0]], [rhs[1]]
    pieces = []
    for k, (t, u) in enumerate(zip(tex, uni)):
        pieces += ([Op("+")] if k else []) + [Named(t, u)]
    return MatrixLine((Named(*lhs),), (tuple(pieces),))


def _terms(text: str) -> list:
    """`text` cut at each ' + ' outside brackets and braces."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        depth += (ch in "({[") - (ch in ")}]")
        if depth == 0 and text.startswith(" + ", k):
            out.append(text[start:k])
            start = k + 3
    return out + [text[start:]]


def _batchnorm_general(problem) -> list:
    l = next(i for i, layer in enumerate(problem.layers, start=1) if getattr(layer, "type", "") == "batchnorm")
    layer = problem.layers[l - 1]
    a = f"a^{{({l - 1})}}" if l > 1 else "x"
    au = superscript(f"a⁽{l - 1}⁾") if l > 1 else "x"
    L, Lu = f"\\mu^{{({l})}}", superscript(f"μ⁽{l}⁾")
    V, Vu = f"\\sigma^{{2\\,({l})}}", superscript(f"σ²⁽{l}⁾")
    X, Xu = f"\\hat{{x}}^{{({l})}}", superscript(f"x̂⁽{l}⁾")
    G, Gu = f"\\gamma^{{({l})}}", superscript(f"γ⁽{l}⁾")
    B, Bu = f"\\beta^{{({l})}}", superscript(f"β⁽{l}⁾")
    Z, Zu = f"z^{{({l})}}", superscript(f"z⁽{l}⁾")
    f, fu = ACTIVATIONS[layer.activation].symbol
    m = rows_per_batch(problem)  # batch_size's mini-batch, or the whole data
    eps, eps_u = _decimal(layer.eps)
    root, rootu = f"\\sqrt{{{V} + \\epsilon}}", f"√({Vu} + ε)"
    d = lambda q, qu: (f"\\frac{{\\partial L}}{{\\partial {q}}}", f"∂L/∂{qu}")  # noqa: E731
    forward = [
        _line((L, Lu), (f"\\frac{{1}}{{m}} \\sum_{{i=1}}^{{m}} {a}[i]", f"(1/m) Σᵢ {au}[i]")),
        _line((V, Vu), (f"\\frac{{1}}{{m}} \\sum_{{i=1}}^{{m}} \\left({a}[i] - {L}\\right)^2",
                        f"(1/m) Σᵢ ({au}[i] − {Lu})²")),
        _line((f"{X}[i]", f"{Xu}[i]"), (f"\\frac{{{a}[i] - {L}}}{{{root}}}", f"({au}[i] − {Lu})/{rootu}")),
        _line((f"{Z}[i]", f"{Zu}[i]"), (f"{G} \\odot {X}[i] + {B}", f"{Gu} ⊙ {Xu}[i] + {Bu}")),
    ]
    if layer.activation != "identity":
        A, Au = f"a^{{({l})}}", superscript(f"a⁽{l}⁾")
        forward.append(_line((f"{A}[i]", f"{Au}[i]"), (f"{f}\\left({Z}[i]\\right)", f"{fu}({Zu}[i])")))
    intro = (f"per unit, over the batch of $m = {m}$ samples $[i]$; the biased variance; "
             f"$\\epsilon = {eps}$",
             f"per unit, over the batch of m = {m} samples [i]; the biased variance; ε = {eps_u}")
    if m != len(problem.data):  # batch_size: each step's own mini-batch (short: 80 columns)
        intro = (f"per unit over the mini-batch, its $m = {m}$ samples written $[1]$ to $[{m}]$ in each; "
                 f"biased variance; "
                 f"$\\epsilon = {eps}$",
                 f"per unit over the mini-batch, its m = {m} samples written [1] to [{m}] in each; "
                 f"biased variance; ε = {eps_u}")
    if problem.regularization is not None:  # why γ is not in R (README: Regularization)
        intro = (intro[0] + "; $R$ leaves $\\gamma$ out (a scale, not a weight)",
                 intro[1] + "; R leaves γ out (a scale, not a weight)")
    blocks = [Derivation(f"Batch normalization (layer {l}), forward", tuple(forward), intro=intro)]
    if problem.loss is None:
        return blocks
    backward = [
        _line(d(f"{X}[i]", f"{Xu}[i]"), (f"\\frac{{\\partial L}}{{\\partial {Z}[i]}} \\odot {G}",
                                          f"∂L/∂{Zu}[i] ⊙ {Gu}")),
        _line(d(V, Vu), (f"\\sum_i \\frac{{\\partial L}}{{\\partial {X}[i]}} \\odot \\left({a}[i] - {L}\\right)"
                         f" \\odot \\left(-\\tfrac{{1}}{{2}}\\right)\\left({V} + \\epsilon\\right)^{{-3/2}}",
                         f"Σᵢ ∂L/∂{Xu}[i] ⊙ ({au}[i] − {Lu}) ⊙ (−½)({Vu} + ε)^(−3/2)")),
        _line(d(L, Lu), (f"\\sum_i \\frac{{\\partial L}}{{\\partial {X}[i]}} \\odot \\frac{{-1}}{{{root}}}"
                         f" + \\frac{{\\partial L}}{{\\partial {V}}} \\odot \\frac{{-2}}{{m}} \\sum_i \\left({a}[i] - {L}\\right)",
                         f"Σᵢ ∂L/∂{Xu}[i] ⊙ (−1/{rootu}) + ∂L/∂{Vu} ⊙ (−2/m) Σᵢ ({au}[i] − {Lu})")),
        _line(d(f"{a}[i]", f"{au}[i]"),
              (f"\\frac{{\\partial L}}{{\\partial {X}[i]}} \\oslash {root} + \\frac{{\\partial L}}{{\\partial {V}}}"
               f" \\odot \\frac{{2\\left({a}[i] - {L}\\right)}}{{m}} + \\frac{{1}}{{m}} \\frac{{\\partial L}}{{\\partial {L}}}",
               f"∂L/∂{Xu}[i] ⊘ {rootu} + ∂L/∂{Vu} ⊙ 2({au}[i] − {Lu})/m + (1/m) ∂L/∂{Lu}")),
        _line(d(G, Gu), (f"\\sum_i \\frac{{\\partial L}}{{\\partial {Z}[i]}} \\odot {X}[i]",
                         f"Σᵢ ∂L/∂{Zu}[i] ⊙ {Xu}[i]")),
        _line(d(B, Bu), (f"\\sum_i \\frac{{\\partial L}}{{\\partial {Z}[i]}}", f"Σᵢ ∂L/∂{Zu}[i]")),
    ]
    intro = ("through $\\hat{x}$, $\\sigma^2$ and $\\mu$; the second term of "
             "$\\partial L/\\partial\\mu$ is 0: the deviations add up to 0",
             "through x̂, σ² and μ; ∂L/∂μ's second term is 0: the deviations add up to 0")
    blocks.append(Derivation(f"Batch normalization (layer {l}), backward", tuple(backward), intro=intro))
    return blocks




def _decimal(value) -> tuple:
    """ε as (LaTeX, Unicode): 10^{-5} / 10⁻⁵ for a power of ten, else its decimal."""
    if value.numerator == 1 and value.denominator > 1 and str(value.denominator).strip("0") == "1":
        k = len(str(value.denominator)) - 1
        return f"10^{{-{k}}}", "10" + superscript(f"-{k}")
    return f"{float(value):g}", f"{float(value):g}"


def _rnn_general(problem) -> list:
    rnn = problem.layers[0]
    f, fu = ACTIVATIONS[rnn.activation].symbol
    every = rnn.output == "all"
    T = len(problem.data[0].x)
    bias = (" + b_{h}", " + bₕ") if rnn.bias else ("", "")
    # h₀ as given, a row of numbers (its transpose the column hₜ is), or 0
    h0 = "0" if rnn.h0 is None else ", ".join(  # a null entry is its symbol, h₀,ⱼ (h₀: one unit)
        f"{float(v):g}".replace("-", "−") if v is not None else
        "h₀" if len(rnn.h0) == 1 else f"h₀,{_subscript(j)}" for j, v in enumerate(rnn.h0, start=1))
    h0_tex = "0" if rnn.h0 is None else "(" + ", ".join(
        f"{float(v):g}" if v is not None else "h_{0}" if len(rnn.h0) == 1 else f"h_{{0,{j}}}"
        for j, v in enumerate(rnn.h0, start=1)) + ")^{\\top}"
    h0_uni = "0" if rnn.h0 is None else f"({h0})ᵀ"
    if rnn.h0 is not None and all(v is None for v in rnn.h0):  # null: h₀ itself the symbol
        h0_tex, h0_uni = "h_0 \\text{ (symbolic)}", "h₀ (symbolic)"
    forward = [_line(("z_t", "zₜ"), (f"W_{{xh}} x_t + W_{{hh}} h_{{t-1}}{bias[0]}",
                                     f"Wₓₕ xₜ + Wₕₕ hₜ₋₁{bias[1]}")),
               _line(("h_t", "hₜ"), (f"{f}\\left(z_t\\right)", f"{fu}(zₜ)"))]
    t, tu = ("t", "ₜ") if every else ("T", "_T")
    previous, previous_u = "h_t" if every else "h_T", "hₜ" if every else "h_T"
    for l, layer in enumerate(problem.layers[1:], start=2):
        last = l == len(problem.layers)
        W, Wu = f"W^{{({l})}}", superscript(f"W⁽{l}⁾")
        b = (f" + b^{{({l})}}", " + " + superscript(f"b⁽{l}⁾")) if layer.bias else ("", "")
        z, zu = f"z^{{({l})}}_{{{t}}}", superscript(f"z⁽{l}⁾") + tu
        forward.append(_line((z, zu), (f"{W} {previous}{b[0]}", f"{Wu} {previous_u}{b[1]}")))
        a, au = ((f"\\hat{{y}}_{{{t}}}", "ŷ" + tu) if last else
                 (f"a^{{({l})}}_{{{t}}}", superscript(f"a⁽{l}⁾") + tu))
        g, gu = ACTIVATIONS[layer.activation].symbol
        forward.append(_line((a, au), (f"{g}\\left({z}\\right)", f"{gu}({zu})")
                             if layer.activation != "identity" else (z, zu)))
        previous, previous_u = a, au
    if every and problem.loss is not None:
        forward.append(_line(("\\ell", "ℓ"), (f"\\sum_{{t=1}}^{{{T}}} \\ell_t", f"Σₜ ℓₜ (t = 1 … {T})")))
    intro = ((f"for $t = 1, \\dots, {T}$, with $h_0 = {h0_tex}$" if "symbolic" not in h0_uni else
              f"for $t = 1, \\dots, {T}$, with ${h0_tex}$")
             + ("" if every else f"; the output is read at $T = {T}$"),
             (f"for t = 1, …, {T}, with h₀ = {h0_uni}" if "symbolic" not in h0_uni else
              f"for t = 1, …, {T}, with {h0_uni}") + ("" if every else f"; the output is read at T = {T}"))
    blocks = [Derivation("The recurrence, forward", tuple(forward), intro=intro)]
    if problem.loss is None:
        return blocks
    derivative = ("\\left(1 - h_t^2\\right)", "(1 − hₜ²)") if rnn.activation == "tanh" else \
        ("[z_t > 0]", "[zₜ > 0]")
    delta2, delta2u = "\\delta^{(2)}_t" if every else "\\delta^{(2)}", "δ⁽²⁾ₜ" if every else "δ⁽²⁾"
    if every:
        dh = (f"W^{{(2)\\top}} {delta2} + W_{{hh}}^{{\\top}} \\delta_{{t+1}}", f"W⁽²⁾ᵀ {delta2u} + Wₕₕᵀ δₜ₊₁")
    else:
        dh = ("W_{hh}^{\\top} \\delta_{t+1} \\text{ for } t < T, \\quad "
              "\\frac{\\partial \\ell}{\\partial h_T} = W^{(2)\\top} \\delta^{(2)}",
              "Wₕₕᵀ δₜ₊₁ for t < T,  ∂ℓ/∂h_T = W⁽²⁾ᵀ δ⁽²⁾")
    top = ("\\frac{\\partial \\ell}{\\partial z^{(2)}_t}", "∂ℓ/∂z⁽²⁾ₜ") if every else \
        ("\\frac{\\partial \\ell}{\\partial z^{(2)}}", "∂ℓ/∂z⁽²⁾")
    backward = [
        _line((delta2, delta2u), top),
        _line(("\\frac{\\partial \\ell}{\\partial h_t}", "∂ℓ/∂hₜ"), dh),
        _line(("\\delta_t = \\frac{\\partial \\ell}{\\partial z_t}", "δₜ = ∂ℓ/∂zₜ"),
              (f"\\frac{{\\partial \\ell}}{{\\partial h_t}} \\odot {derivative[0]}", f"∂ℓ/∂hₜ ⊙ {derivative[1]}")),
        _line(("\\frac{\\partial \\ell}{\\partial W_{xh}}", "∂ℓ/∂Wₓₕ"),
              ("\\sum_t \\delta_t x_t^{\\top}", "Σₜ δₜ xₜᵀ")),
        _line(("\\frac{\\partial \\ell}{\\partial W_{hh}}", "∂ℓ/∂Wₕₕ"),
              ("\\sum_t \\delta_t h_{t-1}^{\\top}", "Σₜ δₜ hₜ₋₁ᵀ")),
    ]
    if rnn.bias:
        backward.append(_line(("\\frac{\\partial \\ell}{\\partial b_{h}}", "∂ℓ/∂bₕ"),
                              ("\\sum_t \\delta_t", "Σₜ δₜ")))
    part = "the output's part" if every else "the output's part at t = T"
    part_tex = "the output's part" if every else "the output's part at $t = T$"
    intro = (f"$t = {T}, \\dots, 1$, $\\delta_{{{T + 1}}} = 0$: {part_tex} plus what $t + 1$ "
             f"carries back",
             f"t = {T}, …, 1, δ{_subscript(T + 1)} = 0: {part} plus what t + 1 carries back")
    blocks.append(Derivation("Backpropagation through time", tuple(backward), intro=intro))
    return blocks


def _subscript(n: int) -> str:
    return subscript(str(n))


def _time_steps(solution) -> list:
    """hₜ and ∂ℓ/∂hₜ as vectors, one line each per time step, for each sample (the worked
    lines above give every entry; this is the picture a course draws of BPTT)."""
    scalar, network = solution.scalar, solution.network
    rnn = network.layers[0]
    names = scalar.graph.names
    if not all(v.is_number for sample in scalar.first.samples for v in
               list(sample.values.values()) + [step.value for step in sample.backward]):
        return []  # symbolic: the worked lines give each hₜ and ∂ℓ/∂hₜ by name, step by step
    sections = []
    for sample in scalar.first.samples:
        lines = []
        adjoint = {s.lhs: s.value for s in sample.backward}
        for t, (h_row, z_row) in enumerate(zip(rnn.a.entries, rnn.z.entries), start=1):
            sub = subscript(str(t))
            h = Mat(tuple((sample.values[s],) for s in h_row))
            lines.append(MatrixLine((Named(f"h_{{{t}}}", f"h{sub}"),), ((h,),)))
            if scalar.graph.loss is not None:
                several = len(scalar.graph.samples) > 1  # the engine's own symbols for ∂ℓ/∂h
                grads = [adjoint.get(names.derivative(scalar.sample_loss, s,
                                                      sample.index if several else None), sp.Integer(0))
                         for s in h_row]
                lines.append(MatrixLine((Named(f"\\frac{{\\partial \\ell}}{{\\partial h_{{{t}}}}}", f"∂ℓ/∂h{sub}"),),
                                        ((Mat(tuple((g,) for g in grads)),),)))
        title = "hₜ and ∂ℓ/∂hₜ at each time step (worked entry by entry below)"
        if len(scalar.first.samples) > 1:
            title += f", sample {sample.index}"
        sections.append(Section(title, tuple(lines), matrix=True))
    return sections
