"""The worked solution of a layered problem in matrix notation: the stage after solving
(sheet/layered.py calls it with the engine's solution).

Each line is `lhs = form = form ... = result`, a form being a row of pieces: named
matrices (W^{(1)}, δ^{(2)}, with an optional transpose), explicit matrices of entries,
operators and scalar factors. Every value is the engine's: node values, ∂ℓ/∂ŷ, δ and
∂ℓ/∂a (the adjoints of ŷ, z and a), the entries of f'(z) (each unit's local derivative
∂a/∂z) and the gradients; a symbolic problem reads in named quantities (δ, a, [z > 0]),
written per symbol (δ^{(3)} a^{(2)}_1), with the numbers that are known put in. Nothing is
evaluated or differentiated here. Renderers only print the pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy as sp

from ..engine import Solution
from ..graph import LEARNING_RATE, Name, Naming, derive_name, layer_indexed, notation_name
# the worksheet's pieces; a Block is a titled Derivation, a Line a MatrixLine
from ..sheet.model import Derivation as Block
from ..sheet.model import Mat, MatrixLine as Line, Named, Op, Scalar, Table
from ..sheet.updates import step_title
from ..vocab import ACTIVATIONS, LOSSES
from .compile import LayerView, Network
from .spec import NetworkProblem

#: Matrices larger than this are named, not written out (the scalar view has every entry).
MAX_ROWS = 10
MAX_COLS = 6


@dataclass(frozen=True)
class MatrixWork:
    general: tuple  # Tables and Blocks: the network in matrix notation, no numbers
    blocks: tuple  # the worked solution, pass by pass (empty for symbolic sizes)
    names: dict = field(default_factory=dict)  # Symbol -> Name, for printing entries


# --- notation ---------------------------------------------------------------------


class Notation:
    """The names of the whole vectors and matrices; batches use capitals (Z, A, Δ). The
    letters, the layer index, bold vectors and the loss's names are the problem's
    `notation:` (spec/notation.py)."""

    def __init__(self, problem: NetworkProblem, batch: bool):
        self.problem = problem
        self.batch = batch
        self.L = len(problem.layers)
        self.notation = problem.notation
        self.bold = self.notation.vectors == "bold"
        # each sample has its own loss, ℓ; so has the one sample when a penalty R is added
        # to it (L = ℓ + R), and the matrix passes' derivatives are ℓ's
        self.several = len(problem.data) > 1 or problem.regularization is not None

    def vector(self, latex: str) -> str:
        """A vector's letter, bold when the notation says so (a matrix never is)."""
        if not self.bold:
            return latex
        return f"\\boldsymbol{{{latex}}}" if latex.startswith("\\") else f"\\mathbf{{{latex}}}"

    def plain(self, tex: str) -> str:
        """A table's LaTeX (vocab/: 2(\\hat{\\mathbf{y}} - \\mathbf{y})) with plain vectors
        when the notation says so."""
        return tex if self.bold else tex.replace("\\mathbf{y}", "y").replace("\\mathbf{x}", "x")

    def _layer(self, letter: str, l: int) -> Named:
        letter = letter.upper() if self.batch else letter
        latex_letter = "\\Delta" if letter == "Δ" else ("\\delta" if letter == "δ" else letter)
        if len(letter) > 1:
            latex_letter = f"\\mathrm{{{letter}}}"
        if not self.batch:
            latex_letter = self.vector(latex_letter)
        latex, uni = layer_indexed(latex_letter, letter, l, self.notation.layer_index)
        return Named(latex, uni)

    def z(self, l):
        return self._layer(self.problem.pre, l)

    def a(self, l):
        if l == 0:
            return self.x
        if l == self.L:
            return self.yhat
        return self._layer(self.problem.post, l)

    def delta(self, l):
        return self._layer("Δ" if self.batch else "δ", l)

    @property
    def ones(self):
        """The vector of ones that spreads a bias over a batch."""
        return Named(self.vector("1"), "1")

    @property
    def x(self):
        return Named("X", "X") if self.batch else Named(self.vector("x"), "x")

    @property
    def y(self):
        if self.problem.loss == "upstream":  # the given upstream gradient g = ∂L/∂ŷ
            return Named("G", "G") if self.batch else Named(self.vector("g"), "g")
        return Named("Y", "Y") if self.batch else Named(self.vector("y"), "y")

    @property
    def yhat(self):
        return Named("\\hat{Y}", "Ŷ") if self.batch else Named(f"\\hat{{{self.vector('y')}}}", "ŷ")

    def W(self, l):
        return Named(*layer_indexed("W", "W", l, self.notation.layer_index))

    def b(self, l):
        return Named(*layer_indexed(self.vector("b"), "b", l, self.notation.layer_index))

    @property
    def loss(self):
        """The loss over the data (and of a single sample, which is the same)."""
        name = notation_name(self.notation.loss, "L")
        return Named(name.latex, name.unicode)

    @property
    def sample_loss(self):
        """One sample's own loss, where several samples meet."""
        name = notation_name(self.notation.sample_loss, "l")
        return Named(name.latex, name.unicode)

    @property
    def own(self):
        """A sample's own loss: ℓ where several samples meet, else the loss itself."""
        return self.sample_loss if self.several else self.loss

    def mean(self, m: int | None = None) -> Named:
        """The batch mean's factor as the notation writes it: 1/m in general (`m` None),
        or with the number of samples put in (½ for two)."""
        count = derive_name(self.notation.samples)
        tex, uni = (count.latex, count.unicode) if m is None else (str(m), str(m))
        if self.notation.mean == "inline":
            return Named(f"(1/{tex})", f"(1/{uni})")
        return Named(f"\\tfrac{{1}}{{{tex}}}", "½" if m == 2 else f"(1/{uni})")

    def d(self, top: Named, bottom: Named) -> Named:
        return Named(f"\\frac{{\\partial {top.latex}}}{{\\partial {bottom.latex}}}",
                     f"∂{top.unicode}/∂{bottom.unicode}")

    def dloss(self, bottom: Named) -> Named:
        """∂ℓ/∂bottom: a sample's own loss ℓ (in a batch, row or column i is sample i's);
        with one sample, the loss itself."""
        return self.d(self.own, bottom)

    def hidden_delta(self, activation: str, l: int) -> tuple:
        """δ^{(l)} = ∂ℓ/∂a^{(l)} ⊙ f'(z^{(l)})"""
        return (self.dloss(self.a(l)), Op("⊙")) + self.fprime(activation, l)

    def weight_gradient(self, l: int, row: bool, scale: tuple = ()) -> tuple:
        """(1/m) Δ Aᵀ (column) or (1/m) Δᵀ A (row); δ a^{(l-1)ᵀ} for one sample."""
        prev = self.a(l - 1)
        return scale + ((self.delta(l).T, prev) if row else (self.delta(l), prev.T))

    def bias_gradient(self, l: int, row: bool, scale: tuple = ()) -> tuple:
        """δ for one sample; (1/m) Δ 1 (column) or (1/m) Δᵀ 1 (row) for a batch."""
        if not self.batch:
            return (self.delta(l),)
        return scale + ((self.delta(l).T if row else self.delta(l)), self.ones)

    def fprime(self, activation: str, l: int) -> tuple:
        """f'(z^{(l)}) as pieces."""
        z = self.z(l)
        if activation == "relu":
            return (Named(f"\\left[{z.latex} > 0\\right]", f"[{z.unicode} > 0]"),)
        name = ACTIVATIONS[activation].symbol
        return (Named(f"{name[0]}'\\left({z.latex}\\right)", f"{name[1]}′({z.unicode})"),)


