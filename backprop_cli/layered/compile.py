"""NetworkProblem -> the scalar computation graph the engine solves, plus the layout that
says which scalar is which matrix entry. (The solution in matrix notation is laid out
later, from the solved graph: sheet/layered.py.)

Both spec forms meet in graph.Graph, so the numbers of a layered problem come from the
same engine (and oracle tests) as every other problem. Entry symbols carry brackets in
their SymPy names (`W1[1,2]`), which no spec name can contain, so nothing collides.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import SimpleNamespace

import sympy as sp
from sympy.core.basic import _args_sortkey

from ..graph import (LEARNING_RATE, Graph, Name, Naming, Node, batches_of, build_penalty, derive_name,
                     layer_indexed, notation_name, optimizer_settings, subscript)
from ..vocab import ACTIVATIONS, LOSSES
from ..spec import NetworkProblem
from . import conv

#: a layer `type:` whose network is built by its own module: (module, function)
_TYPED_BUILDERS = {"batchnorm": (".batchnorm", "build_batchnorm_graph"),
                   "rnn": (".rnn", "build_rnn_graph")}


#: A layer's `type:` -> how it compiles: (ctx, l, layer, the previous output, last) ->
#: (its view, its nodes). A dense layer (no entry) is the loop in build_network_graph.
LAYER_COMPILERS = {
    "conv2d": conv.compile_layer, "conv1d": conv.compile_layer,
    "maxpool2d": conv.compile_layer, "avgpool2d": conv.compile_layer,
    "flatten": conv.compile_layer,
}


@dataclass(frozen=True)
class Tensor:
    """A named vector or matrix and the scalar symbols of its entries (rows of them)."""

    plain: str  # W1, b1, z1, a1, x, y, yhat
    latex: str  # W^{(1)}
    unicode: str  # W⁽¹⁾
    entries: tuple  # tuple of rows (matrix), or a flat tuple (vector)
    matrix: bool = False

    @property
    def symbols(self) -> list:
        return _flat(self.entries)


def _flat(entries: tuple) -> list:
    """The entries of a vector, a matrix's rows or a kernel's or feature map's nesting."""
    return [s for e in entries for s in (_flat(e) if isinstance(e, tuple) else (e,))]


@dataclass(frozen=True)
class LayerView:
    index: int  # 1-based
    activation: str
    alpha: sp.Rational
    W: Tensor
    b: Tensor | None
    z: Tensor
    a: Tensor  # the output ŷ for the last layer
    previous: Tensor  # a of the layer before, or x

    def parameters(self) -> tuple:
        return tuple(t for t in (self.W, self.b) if t is not None)

    def computed(self) -> tuple:
        """The layer's computed vectors, as the JSON and quantities() give them."""
        return (self.z, self.a)


@dataclass(frozen=True)
class Network:
    """How the scalar graph is laid out as vectors and matrices."""

    problem: NetworkProblem
    x: Tensor
    y: Tensor
    layers: tuple  # LayerViews
    #: a batchnorm network's graph samples, each a mini-batch: the data's samples (0-based)
    #: each holds, or None where a graph sample is one data sample (or the whole batch)
    mini_batches: tuple | None = None

    @property
    def output(self) -> Tensor:
        return self.layers[-1].a

    def tensors(self) -> list:
        return [t for layer in self.layers for t in layer.parameters()]


# --- naming ------------------------------------------------------------------------


def _layer_name(letter: str, layer: int, plain: str | None = None, style: str = "paren") -> Name:
    """W^{(1)} / W⁽¹⁾ / W1 (the index written in the notation's `style`); `plain` keeps
    program-facing names (z1, a1) whatever the letters."""
    latex, uni = layer_indexed(derive_name(letter).latex, letter, layer, style)
    return Name(latex, uni, f"{plain or letter}{layer}")


def _entry(naming: Naming, whole: Name, key: str, index: tuple, single: bool,
           shown: tuple | None = None) -> sp.Symbol:
    """The symbol of one entry: W^{(1)}_{1,2} / W⁽¹⁾₁,₂ / W1_1_2; no index when single;
    `shown`: the indices written, where they are fewer (a single channel's)."""
    symbol = sp.Symbol(f"{key}[{','.join(map(str, index))}]", real=True)
    if single:
        return naming.add(symbol, whole)
    shown = index if shown is None else shown
    sub_latex = ",".join(map(str, shown))
    sub_uni = ",".join(subscript(str(i)) for i in shown)
    plain = f"{whole.plain}_{'_'.join(map(str, index))}"
    latex, uni = whole.latex, whole.unicode
    if "_" in latex:  # a layer index written below (W_{1}): the entry's index outside it
        latex, uni = f"{{{latex}}}", f"({uni})"
    return naming.add(symbol, Name(f"{latex}_{{{sub_latex}}}", f"{uni}{sub_uni}", plain))


