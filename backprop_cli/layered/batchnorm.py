"""A layered network with a batchnorm layer -> the scalar graph the engine solves.

Batch normalization ties the samples of a batch together (μ and σ² are the batch's), so
the whole batch is one pass of the graph: every sample's quantities are their own nodes,
marked with the sample (z⁽¹⁾₁[²]), and the loss node is the mean (or sum) of the samples'
losses ℓ[i]. The batchnorm layer is written the way it is taught (CS231n, assignment 2),
one node per stage:

    μⱼ = (1/m) Σᵢ aⱼ[i],  σ²ⱼ = (1/m) Σᵢ (aⱼ[i] − μⱼ)²,  x̂ⱼ[i] = (aⱼ[i] − μⱼ)/√(σ²ⱼ + ε),
    zⱼ[i] = γⱼ x̂ⱼ[i] + βⱼ,  then aⱼ[i] = f(zⱼ[i]),

so the engine's reverse mode writes the backward pass through x̂, σ² and μ in that order:
∂L/∂x̂ = ∂L/∂z · γ, ∂L/∂σ² = Σᵢ ∂L/∂x̂ · ∂x̂/∂σ², ∂L/∂μ = Σᵢ ∂L/∂x̂ · ∂x̂/∂μ + ∂L/∂σ² · ∂σ²/∂μ,
∂L/∂a = ∂L/∂x̂ · ∂x̂/∂a + ∂L/∂σ² · ∂σ²/∂a + ∂L/∂μ · ∂μ/∂a, ∂L/∂γ = Σᵢ ∂L/∂z · x̂, ∂L/∂β = Σᵢ ∂L/∂z.
ε is a symbol the one pass gives a value, so it is written ε, not 1/100000.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..graph import Graph, Name, Naming, Node, derive_name, layer_indexed, notation_name, subscript
from ..vocab import ACTIVATIONS, LOSSES
from .compile import Network, Tensor, _dense_sum, _layer_name, _matrix, _vector, penalty_of, training

EPS = sp.Symbol("eps:batchnorm", positive=True)


@dataclass(frozen=True)
class BatchLayer:
    """One layer over the whole batch: its quantities as m × units matrices (row i is
    sample i's), its parameters, and a batchnorm layer's statistics."""

    index: int
    type: str  # dense | batchnorm
    activation: str
    params: tuple  # Tensors: W and b, or γ and β
    z: Tensor
    a: Tensor
    previous: Tensor
    mu: Tensor | None = None
    var: Tensor | None = None
    xhat: Tensor | None = None
    #: the last layer's: each sample's own loss ℓ[i] (m × 1), which the batch's L averages
    losses: Tensor | None = None

    def parameters(self) -> tuple:
        return self.params

    def penalised(self, biases: bool) -> tuple:
        """What regularization: covers: a dense layer's W (and b); batchnorm's β as a bias,
        its γ never (a scale of the normalized x̂, not a weight: pulling it to 0 would
        silence the unit, so norm parameters are left out of weight decay)."""
        if self.type == "batchnorm":
            return self.params[1:] if biases else ()
        return self.params if biases else self.params[:1]

    def computed(self) -> tuple:
        """μ, σ², x̂ (a batchnorm layer's), z and a, as the JSON and quantities() give them."""
        return tuple(t for t in (self.mu, self.var, self.xhat, self.z, self.a, self.losses)
                     if t is not None)


def _batch(naming: Naming, whole: Name, key: str, m: int, size: int, plain: str) -> Tensor:
    """The m × size matrix of one quantity, row i sample i's: z⁽¹⁾₂[³] (one unit: z⁽¹⁾[³])."""
    rows = []
    for i in range(1, m + 1):
        row = []
        for j in range(1, size + 1):
            base = sp.Symbol(f"{key}[{j}]", real=True)
            if size == 1:
                naming.add(base, Name(whole.latex, whole.unicode, plain))
            else:
                latex = f"{{{whole.latex}}}" if "_" in whole.latex else whole.latex
                uni = f"({whole.unicode})" if "_" in whole.latex else whole.unicode
                naming.add(base, Name(f"{latex}_{{{j}}}", uni + subscript(str(j)),
                                      f"{plain}_{j}"))
            row.append(naming.of_sample(base, i))
        rows.append(tuple(row))
    return Tensor(plain, whole.latex, whole.unicode, tuple(rows), matrix=True)




def build_batchnorm_graph(problem) -> tuple[Graph, Network]:
    naming = Naming(sample_brackets=True)
    notation = problem.notation
    style = notation.layer_index
    sizes = problem.sizes
    m = rows_per_batch(problem)
    names = problem.input_names
    x = _batch(naming, Name("x", "x", "x"), "x", m, sizes[0], "x")
    if names:  # the inputs' own names, each marked with its sample
        rows = []
        for i in range(1, m + 1):
            row = []
            for n in names:
                base = naming.add(sp.Symbol(n, real=True), derive_name(n))
                row.append(naming.of_sample(base, i))
            rows.append(tuple(row))
        x = Tensor("x", x.latex, x.unicode, tuple(rows), matrix=True)
    y = _batch(naming, Name("y", "y", "y"), "y", m, sizes[-1], "y")
    values = dict(problem.params)
    params, param_values, nodes, layers = [], {}, [], []

    def parameter(tensor: Tensor):  # a null entry (or a null tensor) stays its symbol: None
        given = values[tensor.plain]
        flat = [None] * len(tensor.symbols) if given is None else \
            [v for row in given for v in row] if tensor.matrix else given
        for symbol, value in zip(tensor.symbols, flat):
            params.append(symbol)
            param_values[symbol] = _rational(value)

    naming.add(EPS, Name("\\epsilon", "ε", "eps"))
    previous = x
    for l, spec in enumerate(problem.layers, start=1):
        last = l == len(problem.layers)
        units = sizes[l]
        z = _batch(naming, _layer_name(problem.pre, l, "z", style), f"z{l}", m, units, f"z{l}")
        a_name = Name("\\hat{y}", "ŷ", "yhat") if last else _layer_name(problem.post, l, "a", style)
        a = _batch(naming, a_name, "yhat" if last else f"a{l}", m, units, "yhat" if last else f"a{l}")
        alpha = sp.Rational(spec.alpha.numerator, spec.alpha.denominator)
        if getattr(spec, "type", "dense") == "batchnorm":
            view = _batchnorm(naming, nodes, spec, l, style, previous, z, a, m, units, alpha)
        else:
            W = _matrix(naming, _layer_name("W", l, style=style), f"W{l}", units, sizes[l - 1])
            b = _vector(naming, _layer_name("b", l, style=style), f"b{l}", units) if spec.bias else None
            for i in range(m):
                for j in range(units):
                    terms = [(W.entries[j][k], previous.entries[i][k]) for k in range(sizes[l - 1])]
                    expr = _dense_sum(terms, b.entries[j] if b else None)
                    shown = [sp.Mul(w, v, evaluate=False) for w, v in terms] + ([b.entries[j]] if b else [])
                    display = shown[0] if len(shown) == 1 else sp.Add(*shown, evaluate=False)
                    nodes.append(Node(z.entries[i][j], expr, display, given=True, written=display))
                _activate(nodes, spec.activation, z.entries[i], a.entries[i], alpha)
            view = BatchLayer(l, "dense", spec.activation, tuple(t for t in (W, b) if t is not None),
                              z, a, previous)
        for tensor in view.params:
            parameter(tensor)
        layers.append(view)
        previous = a

    loss = None
    if problem.loss is not None:
        sample_loss = notation_name(notation.sample_loss, "l")
        own = []
        for i in range(m):
            base = naming.add(sp.Symbol(f"l[{i + 1}]:batch", real=True), sample_loss)
            symbol = naming.of_sample(base, i + 1)
            expr, display = LOSSES[problem.loss].build(previous.entries[i], y.entries[i])
            nodes.append(Node(symbol, expr, display, given=True, written=display))
            own.append(symbol)
        loss_symbol = naming.add(sp.Symbol("L:loss", real=True), notation_name(notation.loss, "L"))
        total = sp.Add(*own, evaluate=False)
        scale = sp.Rational(1, m) if problem.reduction == "mean" else sp.Integer(1)
        expr = scale * sp.Add(*own)
        display = sp.Mul(scale, total, evaluate=False) if scale != 1 else total
        loss = Node(loss_symbol, expr, display, given=True, written=display)
        nodes.append(loss)

    eps = problem.layers[_bn_index(problem)].eps
    samples = []
    several = len(problem.data) > m
    batches, steps = mini_batches(problem)
    for rows in batches:  # each mini-batch (or the batch) one sample
        sample = {EPS: sp.Rational(eps.numerator, eps.denominator)}
        for i, given in enumerate(problem.data[r] for r in rows):
            pairs = ((x, given.x), (y, given.y)) if problem.loss is not None else ((x, given.x),)
            for tensor, row in pairs:
                for j, symbol in enumerate(tensor.entries[i]):
                    value = None if row is None else row[j]
                    # null: the row's own symbol (x₁[²]); with mini-batches, the data's sample
                    # it holds (row 1 of mini-batch 2 is x₁[³])
                    sample[symbol] = _rational(value) if value is not None else \
                        _data_row(naming, symbol, rows[i] + 1) if several else None
        samples.append(sample)
    inputs = (EPS,) + tuple(s for row in x.entries for s in row)
    targets = tuple(s for row in y.entries for s in row) if problem.loss is not None else ()
    fields = training(problem, naming, 1)
    if len(samples) > 1:  # step t works mini-batch t, cycling through the data in order
        fields["batches"] = steps
        # a mini-batch's loss L_ℬ (marked with the mini-batch: L_ℬ[²]), not ℓ, a row's
        fields["sample_loss_name"] = Name("L_{\\mathcal{B}}", "L_ℬ", "L_batch")
    # a mini-batch's loss is already its mean (or sum) over its rows: the mini-batches'
    # losses are reduced alike, so "all the data" is the mean over every row
    graph = Graph(title=problem.title, notes=problem.notes, inputs=inputs, targets=targets,
                  params=tuple(params), param_values=param_values, nodes=tuple(nodes), loss=loss,
                  samples=tuple(samples), reduction="sum" if len(samples) == 1 else problem.reduction,
                  names=naming, output=previous.entries[-1][-1],
                  penalty=penalty_of(problem, layers, naming), **fields)
    if problem.loss is not None:  # the samples' losses, a quantity of their own (samples.1.l)
        sample_loss = notation_name(notation.sample_loss, "l")
        layers[-1] = replace(layers[-1], losses=Tensor(sample_loss.plain, sample_loss.latex,
                                                       sample_loss.unicode,
                                                       tuple((s,) for s in own), matrix=True))
    return graph, Network(problem, x, y, tuple(layers), batches if len(batches) > 1 else None)


def mini_batches(problem) -> tuple:
    """(the graph's samples: each a mini-batch's data samples, 0-based; which of them each
    step works). Step t takes the next B samples in order, cycling through the data, as a
    dense network's batch_size does: with B dividing the data, its mini-batches in turn;
    else a mini-batch may wrap around to the first samples (B = 2 of 5: (1, 2), (3, 4),
    (5, 1), (2, 3), …). The graph holds the mini-batches that cover the data and those the
    steps take, each once."""
    n, size = len(problem.data), rows_per_batch(problem)
    if size == n:
        return ((tuple(range(n)),), None)
    steps = problem.optimizer.steps
    cycled = [tuple((t * size + j) % n for j in range(size))
              for t in range(max(steps, -(-n // size)))]
    batches = list(dict.fromkeys(cycled))
    return tuple(batches), tuple((batches.index(cycled[t]),) for t in range(steps))


def _data_row(naming: Naming, symbol: sp.Symbol, r: int) -> sp.Symbol:
    """The symbol of sample r's entry for a row symbol of a mini-batch (x₁[²] of mini-batch
    2 is sample 4's x₁[⁴]): its own SymPy symbol, named as that sample's entry."""
    base = sp.Symbol(symbol.name.rsplit("@", 1)[0], real=True)  # of_sample's x[1]@2 -> x[1]
    n = naming[base]
    return naming.add(sp.Symbol(f"{base.name}@row{r}", real=True),
                      Name(*naming._marked(n, r), f"{n.plain}_s{r}"))


def _rational(value):
    return None if value is None else sp.Rational(value.numerator, value.denominator)


def rows_per_batch(problem) -> int:
    """The rows one pass normalizes over: batch_size's mini-batch, else the whole data."""
    size = problem.optimizer.batch_size if problem.optimizer is not None else None
    return size if size is not None and size < len(problem.data) else len(problem.data)


def _bn_index(problem) -> int:
    return next(i for i, layer in enumerate(problem.layers) if getattr(layer, "type", "") == "batchnorm")


def _activate(nodes: list, activation: str, z: tuple, a: tuple, alpha) -> None:
    for j in range(len(z)):
        expr, display = ACTIVATIONS[activation].unit(z, j, alpha)
        nodes.append(Node(a[j], expr, display, given=True, written=display))


def _batchnorm(naming, nodes, spec, l, style, previous, z, a, m, units, alpha) -> BatchLayer:
    gamma = _vector(naming, Name(*layer_indexed("\\gamma", "γ", l, style), f"gamma{l}"), f"gamma{l}", units)
    beta = _vector(naming, Name(*layer_indexed("\\beta", "β", l, style), f"beta{l}"), f"beta{l}", units)
    mu = _vector(naming, Name(*layer_indexed("\\mu", "μ", l, style), f"mu{l}"), f"mu{l}", units)
    var_latex, var_uni = layer_indexed("\\sigma", "σ", l, style)
    var = _vector(naming, Name(var_latex.replace("^{(", "^{2\\,(") if "^{(" in var_latex else
                               f"{var_latex}^{{2}}", var_uni.replace("⁽", "²⁽", 1) if "⁽" in var_uni
                               else var_uni + "²", f"var{l}"), f"var{l}", units)
    xhat = _batch(naming, Name(*layer_indexed("\\hat{x}", "x̂", l, style), f"xhat{l}"),
                  f"xhat{l}", m, units, f"xhat{l}")
    inverse_m = sp.Rational(1, m)
    for j in range(units):
        column = [previous.entries[i][j] for i in range(m)]
        nodes.append(Node(mu.entries[j], inverse_m * sp.Add(*column),
                          sp.Mul(inverse_m, sp.Add(*column, evaluate=False), evaluate=False),
                          given=True))
        squares = [(v - mu.entries[j]) ** 2 for v in column]
        shown = [sp.Pow(sp.Add(v, -mu.entries[j], evaluate=False), 2, evaluate=False) for v in column]
        nodes.append(Node(var.entries[j], inverse_m * sp.Add(*squares),
                          sp.Mul(inverse_m, sp.Add(*shown, evaluate=False), evaluate=False),
                          given=True))
    for i in range(m):
        for j in range(units):
            v = previous.entries[i][j]
            root = sp.sqrt(var.entries[j] + EPS)
            shown = sp.Mul(sp.Add(v, -mu.entries[j], evaluate=False),
                           sp.Pow(sp.sqrt(sp.Add(var.entries[j], EPS, evaluate=False), evaluate=False),
                                  -1, evaluate=False), evaluate=False)
            nodes.append(Node(xhat.entries[i][j], (v - mu.entries[j]) / root, shown, given=True))
    for i in range(m):
        for j in range(units):
            expr = gamma.entries[j] * xhat.entries[i][j] + beta.entries[j]
            shown = sp.Add(sp.Mul(gamma.entries[j], xhat.entries[i][j], evaluate=False),
                           beta.entries[j], evaluate=False)
            nodes.append(Node(z.entries[i][j], expr, shown, given=True, written=shown))
        _activate(nodes, spec.activation, z.entries[i], a.entries[i], alpha)
    return BatchLayer(l, "batchnorm", spec.activation, (gamma, beta), z, a, previous, mu, var, xhat)