#: The letters a layer's rules are written in: z, and for softmax's Jacobian its outputs ŷ.
_ARGUMENT, _OUTPUTS = "z", ("\\hat{y}", "ŷ")


def _cancellation(activation: str, loss: str):
    """Why δ of the last layer is ŷ − y (vocab/losses.py), or None."""
    return LOSSES[loss].cancellation(activation)


# --- the general derivation (no numbers; also the whole answer for symbolic sizes) --


def general_work(problem: NetworkProblem) -> MatrixWork:
    return MatrixWork(general=_general(problem), blocks=(), names={})


def _general(problem: NetworkProblem) -> tuple:
    n = Notation(problem, batch=False)
    row = problem.convention == "row"
    L = len(problem.layers)
    forward = []
    for l, layer in enumerate(problem.layers, start=1):
        linear = [n.a(l - 1), n.W(l).T] if row else [n.W(l), n.a(l - 1)]
        if layer.bias:
            linear += [Op("+"), n.b(l)]
        forward.append(((Named(f"\\text{{Linear}}_{{{l}}}", f"Linear{_sub(l)}"),),
                        (n.a(l - 1),), (n.z(l), Op("=")) + tuple(linear)))
        name = ACTIVATIONS[layer.activation].symbol
        applied = n.z(l) if layer.activation == "identity" else \
            Named(f"{name[0]}\\left({n.z(l).latex}\\right)", f"{name[1]}({n.z(l).unicode})")
        forward.append(((Named(f"{name[0]}", name[1]),), (n.z(l),), (n.a(l), Op("="), applied)))
    if problem.loss is not None:
        formula = LOSSES[problem.loss].formula
        forward.append(((Named("\\text{Loss}", "Loss"),), (n.yhat, Op(","), n.y),
                        (n.own, Op("="), Named(*formula))))
    tables = [Table("Forward pass", ("Layer", "Input", "Output"), tuple(forward))]
    if problem.loss is None:
        return tuple(tables)

    backward, lines = [], []
    for l in range(L, 0, -1):
        layer = problem.layers[l - 1]
        prev = n.a(l - 1)
        delta = _expanded_delta(n, problem, l)
        if row:
            written = (Op("("),) + delta + (Op(")"), Named("^{\\top}", "ᵀ"), prev)
        else:
            written = _wrap(delta) + (prev.T,)
        backward.append(((n.W(l),), n.weight_gradient(l, row), written))
        if layer.bias:
            backward.append(((n.b(l),), (n.delta(l),), delta))
    # a product too long to write out is the δ recursion's, which follows the table
    tables.append(Table("Backward pass", ("Parameter", "Gradient", "Written out"), tuple(backward),
                        overflow=("by the recursion for $\\delta$ below", "by the recursion for δ below")))
    # the δ recursion that the table uses
    last = problem.layers[-1]
    dl = n.dloss(n.yhat)
    tex, uni = LOSSES[problem.loss].derivative
    lines.append(Line((dl,), ((Named(n.plain(tex), uni),),)))
    lines.append(_delta_general(n, L, last.activation, problem.loss))
    for l in range(L - 1, 0, -1):
        lines.append(Line((n.dloss(n.a(l)),), (_back_product(n, l + 1, row),)))
        lines.append(Line((n.delta(l),), (n.hidden_delta(problem.layers[l - 1].activation, l),)))
    rules = sorted({layer.activation for layer in problem.layers})
    used = [ACTIVATIONS[r].rule(_ARGUMENT, _OUTPUTS) for r in rules if r != "identity"]
    intro = ("Here " + "; ".join(f"${tex}$" for tex, _ in used),
             "with " + "; ".join(text for _, text in used)) if used else None
    return tuple(tables) + (Block("The recursion for δ", tuple(lines), intro=intro),)