def _vector(naming, whole: Name, key: str, size: int) -> Tensor:
    entries = tuple(_entry(naming, whole, key, (i + 1,), size == 1) for i in range(size))
    return Tensor(whole.plain, whole.latex, whole.unicode, entries)


def _matrix(naming, whole: Name, key: str, rows: int, cols: int) -> Tensor:
    entries = tuple(tuple(_entry(naming, whole, key, (i + 1, j + 1), False) for j in range(cols))
                    for i in range(rows))
    return Tensor(whole.plain, whole.latex, whole.unicode, entries, matrix=True)


# --- the graph -----------------------------------------------------------------------


def build_network_graph(problem: NetworkProblem) -> tuple[Graph, Network]:
    typed = {getattr(layer, "type", "dense") for layer in problem.layers} & set(_TYPED_BUILDERS)
    if typed:  # batchnorm ties a batch together, an rnn unrolls in time: their own builders
        module, name = _TYPED_BUILDERS[min(typed)]
        return getattr(importlib.import_module(module, __package__), name)(problem)
    naming = Naming(sample_brackets=True)  # layers are in parentheses: samples in brackets
    notation = problem.notation
    style = notation.layer_index
    sizes = problem.sizes
    n_in, n_out = sizes[0], sizes[-1]
    ctx = SimpleNamespace(naming=naming, Tensor=Tensor, entry=_entry, dense_sum=_dense_sum,
                          pre=problem.pre, post=problem.post,
                          vector=lambda whole, key, size: _vector(naming, whole, key, size),
                          layer_name=lambda letter, l, plain=None: _layer_name(letter, l, plain, style))
    if problem.shape:
        x = conv.input_map(ctx, problem.shape)
    elif problem.input_names:
        entries = tuple(naming.add(sp.Symbol(n, real=True), derive_name(n)) for n in problem.input_names)
        x = Tensor("x", "\\mathbf{x}", "x", entries)
    else:
        x = _vector(naming, Name("x", "x", "x"), "x", n_in)
    # a layer exercise's target is the upstream gradient g (upstream:, the loss Σ g ŷ)
    target = "g" if problem.loss == "upstream" else "y"
    y = _vector(naming, Name(target, target, target), "y", n_out)
    values = dict(problem.params)
    params, param_values, nodes, layers = [], {}, [], []
    previous = x

    def add_params(tensor):
        given = values[tensor.plain]
        flat = [v for row in given for v in row] if tensor.matrix and given is not None \
            and isinstance(given[0], tuple) else given
        for i, symbol in enumerate(tensor.symbols):
            params.append(symbol)
            value = None if flat is None else flat[i]
            param_values[symbol] = None if value is None else sp.Rational(value.numerator, value.denominator)
    ctx.add_params = add_params
    for l, spec in enumerate(problem.layers, start=1):
        last = l == len(problem.layers)
        compiler = LAYER_COMPILERS.get(spec.type)
        if compiler is not None:  # conv, pooling, flatten: layered/conv.py
            view, made = compiler(ctx, l, spec, previous, last)
            nodes.extend(made)
            layers.append(view)
            previous = view.a
            continue
        W = _matrix(naming, _layer_name("W", l, style=style), f"W{l}", sizes[l], sizes[l - 1])
        b = _vector(naming, _layer_name("b", l, style=style), f"b{l}", sizes[l]) if spec.bias else None
        for tensor in (W, b):
            if tensor is not None:
                add_params(tensor)
        z = _vector(naming, _layer_name(problem.pre, l, "z", style), f"z{l}", sizes[l])
        a_name = Name("\\hat{y}", "ŷ", "yhat") if last else _layer_name(problem.post, l, "a", style)
        a = _vector(naming, a_name, "yhat" if last else f"a{l}", sizes[l])
        for i in range(sizes[l]):
            terms = [(W.entries[i][j], previous.entries[j]) for j in range(sizes[l - 1])]
            expr = _dense_sum(terms, b.entries[i] if b else None)
            shown = [sp.Mul(w, v, evaluate=False) for w, v in terms] + ([b.entries[i]] if b else [])
            display = shown[0] if len(shown) == 1 else sp.Add(*shown, evaluate=False)
            nodes.append(Node(z.entries[i], expr, display, given=True, written=display))
        alpha = sp.Rational(spec.alpha.numerator, spec.alpha.denominator)
        for i in range(sizes[l]):
            expr, display = ACTIVATIONS[spec.activation].unit(z.entries, i, alpha)
            nodes.append(Node(a.entries[i], expr, display, given=True, written=display))
        layers.append(LayerView(l, spec.activation, alpha, W, b, z, a, previous))
        previous = a

    loss = None
    if problem.loss is not None:
        loss_symbol = sp.Symbol("L:loss", real=True)
        naming.add(loss_symbol, notation_name(notation.loss, "L"))
        expr, display = LOSSES[problem.loss].build(previous.entries, y.entries)
        loss = Node(loss_symbol, expr, display, given=True, written=display)
        nodes.append(loss)

    samples = _samples(problem, x, y, naming)
    output = nodes[-2].symbol if loss is not None else nodes[-1].symbol
    graph = Graph(title=problem.title, notes=problem.notes, inputs=tuple(x.symbols),
                  targets=tuple(y.entries) if problem.loss is not None else (),
                  params=tuple(params), param_values=param_values, nodes=tuple(nodes), loss=loss,
                  samples=samples, reduction=problem.reduction, names=naming, output=output,
                  penalty=penalty_of(problem, layers, naming),
                  **training(problem, naming, len(samples)))
    return graph, Network(problem, x, y, tuple(layers))


