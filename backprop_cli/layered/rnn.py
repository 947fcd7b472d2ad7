"""A layered network whose first layer is an rnn -> the scalar graph the engine solves.

The recurrence is unrolled over the T time steps of a sample, one node per entry of

    zₜ = W_xh xₜ + W_hh hₜ₋₁ + b,   hₜ = f(zₜ)      (h₀ = 0, or the layer's h0)

(torch.nn.RNN with weight_ih = W_xh, weight_hh = W_hh, bias_ih + bias_hh = b), then the
dense layers after it at every time step (output: all) or at the last (output: last).
With output: all each step has its loss ℓₜ and the sample's loss is ℓ = Σₜ ℓₜ, as torch's
loss with reduction='sum' over the steps. The engine's reverse mode is backpropagation
through time: ∂ℓ/∂hₜ is the sum of what comes from ŷₜ (the local part) and from zₜ₊₁
(carried back from t + 1), and ∂ℓ/∂W_hh is the sum of one contribution per time step.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..graph import Graph, Name, Naming, Node, notation_name, subscript
from ..vocab import ACTIVATIONS, LOSSES
from .compile import Network, Tensor, _dense_sum, _layer_name, _matrix, _vector, penalty_of, training



@dataclass(frozen=True)
class SequenceLayer:
    """One layer over the time steps: its quantities as T × units matrices (row t is time
    step t's; one row for a dense layer after output: last) and its parameters."""

    index: int
    type: str  # rnn | dense
    activation: str
    params: tuple  # Tensors: W_xh, W_hh, b; or W, b
    z: Tensor
    a: Tensor
    previous: Tensor

    def parameters(self) -> tuple:
        return self.params

    def penalised(self, biases: bool) -> tuple:
        """What regularization: covers: the weights (W_xh and W_hh, or W), and the bias
        when `biases: true`. The last of `params` is the bias when the layer has one."""
        weights = 2 if self.type == "rnn" else 1
        return self.params if biases else self.params[:weights]

    def computed(self) -> tuple:
        return (self.z, self.a)


def _timed(naming: Naming, whole: Name, key: str, steps: int, size: int, plain: str,
           first: int = 1) -> Tensor:
    """A quantity at every time step, T × size: hₜ,ⱼ (LaTeX h_{t,j}; one unit: h_{t})."""
    rows = []
    for t in range(first, first + steps):
        row = []
        for j in range(1, size + 1):
            index = (t,) if size == 1 else (t, j)
            sub_latex = ",".join(map(str, index))
            sub_uni = ",".join(subscript(str(i)) for i in index)
            latex, uni = whole.latex, whole.unicode
            if "_" in latex:
                latex, uni = f"{{{latex}}}", f"({uni})"
            symbol = sp.Symbol(f"{key}[{','.join(map(str, index))}]", real=True)
            row.append(naming.add(symbol, Name(f"{latex}_{{{sub_latex}}}", uni + sub_uni,
                                               f"{plain}_{'_'.join(map(str, index))}")))
        rows.append(tuple(row))
    return Tensor(plain, whole.latex, whole.unicode, tuple(rows), matrix=True)


def _named_matrix(naming, latex: str, uni: str, plain: str, rows: int, cols: int) -> Tensor:
    """W_xh with its entries written (W_xh)_{i,j}, (Wₓₕ)ᵢ,ⱼ."""
    entries = tuple(tuple(naming.add(sp.Symbol(f"{plain}[{i},{j}]", real=True),
                                     Name(f"({latex})_{{{i},{j}}}",
                                          f"({uni}){subscript(str(i))},{subscript(str(j))}",
                                          f"{plain}_{i}_{j}"))
                          for j in range(1, cols + 1)) for i in range(1, rows + 1))
    return Tensor(plain, latex, uni, entries, matrix=True)


def _named_vector(naming, latex: str, uni: str, plain: str, size: int) -> Tensor:
    entries = tuple(naming.add(sp.Symbol(f"{plain}[{i}]", real=True),
                               Name(f"{latex}" if size == 1 else f"({latex})_{{{i}}}",
                                    uni if size == 1 else f"({uni}){subscript(str(i))}",
                                    plain if size == 1 else f"{plain}_{i}"))
                    for i in range(1, size + 1))
    return Tensor(plain, latex, uni, entries)


def build_rnn_graph(problem) -> tuple[Graph, Network]:
    naming = Naming(sample_brackets=True)
    notation = problem.notation
    style = notation.layer_index
    sizes = problem.sizes
    rnn = problem.layers[0]
    T = len(problem.data[0].x)
    every = rnn.output == "all"
    n_in, units = sizes[0], sizes[1]
    x = _timed(naming, Name("x", "x", "x"), "x", T, n_in, "x")
    Wxh = _named_matrix(naming, "W_{xh}", "Wₓₕ", "Wxh1", units, n_in)
    Whh = _named_matrix(naming, "W_{hh}", "Wₕₕ", "Whh1", units, units)
    b = _named_vector(naming, "b_{h}", "bₕ", "b1", units) if rnn.bias else None
    z = _timed(naming, Name(problem.pre, problem.pre, problem.pre), "z1", T, units, "z1")
    h = _timed(naming, Name("h", "h", "h"), "h1", T, units, "h1")
    nodes = []
    h0 = None
    if rnn.h0 is not None and any(v is None or v != 0 for v in rnn.h0):  # null: a symbol
        h0 = _timed(naming, Name("h", "h", "h"), "h1", 1, units, "h0", first=0).entries[0]
    for t in range(T):
        before = h.entries[t - 1] if t > 0 else h0
        for j in range(units):
            terms = [(Wxh.entries[j][k], x.entries[t][k]) for k in range(n_in)]
            if before is not None:
                terms += [(Whh.entries[j][k], before[k]) for k in range(units)]
            expr = _dense_sum(terms, b.entries[j] if b else None)
            shown = [sp.Mul(w, v, evaluate=False) for w, v in terms] + ([b.entries[j]] if b else [])
            display = shown[0] if len(shown) == 1 else sp.Add(*shown, evaluate=False)
            nodes.append(Node(z.entries[t][j], expr, display, given=True, written=display))
        for j in range(units):
            expr, display = ACTIVATIONS[rnn.activation].unit(z.entries[t], j, 0)
            nodes.append(Node(h.entries[t][j], expr, display, given=True, written=display))
    layers = [SequenceLayer(1, "rnn", rnn.activation, tuple(p for p in (Wxh, Whh, b) if p), z, h, x)]
    # the dense layers, at every time step (or the last), each step's loss after its output
    times = range(T) if every else (T - 1,)
    outputs = len(times)
    dense = []
    previous = h if every else Tensor(h.plain, h.latex, h.unicode, (h.entries[-1],), matrix=True)
    for l, spec in enumerate(problem.layers[1:], start=2):
        last = l == len(problem.layers)
        W = _matrix(naming, _layer_name("W", l, style=style), f"W{l}", sizes[l], sizes[l - 1])
        bl = _vector(naming, _layer_name("b", l, style=style), f"b{l}", sizes[l]) if spec.bias else None
        first = 1 if every else T
        zl = _timed(naming, _layer_name(problem.pre, l, "z", style), f"z{l}", outputs, sizes[l],
                    f"z{l}", first=first) if every else \
            _single(naming, _layer_name(problem.pre, l, "z", style), f"z{l}", sizes[l])
        a_name = Name("\\hat{y}", "ŷ", "yhat") if last else _layer_name(problem.post, l, "a", style)
        al = _timed(naming, a_name, f"a{l}", outputs, sizes[l], "yhat" if last else f"a{l}",
                    first=first) if every else \
            _single(naming, a_name, "yhat" if last else f"a{l}", sizes[l])
        dense.append((spec, W, bl, zl, al, previous))
        layers.append(SequenceLayer(l, "dense", spec.activation, tuple(p for p in (W, bl) if p),
                                    zl, al, previous))
        previous = al
    y = _timed(naming, Name("y", "y", "y"), "y", T, sizes[-1], "y") if every else \
        _single(naming, Name("y", "y", "y"), "y", sizes[-1])
    step_losses = []
    for k, t in enumerate(times):
        for spec, W, bl, zl, al, before in dense:
            for i in range(W.entries.__len__()):
                terms = [(W.entries[i][j], before.entries[k][j]) for j in range(len(W.entries[0]))]
                expr = _dense_sum(terms, bl.entries[i] if bl else None)
                shown = [sp.Mul(w, v, evaluate=False) for w, v in terms] + ([bl.entries[i]] if bl else [])
                display = shown[0] if len(shown) == 1 else sp.Add(*shown, evaluate=False)
                nodes.append(Node(zl.entries[k][i], expr, display, given=True, written=display))
            alpha = sp.Rational(spec.alpha.numerator, spec.alpha.denominator)
            for i in range(len(W.entries)):
                expr, display = ACTIVATIONS[spec.activation].unit(zl.entries[k], i, alpha)
                nodes.append(Node(al.entries[k][i], expr, display, given=True, written=display))
        if every and problem.loss is not None:
            own = notation_name(notation.sample_loss, "l")
            symbol = naming.add(sp.Symbol(f"l[t{t + 1}]:step", real=True),
                                Name(f"{own.latex}_{{{t + 1}}}", own.unicode + subscript(str(t + 1)),
                                     f"l_{t + 1}"))
            expr, display = LOSSES[problem.loss].build(previous.entries[k], y.entries[t])
            nodes.append(Node(symbol, expr, display, given=True, written=display))
            step_losses.append(symbol)
    loss = None
    if problem.loss is not None:
        loss_symbol = naming.add(sp.Symbol("L:loss", real=True), notation_name(notation.loss, "L"))
        if every:
            expr, display = sp.Add(*step_losses), sp.Add(*step_losses, evaluate=False)
        else:
            expr, display = LOSSES[problem.loss].build(previous.entries[0], y.entries[0])
        loss = Node(loss_symbol, expr, display, given=True, written=display)
        nodes.append(loss)
    samples = []
    several = len(problem.data) > 1
    for k, sample in enumerate(problem.data, start=1):
        values = {}

        def put(symbol, v):  # null: a symbol, each sample's own where there are several
            values[symbol] = _rational(v) if v is not None else \
                naming.sampled_input(symbol, k) if several else None
        for t, step in enumerate(sample.x):
            for symbol, v in zip(x.entries[t], step):
                put(symbol, v)
        if problem.loss is not None:
            targets = sample.y if every else (sample.y,)
            for row, given in zip(y.entries, targets):
                for symbol, v in zip(row, given):
                    put(symbol, v)
        if h0 is not None:  # the layer's, the same for every sample: one symbol for a null
            for symbol, v in zip(h0, rnn.h0):
                values[symbol] = _rational(v)
        samples.append(values)
    params, param_values = [], {}
    given = dict(problem.params)
    for layer in layers:
        for tensor in layer.params:
            raw = given[tensor.plain]
            flat = [None] * len(tensor.symbols) if raw is None else \
                [v for row in raw for v in row] if tensor.matrix else raw
            for symbol, v in zip(tensor.symbols, flat):
                params.append(symbol)
                param_values[symbol] = _rational(v)  # null: None, the symbol itself
    inputs = tuple(s for row in x.entries for s in row) + (tuple(h0) if h0 is not None else ())
    graph = Graph(title=problem.title, notes=problem.notes, inputs=inputs,
                  targets=tuple(s for row in y.entries for s in row) if problem.loss else (),
                  params=tuple(params), param_values=param_values, nodes=tuple(nodes), loss=loss,
                  samples=tuple(samples), reduction=problem.reduction, names=naming,
                  output=previous.entries[-1][-1], penalty=penalty_of(problem, layers, naming),
                  **training(problem, naming, len(samples)))
    return graph, Network(problem, x, y, tuple(layers))


def _rational(value):
    return None if value is None else sp.Rational(value.numerator, value.denominator)


def _single(naming, whole: Name, key: str, size: int) -> Tensor:
    """A quantity computed once (after output: last), as a one-row matrix."""
    vector = _vector(naming, whole, key, size)
    return Tensor(vector.plain, vector.latex, vector.unicode, (tuple(vector.entries),), matrix=True)