def _wrap(pieces: tuple) -> tuple:
    return pieces if len(pieces) == 1 else (Op("("),) + pieces + (Op(")"),)


def _expanded_delta(n: Notation, problem: NetworkProblem, l: int) -> tuple:
    """δ^{(l)} with every later δ substituted: the whole chain rule in one product."""
    L = len(problem.layers)
    layer = problem.layers[l - 1]
    if l == L:
        if _cancellation(layer.activation, problem.loss):
            return (n.yhat, Op("−"), n.y)
        return tuple(_delta_general(n, L, layer.activation, problem.loss).forms[0])
    inner = _wrap(_expanded_delta(n, problem, l + 1))
    back = inner + (n.W(l + 1),) if problem.convention == "row" else (n.W(l + 1).T,) + inner
    if layer.activation == "identity":
        return back
    return (Op("("),) + back + (Op(")"), Op("⊙")) + n.fprime(layer.activation, l)


def _back_product(n: Notation, l: int, row: bool) -> tuple:
    """∂ℓ/∂a^{(l-1)} from δ^{(l)}: W^{(l)T} δ^{(l)} (column) or δ^{(l)} W^{(l)} (row)."""
    if row:
        return (n.delta(l), n.W(l))
    return (n.W(l).T, n.delta(l))


def _delta_general(n: Notation, L: int, activation: str, loss: str, batch=False) -> Line:
    dl = n.dloss(n.yhat)
    if activation == "identity":
        return Line((n.delta(L),), ((dl,),))
    if activation == "softmax":
        jac = Named(n.plain("\\left(\\operatorname{diag}(\\hat{\\mathbf{y}}) - \\hat{\\mathbf{y}}\\hat{\\mathbf{y}}^{\\top}\\right)"),
                    "(diag(ŷ) − ŷŷᵀ)")
        form = (jac, dl) if n.problem.convention == "column" or batch is False else (dl, jac)
    else:
        form = (dl, Op("⊙")) + n.fprime(activation, L)
    forms = [form]
    note = _cancellation(activation, loss)
    if note:  # ∂ℓ/∂ŷ in the loss's own letter, as the line writes it (seed 002: l)
        note = (n.plain(note[0]).replace("\\partial\\ell", f"\\partial {n.own.latex}"),
                note[1].replace("∂ℓ", f"∂{n.own.unicode}"))
    if note:
        forms.append((n.yhat, Op("−"), n.y))
    return Line((n.delta(L),), tuple(forms), note=note)


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# --- the worked solution with entries ---------------------------------------------------


def matrix_work(network: Network, solution: Solution) -> MatrixWork:
    return _Worker(network, solution).work()