def training(problem, naming: Naming, samples: int) -> dict:
    """The Graph's fields of training, for every way a network is built: the rate (named
    in the notation; a symbol when null), the steps, the optimizer and its settings, the
    batches, and the name of one sample's loss."""
    notation = problem.notation
    lr, steps = None, 0
    if problem.optimizer is not None:
        naming.add(LEARNING_RATE, notation_name(notation.rate, "eta"))
        opt = problem.optimizer
        lr = sp.Rational(opt.lr.numerator, opt.lr.denominator) if opt.lr is not None else LEARNING_RATE
        steps = opt.steps
    return dict(lr=lr, steps=steps, optimizer=problem.optimizer.type if problem.optimizer else None,
                sample_loss_name=notation_name(notation.sample_loss, "l"),
                hyper=optimizer_settings(problem.optimizer, naming),
                batches=batches_of(problem.optimizer, samples))


def _dense_sum(terms: list, bias: sp.Symbol | None) -> sp.Expr:
    """w1 a1 + ... + wn an + b, the same expression as sp.Add(*[w * a ...]) + b, built
    without SymPy's general flatten: every w and a is a distinct symbol, so nothing
    combines and the canonical form is the products and the bias sorted as SymPy sorts
    them. (Flattening was most of the time of building a wide network.) Checked against
    sp.Add in tests/test_layered.py."""
    products = [sp.Mul._from_args(tuple(sorted(pair, key=_args_sortkey))) for pair in terms]
    if bias is not None:
        products.append(bias)
    if len(products) == 1:
        return products[0]
    return sp.Add._from_args(tuple(sorted(products, key=_args_sortkey)))


def _samples(problem: NetworkProblem, x: Tensor, y: Tensor, naming: Naming) -> tuple:
    """One dict per sample: entry symbol -> number, None (symbolic, one sample) or, with
    several samples, a symbol of that sample's own (x_1 of sample 2 is not x_1 of sample 1)."""
    m = len(problem.data)
    result = []
    for k, sample in enumerate(problem.data, start=1):
        values = {}
        for tensor, given, wanted in ((x, sample.x, True), (y, sample.y, problem.loss is not None)):
            if not wanted and given is None:
                continue
            for i, symbol in enumerate(tensor.symbols):
                value = None if given is None else given[i]
                if value is not None:
                    values[symbol] = sp.Rational(value.numerator, value.denominator)
                elif m == 1:
                    values[symbol] = None
                else:
                    values[symbol] = naming.sampled_input(symbol, k)
        result.append(values)
    return tuple(result)


def _penalty_covers(layers, biases: bool) -> list:
    """The Tensors regularization: covers: every layer's weights, and its biases when
    `biases: true`. A batchnorm or rnn layer says its own (`penalised`: W_xh and W_hh;
    β as a bias, γ never); a pooling or flatten layer has none."""
    out = []
    for layer in layers:
        if hasattr(layer, "penalised"):
            out.extend(layer.penalised(biases))
        else:
            out.extend(t for t in (layer.W, layer.b if biases else None) if t is not None)
    return out


def _penalised(layers, problem) -> tuple:
    """The entries regularization: applies to: every weight, and the biases if it says so."""
    regularization = problem.regularization
    if regularization is None:
        return ()
    return tuple(s for t in _penalty_covers(layers, regularization.biases) for s in t.symbols)


def _penalised_tensors(layers, problem) -> tuple:
    """(LaTeX, Unicode, plain, entries) of each matrix (and bias) the penalty applies to."""
    regularization = problem.regularization
    if regularization is None:
        return ()
    return tuple((t.latex, t.unicode, t.plain, tuple(t.symbols))
                 for t in _penalty_covers(layers, regularization.biases))


def penalty_of(problem, layers, naming: Naming):
    """The Graph's penalty (None without regularization:) over `layers`' views."""
    return build_penalty(problem.regularization, _penalised(layers, problem), naming,
                         _penalised_tensors(layers, problem))