class _Worker:
    def __init__(self, network: Network, solution: Solution):
        self.net = network
        self.sol = solution
        self.problem = network.problem
        self.graph = solution.graph
        # the δ and ∂ℓ/∂a names are the layout's own: added to a copy, not to the solution's
        names = solution.graph.names
        self.naming: Naming = replace(names, names=dict(names.names),
                                      _derivatives=dict(names._derivatives),
                                      _by_symbols=dict(names._by_symbols))
        self.m = len(self.graph.samples)
        self.n = Notation(self.problem, batch=self.m > 1)
        self.row = self.problem.convention == "row"
        self.deltas = {}  # layer -> δ entry symbols; named Delta so that products read δ h, δ W
        for layer in network.layers:
            whole = Name(*layer_indexed("\\delta", "δ", layer.index, self.problem.notation.layer_index),
                         f"delta{layer.index}")
            self.deltas[layer.index] = _symbols(self.naming, whole, f"Delta{layer.index}", len(layer.z.entries))
        top = self.n.own
        whole = Name(f"\\frac{{\\partial {top.latex}}}{{\\partial \\hat{{y}}}}", f"∂{top.unicode}/∂ŷ",
                     "dl_dyhat")
        self.dyhat = _symbols(self.naming, whole, "dl/dyhat", len(network.output.entries))
        self.grad_a = {layer.index: _symbols(self.naming, Name(
            f"\\frac{{\\partial {top.latex}}}{{\\partial {self.n.a(layer.index).latex}}}",
            f"∂{top.unicode}/∂{Notation(self.problem, False).a(layer.index).unicode}",
            f"dl_da{layer.index}"), f"dl/da{layer.index}", len(layer.a.entries))
            for layer in network.layers[:-1]}

    # environments ----------------------------------------------------------------
    def env(self, current, k: int) -> dict:
        """Symbol -> number for sample k (1-based) of a pass: inputs, parameters, node
        values, and the δ and ∂ℓ/∂ŷ entries from the engine's backward steps."""
        sample = current.samples[k - 1]
        env = {s: v for s, v in sample.given.items() if v.is_number}
        env.update({p: v for p, v in current.params.items() if v.is_number})
        env.update({s: v for s, v in sample.values.items() if v.is_number})
        if not sample.backward:  # a forward pass only (no loss), or no backward pass yet
            return env
        adjoints = {step.lhs: step.value for step in sample.backward}
        index = k if self.m > 1 else None
        top = self.sol.sample_loss

        def adjoint(symbol):
            return adjoints.get(self.naming.derivative(top, symbol, index), sp.Integer(0))

        for layer in self.net.layers:
            for d, z in zip(self.deltas[layer.index], layer.z.entries):
                value = adjoint(z)
                if value.is_number:
                    env[d] = value
            if layer.index in self.grad_a:
                for g, a in zip(self.grad_a[layer.index], layer.a.entries):
                    value = adjoint(a)
                    if value.is_number:
                        env[g] = value
        for d, yhat in zip(self.dyhat, self.net.output.entries):
            value = adjoint(yhat)
            if value.is_number:
                env[d] = value
        return env

    def adjoint(self, current, k: int, symbol):
        """The engine's ∂ℓ/∂symbol in sample k (a number, or an expression)."""
        index = k if self.m > 1 else None
        lhs = self.naming.derivative(self.sol.sample_loss, symbol, index)
        return next((step.value for step in current.samples[k - 1].backward if step.lhs == lhs),
                    sp.Integer(0))

    # the shape of things: one column per sample (column) or one row per sample (row) ---
    def vectors(self, columns: list) -> Mat:
        """Per-sample vectors (lists of entries) as a matrix in this convention."""
        if self.row:
            return Mat(tuple(tuple(c) for c in columns))
        return Mat(tuple(tuple(c[i] for c in columns) for i in range(len(columns[0]))))

    def shown(self, mat: Mat) -> bool:
        return len(mat.rows) <= MAX_ROWS and len(mat.rows[0]) <= MAX_COLS

    def line(self, lhs, general, explicit, result, note=None, relation="="):
        """general = [explicit =] result; explicit matrices only when small enough."""
        forms = [general]
        mats = [p for p in explicit if isinstance(p, Mat)] + [p for p in result if isinstance(p, Mat)]
        if all(self.shown(m) for m in mats):
            if explicit and explicit != result:
                forms.append(tuple(explicit))
            forms.append(tuple(result))
        else:
            forms.append((Named(f"\\text{{({self.shape(mats[-1])} matrix: see the scalar view)}}",
                                f"({self.shape(mats[-1])} matrix: see the scalar view)"),))
        return Line(tuple(lhs), tuple(f for i, f in enumerate(forms) if i == 0 or f != forms[i - 1]),
                    relation=relation, note=note)

    @staticmethod
    def shape(mat: Mat) -> str:
        return f"{len(mat.rows)}×{len(mat.rows[0])}"

    def explicit(self) -> bool:
        """Entries are written out for one sample, or when every value is a number."""
        return self.m == 1 or all(v.is_number for v in self.graph.param_values.values() if v is not None) \
            and all(v is not None for v in self.graph.param_values.values()) \
            and all(v is not None and v.is_number for s in self.graph.samples for v in s.values())

    # the work ----------------------------------------------------------------------
    def work(self) -> MatrixWork:
        blocks = []
        passes = self.sol.passes
        for current in passes:
            label = "" if current.iteration == 0 else f" after step {current.iteration}"
            blocks.append(Block("Forward pass" + label, self.forward(current)))
            if current.gradients:
                blocks.append(Block("Backward pass" + label, self.backward(current)))
            update = [u for u in self.sol.updates if u.iteration == current.iteration + 1]
            if update:
                blocks.append(Block(step_title(self.graph, update[0].iteration),
                                    self.update(current, update[0])))
        return MatrixWork(general=_general(self.problem), blocks=tuple(blocks),
                          names=self.naming.names)

    def per_sample(self, current, make) -> list:
        return [make(self.env(current, k), k) for k in range(1, self.m + 1)]

    def forward(self, current) -> tuple:
        n, lines = self.n, []
        explicit = self.explicit()
        if not explicit:  # a symbolic batch: the matrix forms, without entries
            return self.general_forward()
        for layer in self.net.layers:
            l = layer.index
            prev = self.per_sample(current, lambda env, k: [self.value(s, env, k) for s in layer.previous.entries])
            z = self.per_sample(current, lambda env, k: [self.value(s, env, k) for s in layer.z.entries])
            a = self.per_sample(current, lambda env, k: [self.value(s, env, k) for s in layer.a.entries])
            W = Mat(tuple(tuple(self.param(s, current) for s in row) for row in layer.W.entries))
            Wt = Mat(tuple(zip(*W.rows)))
            general = [n.a(l - 1), n.W(l).T] if self.row else [n.W(l), n.a(l - 1)]
            subst = [self.vectors(prev), Wt] if self.row else [W, self.vectors(prev)]
            if layer.b is not None:
                bias = [self.param(s, current) for s in layer.b.entries]
                if self.m > 1:
                    general += [Op("+"), n.ones, n.b(l).T] if self.row else \
                        [Op("+"), n.b(l), n.ones.T]
                else:
                    general += [Op("+"), n.b(l)]
                subst += [Op("+"), self.vectors([bias] * self.m)]
            lines.append(self.line((n.z(l),), general, subst if explicit else [], [self.vectors(z)]))
            name = ACTIVATIONS[layer.activation].symbol
            f_general = Named(f"{name[0]}\\left({n.z(l).latex}\\right)", f"{name[1]}({n.z(l).unicode})")
            if layer.activation == "identity":
                f_general = n.z(l)
            elif ACTIVATIONS[layer.activation].parameter is not None:  # the slope α
                alpha = f"{float(layer.alpha):g}"  # 0.01, as the spec writes it, not 1/100
                f_general = Named(f"{name[0]}_{{{alpha}}}\\left({n.z(l).latex}\\right)",
                                  f"{name[1]}_{alpha}({n.z(l).unicode})")
            lines.append(self.line((n.a(l),), [f_general], [], [self.vectors(a)]))
        lines.extend(self.loss_steps(current))
        return tuple(lines)

    def value(self, symbol, env, k):
        """A node or input's value in sample k: its number, or its name while symbolic."""
        if symbol in env:
            return env[symbol]
        sample = self.sol.passes[0].samples[k - 1]
        given = sample.given.get(symbol)
        return given if given is not None else symbol

    def param(self, symbol, current):
        v = current.params.get(symbol, symbol)
        return v

    def loss_steps(self, current) -> list:
        steps = [s.forward[-1] for s in current.samples if s.forward and s.forward[-1].phase == "loss"]
        if self.m > 1:  # the samples' losses one under another: ℓ⁽²⁾ = ½(ŷ⁽²⁾ − y⁽²⁾)²
            steps = [self.of_sample(s) for s in steps]
        steps += [s for s in current.reduce if s.lhs == self.sol.loss_symbol or s.phase == "penalty"]
        return steps

    def of_sample(self, step):
        """A sample's worked line with its quantities (nodes, inputs, targets) marked with
        its sample, for a block where the lines of several samples stand together."""
        graph = self.graph
        own = {n.symbol for n in graph.nodes} | set(graph.inputs) | set(graph.targets)
        used = set(step.values).union(step.value.free_symbols, *(f.free_symbols for f in step.forms))
        marks = {s: self.naming.of_sample(s, step.sample) for s in used & own}
        return replace(step, forms=tuple(f.xreplace(marks) for f in step.forms),
                       values={marks.get(s, s): v for s, v in step.values.items()},
                       value=step.value.xreplace(marks))

    def entry(self, symbol, formula, env):
        """The engine's number for `symbol` when there is one, else its formula in named
        quantities with the numbers known put in: the engine has every number, so what is
        left is symbolic."""
        if symbol in env:
            return env[symbol]
        return formula.xreplace(env)

    def local_derivatives(self, current, k: int, layer: LayerView, formulas: list) -> list:
        """The entries of f'(z) in sample k: the engine's ∂a/∂z of each unit, or where it
        has no number (a symbolic unit), f'(z) in the unit's names, a(1 − a) or [z > 0]."""
        known = current.samples[k - 1].local_derivatives
        return [known.get((a, z), formula)
                for a, z, formula in zip(layer.a.entries, layer.z.entries, formulas)]

    def backward(self, current) -> tuple:
        n, lines, net = self.n, [], self.net
        problem = self.problem
        explicit = self.explicit()
        L = len(net.layers)
        last = net.layers[-1]
        averaged = self.m > 1 and self.graph.reduction == "mean"
        scale = [n.mean(self.m)] if averaged else []  # 1/m with m put in; in general 1/m:
        general_scale = (n.mean(),) if averaged else ()
        per = lambda make: self.per_sample(current, make)  # noqa: E731
        if not explicit:  # a symbolic batch: the matrix forms, without entries
            return tuple(line for line in self.general_backward(general_scale, tuple(scale)))

        # ∂ℓ/∂ŷ as the engine computed it (one sample when symbolic: explicit() above)
        dl_formula = [self.adjoint(current, 1, s) for s in net.output.entries]
        dl = per(lambda env, k: [self.entry(d, f, env) for d, f in zip(self.dyhat, dl_formula)])
        lines.append(self.line((n.dloss(n.yhat),), [self.loss_derivative()], [],
                               [self.vectors(dl)], note=self._batch_note()))
        for layer in reversed(net.layers):
            l = layer.index
            size = len(layer.z.entries)
            fp_formula = self.fprime(layer)  # None for softmax: its Jacobian is not written out
            fp = per(lambda env, k: self.local_derivatives(current, k, layer, fp_formula)) \
                if fp_formula is not None else None
            if layer is last:
                delta_formula = self.output_delta(layer, dl_formula, fp_formula)
                general = _delta_general(n, L, layer.activation, problem.loss, batch=self.m > 1)
                delta = per(lambda env, k: [self.entry(d, f, env) for d, f in zip(self.deltas[l], delta_formula)])
                forms = [tuple(general.forms[0])]
                if layer.activation not in ("identity", "softmax"):
                    forms.append((self.vectors(dl), Op("⊙"), self.vectors(fp)))
                if len(general.forms) > 1:  # the simplification: the product, then ŷ − y
                    yhat = per(lambda env, k: [self.value(s, env, k) for s in net.output.entries])
                    y = per(lambda env, k: [self.value(s, env, k) for s in net.y.entries])
                    forms += [tuple(general.forms[1]), (self.vectors(yhat), Op("−"), self.vectors(y))]
                lines.append(self.chain((n.delta(l),), forms, [self.vectors(delta)], note=general.note))
            else:
                nxt = net.layers[l]  # layer l + 1
                ga_formula = [sp.Add(*[nxt.W.entries[i][j] * self.deltas[l + 1][i]
                                       for i in range(len(nxt.z.entries))]) for j in range(size)]
                ga = per(lambda env, k: [self.entry(g, f, env) for g, f in zip(self.grad_a[l], ga_formula)])
                delta_next = per(lambda env, k: [self.entry(d, d, env) for d in self.deltas[l + 1]])
                W = Mat(tuple(tuple(self.param(s, current) for s in row) for row in nxt.W.entries))
                subst = [self.vectors(delta_next), W] if self.row else \
                    [Mat(tuple(zip(*W.rows))), self.vectors(delta_next)]
                lines.append(self.line((n.dloss(n.a(l)),), list(_back_product(n, l + 1, self.row)),
                                       subst, [self.vectors(ga)]))
                delta_formula = [g * f for g, f in zip(ga_formula, fp_formula)]
                delta = per(lambda env, k: [self.entry(d, f, env) for d, f in zip(self.deltas[l], delta_formula)])
                lines.append(self.line((n.delta(l),), list(n.hidden_delta(layer.activation, l)),
                                       [self.vectors(ga), Op("⊙"), self.vectors(fp)], [self.vectors(delta)]))
            # this layer's gradients
            deltas = per(lambda env, k: [self.entry(d, d, env) for d in self.deltas[l]])
            prev = per(lambda env, k: [self.value(s, env, k) for s in layer.previous.entries])
            G = Mat(tuple(tuple(self.gradient(current, s, l, i, j) for j, s in enumerate(row))
                          for i, row in enumerate(layer.W.entries)))
            top = n.loss
            if self.problem.regularization is not None:  # the loss's part; R's comes with the step
                top = n.own if self.m == 1 else \
                    Named(f"\\left({n.loss.latex} - R\\right)", f"({n.loss.unicode} − R)")
            general = list(n.weight_gradient(l, self.row, general_scale))
            if self.row:
                subst = scale + [Mat(tuple(zip(*self.vectors(deltas).rows))), self.vectors(prev)]
            else:
                subst = scale + [self.vectors(deltas), Mat(tuple(zip(*self.vectors(prev).rows)))]
            lines.append(self.line((n.d(top, n.W(l)),), general, subst, [G]))
            if layer.b is not None:
                gb = [self.gradient(current, s, l, i, None) for i, s in enumerate(layer.b.entries)]
                general = list(n.bias_gradient(l, self.row, general_scale))
                ones = Mat(tuple((1,) for _ in range(self.m)))
                if self.m == 1:
                    subst = []
                elif self.row:
                    subst = scale + [Mat(tuple(zip(*self.vectors(deltas).rows))), ones]
                else:
                    subst = scale + [self.vectors(deltas), ones]
                result = Mat((tuple(gb),)) if self.row else Mat(tuple((g,) for g in gb))
                lines.append(self.line((n.d(top, n.b(l)),), general, subst, [result]))
        return tuple(lines)

    def loss_derivative(self) -> Named:
        """∂ℓ/∂ŷ of the loss, in capitals (Ŷ − Y) for a batch."""
        tex, uni = LOSSES[self.problem.loss].derivative
        if self.m > 1:
            tex = tex.replace("\\hat{\\mathbf{y}}", "\\hat{Y}").replace("\\mathbf{y}", "Y")
            uni = uni.replace("ŷ", "\0").replace("y", "Y").replace("\0", "Ŷ")
        return Named(self.n.plain(tex), uni)

    def _batch_note(self):
        if self.m == 1:
            return None
        where = "row" if self.row else "column"
        one = Notation(self.problem, False)
        own = self.n.dloss(one.yhat)
        m = derive_name(self.problem.notation.samples)
        mean = self.graph.reduction == "mean"
        return (f"{where} $i$ is sample $i$'s own $\\partial {one.own.latex}/\\partial {one.yhat.latex}$"
                + (f"; the $1/{m.latex}$ comes in the gradients" if mean else ""),
                f"{where} i is sample i's own {own.unicode}"
                + (f"; the 1/{m.unicode} comes in the gradients" if mean else ""))

    def chain(self, lhs, forms, result, note=None):
        """A line with several general forms before the result (sizes permitting)."""
        mats = [p for f in forms for p in f if isinstance(p, Mat)] + [p for p in result if isinstance(p, Mat)]
        if not all(self.shown(m) for m in mats):
            forms = [f for f in forms if not any(isinstance(p, Mat) for p in f)]
            return self.line(lhs, list(forms[0]), [], result, note=note)
        out = [tuple(f) for f in forms] + [tuple(result)]
        return Line(tuple(lhs), tuple(f for i, f in enumerate(out) if i == 0 or f != out[i - 1]), note=note)

    def gradient(self, current, symbol, l, i, j):
        """The engine's gradient; for one symbolic sample, δ_i a_j in named quantities."""
        # with regularization: these lines are the loss's part; R's is added before the step
        value = current.data_gradients.get(symbol, current.gradients[symbol])
        if value.is_number or self.m > 1:
            return value
        layer = self.net.layers[l - 1]
        delta = self.deltas[l][i]
        return delta if j is None else delta * layer.previous.entries[j]

    def output_delta(self, layer, dl_formula, fp_formula) -> list:
        """δ^{(L)} entries in named quantities, simplified where the pair allows."""
        yhat, y = self.net.output.entries, self.net.y.entries
        if _cancellation(layer.activation, self.problem.loss):
            return [a - b for a, b in zip(yhat, y)]
        if layer.activation == "softmax":
            K = len(yhat)
            return [sp.Add(*[self.dyhat[k] * yhat[k] * (int(k == i) - yhat[i]) for k in range(K)])
                    for i in range(K)]
        return [d * f for d, f in zip(dl_formula, fp_formula)]

    def general_forward(self) -> tuple:
        n, lines = self.n, []
        for layer in self.net.layers:
            l = layer.index
            general = [n.a(l - 1), n.W(l).T] if self.row else [n.W(l), n.a(l - 1)]
            if layer.b is not None:
                general += [Op("+"), n.ones, n.b(l).T] if self.row else \
                    [Op("+"), n.b(l), n.ones.T]
            lines.append(Line((n.z(l),), (tuple(general),)))
            name = ACTIVATIONS[layer.activation].symbol
            applied = n.z(l) if layer.activation == "identity" else \
                Named(f"{name[0]}\\left({n.z(l).latex}\\right)", f"{name[1]}({n.z(l).unicode})")
            lines.append(Line((n.a(l),), ((applied,),)))
        # samples are counted by i, as the seeds do: k counts a loss's outputs (Σₖ (ŷₖ − yₖ)²)
        own, m = n.sample_loss, derive_name(self.problem.notation.samples)
        total = Named(f"\\sum_{{i=1}}^{{{m.latex}}} {own.latex}^{{(i)}}", f"Σᵢ {own.unicode}⁽ⁱ⁾")
        forms = ((total,),) if self.graph.reduction == "sum" else \
            ((n.mean(), total), (n.mean(self.m), total))
        lines.append(Line((n.loss,), forms))
        return tuple(lines)

    def general_backward(self, scale: tuple, number: tuple) -> list:
        """The batch's lines without entries; a gradient's 1/m (`scale`) then again with
        the number of samples put in (`number`)."""
        n, lines, net = self.n, [], self.net
        L = len(net.layers)
        lines.append(Line((n.dloss(n.yhat),), ((self.loss_derivative(),),), note=self._batch_note()))
        for layer in reversed(net.layers):
            l = layer.index
            if layer is net.layers[-1]:
                lines.append(_delta_general(n, L, layer.activation, self.problem.loss, batch=True))
            else:
                lines.append(Line((n.dloss(n.a(l)),), (tuple(_back_product(n, l + 1, self.row)),)))
                lines.append(Line((n.delta(l),), (n.hidden_delta(layer.activation, l),)))
            lines.append(Line((n.d(n.loss, n.W(l)),), tuple(
                n.weight_gradient(l, self.row, f) for f in ((scale, number) if scale else ((),)))))
            if layer.b is not None:
                lines.append(Line((n.d(n.loss, n.b(l)),), tuple(
                    n.bias_gradient(l, self.row, f) for f in ((scale, number) if scale else ((),)))))
        return lines

    def fprime(self, layer: LayerView) -> list | None:
        """f'(z) of each unit in named quantities: a(1 − a) for σ, 1 − a² for tanh, [z > 0]
        for ReLU (vocab/activations.py); None for softmax, whose δ is the Jacobian's
        product, written as a whole."""
        entry = ACTIVATIONS[layer.activation]
        if entry.derivative is None:
            return None
        if entry.written_derivative is not None:  # as the scalar view writes it, the slope 0.2
            slope = sp.Float(layer.alpha, 15)  # as the unit's display writes it
            return [entry.written_derivative(z, slope) for z in layer.z.entries]
        return [entry.derivative(z, a, layer.alpha) for z, a in zip(layer.z.entries, layer.a.entries)]

    def penalised(self, current) -> tuple:
        """With regularization:, the gradients with ∂R/∂w added, entry by entry, before
        the step that uses them (the backward pass above shows the loss's part)."""
        if self.graph.penalty is None:
            return ()
        return tuple(s for s in current.reduce if s.phase == "reduce" and s.lhs != self.sol.loss_symbol)

    def update(self, current, update) -> tuple:
        if len(update.steps) != len(update.params) or any(st.lhs not in update.params
                                                           for st in update.steps):
            # an optimizer with state (a velocity, Adam's moments) or weight decay: its
            # lines entry by entry, as the scalar view writes them
            return self.penalised(current) + tuple(update.steps)
        if self.graph.penalty is not None:
            return self.penalised(current) + tuple(update.steps)
        n, lines = self.n, []
        eta = self.graph.lr
        top = n.loss
        for layer in self.net.layers:
            for tensor, named in ((layer.W, n.W(layer.index)), (layer.b, n.b(layer.index))):
                if tensor is None:
                    continue
                rows = tensor.entries if tensor.matrix else tuple((s,) for s in tensor.entries)
                if self.row and not tensor.matrix:
                    rows = (tuple(tensor.entries),)
                old = Mat(tuple(tuple(self.param(s, current) for s in row) for row in rows))
                grad = Mat(tuple(tuple(current.gradients[s] for s in row) for row in rows))
                new = Mat(tuple(tuple(update.params[s] for s in row) for row in rows))
                general = [named, Op("−"), Scalar(LEARNING_RATE), n.d(top, named)]
                subst = [old, Op("−"), Scalar(eta), grad]
                lines.append(self.line((named,), general, subst, [new], relation="←"))
        return tuple(lines)


def _symbols(naming: Naming, whole: Name, key: str, size: int) -> tuple:
    out = []
    for i in range(size):
        symbol = sp.Symbol(f"{key}[{i + 1}]", real=True)
        if size == 1:
            naming.add(symbol, whole)
        else:
            sub = str(i + 1)
            naming.add(symbol, Name(f"{whole.latex}_{{{sub}}}", f"{whole.unicode}{_sub(i + 1)}",
                                    f"{whole.plain}_{sub}"))
        out.append(symbol)
    return tuple(out)
