"""Graph -> Solution: the forward pass, the loss, the backward pass and the updates, as Steps.

Reverse mode, as a person does it by hand: each local derivative is taken once, and a
node's adjoint is the sum over the nodes that use it. Numbers stay exact (SymPy
Rationals) wherever the arithmetic allows; otherwise they are evaluated to PRECISION
significant digits. Rounding happens only when printing. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from . import arith, selection
from .errors import BackpropError, EvaluationError
from .functions import leaky_relu, maximum, minimum, relu, sigmoid, softplus, step, tie_words, ties
from .graph import Graph, Node
# PRECISION and evaluate are public here too
from .numeric import PRECISION, evaluate, evaluate_with_sympy, exact, sized  # noqa: F401
from .vocab.activations import ACTIVATIONS, in_formulas
from .optimize import (ParameterStep, penalty_form, penalty_full, penalty_gradient_form,
                       penalty_values)
from .vocab.optimizers import DEFAULT, OPTIMIZERS

#: Activations whose node keeps its exact form, sigma(r), for the nodes that use it, so that
#: log(1 - yhat) and (yhat - 1)**2 keep their digits when the unit saturates.
_KEEP_EXACT = (sigmoid, sp.tanh, softplus, sp.exp)

#: The activations a unit applies to one argument (relu(z), leaky_relu(z, alpha)): the
#: value of each such unit's local derivative da/dz is kept, for the layouts to show.
_UNIT_FUNCTIONS = tuple(a.function for a in in_formulas())
#: An activation's derivative as a worked line writes it, where SymPy's reads oddly.
_WRITTEN_DERIVATIVES = {a.function: a.written_derivative for a in in_formulas()
                        if a.written_derivative is not None}


class Notice(str):
    """A warning's text that keeps the parts it was made of (text, and the symbols it
    names), so that a LaTeX renderer can print the symbols as math."""

    parts: tuple

    def __new__(cls, parts, spell):
        self = super().__new__(cls, "".join(p if isinstance(p, str) else spell(p) for p in parts))
        self.parts = tuple(parts)
        return self


@dataclass(frozen=True)
class Step:
    """One worked line: `lhs relation forms[0] = forms[1] ... = forms[-1]|values = value`."""

    phase: str  # forward | loss | backward | reduce | update
    lhs: sp.Symbol
    forms: tuple  # right-hand sides in symbols, the general rule first
    values: dict  # Symbol -> number, substituted into the last form for the numeric line
    value: sp.Expr  # a number, or an expression when something is symbolic
    sample: int | None = None
    relation: str = "="
    show_value: bool = True  # False when nothing was substituted: the value is the formula
    #: a sentence after the line, as parts (text, SymPy): which argument of a max wins
    said: tuple = ()
    note: tuple | None = None  # why the last form follows, (LaTeX, Unicode): a cancellation

    @property
    def numeric(self) -> bool:
        return self.value.is_number


@dataclass(frozen=True)
class SamplePass:
    index: int  # 1-based
    given: dict  # input/target Symbol -> value
    forward: tuple  # Steps, the loss step last
    backward: tuple  # Steps
    values: dict  # node Symbol -> value (number or expression)
    full: dict  # node Symbol -> expression in parameters and inputs only
    loss: sp.Expr | None
    #: (a, z) -> the number da/dz, for each unit a = f(z) of one argument (an activation
    #: of the vocabulary, or the identity a = z) the backward pass went through: the
    #: entries of f'(z) a layered layout shows. A symbolic one is not kept (the layout
    #: writes it in the unit's names).
    local_derivatives: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Pass:
    """The network evaluated at one set of parameters."""

    iteration: int  # 0: the given parameters; k: after k updates
    params: dict  # Symbol -> value
    samples: tuple  # SamplePasses
    reduce: tuple  # Steps combining the samples (several samples only)
    loss: sp.Expr | None
    gradients: dict  # param Symbol -> value; empty when not computed
    full_gradients: dict  # param Symbol -> expression in parameters and inputs only
    full_loss: sp.Expr | None = None  # the loss in parameters and inputs only
    #: param -> the loss's part of its gradient, without the penalty's ∂R/∂param, for each
    #: parameter regularization: penalises (the layered matrix view's backward pass)
    data_gradients: dict = field(default_factory=dict)
    #: batch_size: the samples (1-based) this pass is worked on; None: all the data
    batch: tuple | None = None


@dataclass(frozen=True)
class Update:
    iteration: int  # 1-based
    steps: tuple
    params: dict
    full_params: dict  # the same in parameters, inputs and eta only (for programs)
    #: the optimizer's kept state after the step, by name then parameter: velocity, m, v...
    state: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Solution:
    graph: Graph
    passes: tuple
    updates: tuple
    warnings: tuple
    loss_symbol: sp.Symbol  # L (the reduced loss)
    sample_loss: sp.Symbol  # l, the per-sample loss (the same as L for one sample)
    sums: object = None  # samples: m, the Σ lines and formulas (sums.py GraphSums)
    answers: tuple = ()  # what the problem asks for (answers.py), set by the pipeline

    @property
    def first(self) -> Pass:
        return self.passes[0]


def solve(graph: Graph) -> Solution:
    """Work the whole problem: pass 0 at the given parameters, then each update."""
    solver = _Solver(graph)
    params = {p: (v if v is not None else p) for p, v in graph.param_values.items()}
    passes, updates = [], []
    wants_gradient = graph.loss is not None
    # batch_size: pass k is worked on step k+1's batch; the pass after the last step on all data
    batch = (lambda k: graph.batches[k] if graph.batches and k < graph.steps else None)  # noqa: E731
    current = solver.evaluate_pass(0, params, backward=wants_gradient, batch=batch(0))
    passes.append(current)
    state = None
    # samples: m writes its one step in Σ notation (sums.py), from the gradients of pass 0
    for k in range(1, (graph.steps if graph.samples_symbol is None else 0) + 1):
        try:
            update = solver.update(k, current, state)
            state = update.state
            updates.append(update)
            if not all(v.is_number for v in update.params.values()):
                break  # a symbolic step: the loss after it would be one expanded blob
            current = solver.evaluate_pass(k, update.params, backward=k < graph.steps,
                                           batch=batch(k))
        except EvaluationError as exc:
            # The spec's values were fine; the step made them so. Say so, and the likely cause.
            exc.refine(context=f"after gradient-descent step {k}",
                       note="the parameters changed by the step; if they have grown very large, "
                            "use a smaller learning rate, optimizer.lr")
            raise
        passes.append(current)
    return Solution(graph=graph, passes=tuple(passes), updates=tuple(updates),
                    warnings=tuple(dict.fromkeys(solver.warnings)),
                    loss_symbol=graph.loss.symbol if graph.loss else sp.Symbol("L:loss"),
                    sample_loss=solver.sample_loss)


class _Solver:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.names = graph.names
        self.m = len(graph.samples)
        self.warnings: list[str] = []
        self.nodes = [n for n in graph.nodes if n is not graph.loss]
        self.by_symbol = {n.symbol: n for n in graph.nodes}
        # Express local derivatives in the names a person uses: sigma(z3) -> yhat.
        self.rewrite = {n.expr: n.symbol for n in self.nodes if not n.expr.is_Atom}
        self.consumers = {s: [] for s in list(self.by_symbol) + list(graph.params)}
        for node in graph.nodes:
            for s in sorted(node.expr.free_symbols, key=str):
                if s in self.consumers:
                    self.consumers[s].append(node)
        self.active = self._active()
        if graph.loss is not None and (self.m > 1 or graph.penalty is not None
                                       or graph.samples_symbol is not None):  # ℓ, summed to L
            self.sample_loss = sp.Symbol("l:sample", real=True)
            self.names.add(self.sample_loss, graph.sample_loss_name)
        else:
            self.sample_loss = graph.loss.symbol if graph.loss else sp.Symbol("L:loss")
        self.locals: dict = {}
        self._terms: dict = {}  # node symbol -> {symbol: the terms of its sum that contain it}
        self._steps_by_lhs: dict = {}  # id(SamplePass) -> (it, {lhs: its first backward Step})
        params = self._param_set = set(graph.params)  # `in graph.params` scans a tuple
        self._params_of = {n.symbol: [s for s in n.expr.free_symbols if s in params]
                           for n in graph.nodes}
        self._expanded: dict = {}  # (sample, param) -> adjoint in parameters and inputs
        # What differs from sample to sample: marked with its sample where samples meet
        self._per_sample = {n.symbol for n in graph.nodes} | set(graph.inputs) | set(graph.targets)
        # a softmax node's argument under cross_entropy -> (its Cancellation, position)
        self._cancels = {a: (c, j) for c in graph.cancellations for j, a in enumerate(c.arguments)}

    def _active(self) -> set:
        """Nodes and parameters the backward pass visits: on a path parameter -> loss."""
        if self.graph.loss is None:
            return set()
        depends = set(self.graph.params)
        for node in self.graph.nodes:
            if node.expr.free_symbols & depends:
                depends.add(node.symbol)
        reaches = {self.graph.loss.symbol}
        for node in reversed(self.graph.nodes):
            if any(c.symbol in reaches for c in self.consumers[node.symbol]):
                reaches.add(node.symbol)
        for p in self.graph.params:
            if any(c.symbol in reaches for c in self.consumers[p]):
                reaches.add(p)
        return depends & reaches

    def local(self, consumer: Node, symbol: sp.Symbol) -> sp.Expr:
        """d(consumer)/d(symbol), written in the nodes' names; computed once."""
        key = (consumer.symbol, symbol)
        if key not in self.locals:
            derivative = self.raw_local(consumer, symbol)
            if not derivative.is_Atom:  # an atom (w a -> a) is already as written
                derivative = sp.factor_terms(derivative.xreplace(self.rewrite))
            self.locals[key] = derivative
        return self.locals[key]

    def written_local(self, consumer: Node, symbol: sp.Symbol) -> sp.Expr:
        """local(), as a person writes it where SymPy's form reads oddly: an activation's
        as its table entry writes it (LeakyReLU′ as [z > 0] + α(1 − [z > 0]), not
        (1 + 4[z > 0])/5), and sign(ŷ − y), not −sign(y − ŷ).
        Only for display: values come from raw_local()."""
        local = self.local(consumer, symbol)
        expr = consumer.expr
        written = _WRITTEN_DERIVATIVES.get(type(expr))
        if written is not None and _unit_of(expr, symbol):
            # its settings as the spec writes them: the slope 0.2, not 1/5
            shown = consumer.display if type(consumer.display) is type(expr) else expr
            return written(symbol, *shown.args[1:])
        if local.is_Mul and len(local.args) == 2 and local.args[0] is sp.S.NegativeOne \
                and isinstance(local.args[1], sp.sign) and local.args[1].args[0].is_Add:
            return sp.sign(-local.args[1].args[0], evaluate=False)
        return local

    def raw_local(self, consumer: Node, symbol: sp.Symbol) -> sp.Expr:
        key = ("raw", consumer.symbol, symbol)
        if key not in self.locals:
            self.locals[key] = self._diff(consumer, symbol)
        return self.locals[key]

    def _diff(self, node: Node, symbol: sp.Symbol) -> sp.Expr:
        """sp.diff(node.expr, symbol), the same expression, but for a sum (a dense unit's
        z = w1 a1 + ... + wn an + b) only the terms that contain the symbol are
        differentiated: sp.diff walks all n terms for each of the n symbols, which made a
        layer cost the square of its width."""
        expr = node.expr
        if isinstance(expr, sp.Function) and expr.args == (symbol,) and \
                type(expr)._eval_derivative is sp.Function._eval_derivative:
            return expr.fdiff(1)  # a unit's f(z): what sp.diff returns, without its dispatch
        if not expr.is_Add:
            return sp.diff(expr, symbol)
        terms = self._terms.get(node.symbol)
        if terms is None:
            terms = self._terms[node.symbol] = {}
            for term in expr.args:
                for s in term.free_symbols:
                    terms.setdefault(s, []).append(term)
        parts = [_diff_term(t, symbol) for t in terms.get(symbol, ())]
        return parts[0] if len(parts) == 1 else sp.Add(*parts)

    # forward -------------------------------------------------------------
    def evaluate_pass(self, iteration: int, params: dict, backward: bool,
                      batch: tuple | None = None) -> Pass:
        """The network at `params` on every sample, or on the samples of `batch` (0-based)."""
        chosen = range(len(self.graph.samples)) if batch is None else batch
        samples = tuple(self.sample_pass(i + 1, self.graph.samples[i], params, backward, iteration)
                        for i in chosen)
        reduce, loss, gradients, full_loss = [], None, {}, None
        if self.graph.loss is not None:
            with _About("loss"):
                loss, loss_steps = self.reduce_loss(samples, params)
                full_loss = loss if loss.is_number else sized(self._combine_values(
                    [s.full[self.graph.loss.symbol] for s in samples]) + self._penalty_full(params),
                    "the loss")
            reduce.extend(loss_steps)
        full_gradients = {}
        self._data_gradients = {}
        if backward:
            for p in self.graph.params:
                value, full, steps = self.reduce_gradient(p, samples, params)
                gradients[p] = value
                full_gradients[p] = full
                reduce.extend(steps)
        return Pass(iteration=iteration, params=dict(params), samples=samples,
                    reduce=tuple(reduce), loss=loss, gradients=gradients,
                    full_gradients=full_gradients, full_loss=full_loss,
                    data_gradients=self._data_gradients,
                    batch=tuple(i + 1 for i in batch) if batch is not None else None)

    def sample_pass(self, index: int, sample: dict, params: dict, backward: bool,
                    iteration: int = 0) -> SamplePass:
        graph = self.graph
        env = {s: v for s, v in sample.items() if v is not None}
        env.update({p: v for p, v in params.items() if v.is_number})
        full_env = {s: (v if v is not None else s) for s, v in sample.items()}
        full_env.update(params)
        # What values are computed from: exact fractions, and sigma(r) for a sigmoid unit,
        # so that nothing is rounded before the formula that uses it (1 - yhat) is evaluated.
        exact_env = _Exact(env)
        where = (f" in sample {index}" if self.m > 1 else "") + self.when(iteration)
        at = _in_sample(index)  # errors always say which sample
        forward, values, full = [], {}, {}
        for node in graph.nodes:
            is_loss = node is graph.loss
            lhs = self.loss_lhs(index) if is_loss else node.symbol
            what = f"the loss{at}" if is_loss else f"{node.symbol}{at}"
            about = _About("loss" if is_loss else None)
            with about:
                value = exact_env.evaluate(node.expr, what, node, graph.output if is_loss else None)
            self.check_kinks(node, exact_env, where)
            shown = {s: env[s] for s in node.display.free_symbols if s in env}
            won = selection.said(node.expr, lhs, lambda a: exact_env.evaluate(a, "a max or min", node),
                                 self.names.derivative) if node.expr.has(maximum, minimum) else ()
            forward.append(Step("loss" if is_loss else "forward", lhs, (node.display,), shown,
                                value, sample=index, show_value=value.is_number or bool(shown),
                                said=won))
            values[node.symbol] = value
            with about:
                full[node.symbol] = value if value.is_number else \
                    sized(node.expr.xreplace(full_env), what, node)
            full_env[node.symbol] = full[node.symbol]
            if value.is_number:
                env[node.symbol] = value
                exact_env.add(node, value)
        local_derivatives: dict = {}
        steps = self.backward(index, env, exact_env, full_env, local_derivatives) if backward else ()
        loss = values[graph.loss.symbol] if graph.loss is not None else None
        given = {s: (v if v is not None else s) for s, v in sample.items()}
        return SamplePass(index=index, given=given, forward=tuple(forward), backward=tuple(steps),
                          values=values, full=full, loss=loss, local_derivatives=local_derivatives)

    def loss_lhs(self, index: int) -> sp.Symbol:
        if self.m > 1:
            return self.names.sampled(self.sample_loss, index)
        return self.sample_loss

    def when(self, iteration: int) -> str:
        """Which pass a warning is about, where there are several (an optimizer's), in the
        words of the section titles: before step 1, after step k."""
        if not self.graph.steps:
            return ""
        return ", before step 1" if iteration == 0 else f", after step {iteration}"

    def check_kinks(self, node: Node, exact_env: "_Exact", where: str) -> None:
        for kink in node.expr.atoms(relu, leaky_relu, step, sp.Abs):
            argument = kink.args[0]
            at = exact_env.evaluate(argument, "a kink", node)
            if at.is_number and at == 0:
                # the function's own name (LeakyReLU, not ReLU); [x > 0] is ReLU's slope
                kind = "|x|" if isinstance(kink, sp.Abs) else \
                    ACTIVATIONS["leaky_relu" if isinstance(kink, leaky_relu) else "relu"].word[1]
                slope = "alpha" if isinstance(kink, leaky_relu) else "0"
                spell = lambda s: self.names[s].unicode if s in self.names else str(s)  # noqa: E731
                self.warnings.append(Notice((f"{kind} at its kink{where}: ", argument,
                                             f" = 0, where the derivative is undefined; it is "
                                             f"taken as {slope} (the PyTorch convention)"), spell))
        for chosen in node.expr.atoms(maximum, minimum):  # max and min: a tie is a kink
            values = [exact_env.evaluate(a, "a max or min", node) for a in chosen.args]
            tied = ties(type(chosen)(*values, evaluate=False))
            if tied:
                spell = lambda s: self.names[s].unicode if s in self.names else str(s)  # noqa: E731
                word = "max" if isinstance(chosen, maximum) else "min"
                parts = [f"{word}("] + [p for a in chosen.args for p in (a, ", ")][:-1]
                self.warnings.append(Notice((*parts, f"){where}", tie_words(chosen, tied)), spell))

    # backward ------------------------------------------------------------
    def adjoint_symbol(self, symbol: sp.Symbol, index: int) -> sp.Symbol:
        return self.names.derivative(self.sample_loss, symbol, index if self.m > 1 else None)

    def backward(self, index: int, env: dict, exact_env: "_Exact", full_env: dict,
                 local_derivatives: dict) -> list:
        """The sample's backward Steps; fills `local_derivatives` (see SamplePass)."""
        graph = self.graph
        adjoint = {graph.loss.symbol: sp.Integer(1)}
        full_adjoint = {graph.loss.symbol: sp.Integer(1)}
        symbols = {graph.loss.symbol: self.sample_loss}
        steps = []
        pending = [p for p in graph.params if p in self.active]
        noted: list = []  # the arguments whose line said why ∂ℓ/∂sⱼ = pⱼ − yⱼ

        def visit(symbol: sp.Symbol) -> None:
            consumers = [c for c in self.consumers[symbol] if c.symbol in adjoint]
            rule, written, canonical, shown = [], [], [], {}
            for c in consumers:
                local = self.local(c, symbol)
                if c is graph.loss:
                    rule.append(self.written_local(c, symbol))
                    written.append(rule[-1])
                else:
                    adj = symbols[c.symbol]
                    rule.append(_written(sp.Mul, adj, self.names.derivative(c.symbol, symbol)))
                    written.append(_written(sp.Mul, adj, self.written_local(c, symbol)))
                    if adjoint[c.symbol].is_number:
                        shown[adj] = adjoint[c.symbol]
                # The value comes from the derivative in the consumer's own arguments
                # (1 - tanh(z)**2, not 1 - h**2): evalf then sees the cancellation and
                # keeps its digits when a unit saturates.
                raw = self.raw_local(c, symbol) if c is not graph.loss else local
                canonical.append((adjoint[c.symbol], raw, local))
                if _unit_of(c.expr, symbol) and exact_env.numeric(raw):
                    local_derivatives[(c.symbol, symbol)] = raw if raw.is_Integer else \
                        exact_env.evaluate(raw, f"∂{self.names[c.symbol].plain}/"
                                                f"∂{self.names[symbol].plain}{_in_sample(index)}", c)
            for term in written:
                shown.update({s: env[s] for s in term.free_symbols if s in env})
            forms = (_sum(rule), _sum(written))
            if forms[0] == forms[1]:
                forms = forms[:1]
            note = None
            simplified = self.cancelled(symbol, consumers, env)
            if simplified is not None:  # softmax with cross-entropy: = pⱼ − yⱼ
                forms = forms + (simplified[0],)
                note = None if noted else simplified[1]  # why, once a sample
                noted.append(symbol)
                shown.update({s: env[s] for s in simplified[0].free_symbols if s in env})
            value = self.adjoint_value(symbol, index, consumers, canonical, exact_env)
            lhs = self.adjoint_symbol(symbol, index)
            symbols[symbol] = lhs
            adjoint[symbol] = value
            if value.is_number:
                full_adjoint[symbol] = value
            else:  # for programs: the same adjoint, expanded in parameters and inputs
                full_adjoint[symbol] = sized(sp.Add(*[
                    full_adjoint[c.symbol] * sp.diff(c.expr, symbol).xreplace(full_env)
                    for c in consumers]), f"∂L/∂{self.names[symbol].plain}{_in_sample(index)}",
                    self.by_symbol.get(symbol))
            phase = "gradient" if symbol in self._param_set else "backward"
            steps.append(Step(phase, lhs, forms, shown, value, sample=index, note=note))

        # A parameter's gradient as soon as every node that uses it is done, in the
        # parameters' order: count down each one's unfinished consumers (checking every
        # pending parameter after every node was quadratic in the size of the network).
        order = {p: i for i, p in enumerate(pending)}
        left = {p: sum(1 for c in self.consumers[p] if c.symbol in self.active
                       and c.symbol not in adjoint) for p in pending}
        waiting = {p for p in pending if left[p] > 0}
        first = True
        for node in reversed(self.nodes):
            if node.symbol not in self.active:
                continue
            visit(node.symbol)
            ready = [p for p in pending if left[p] == 0] if first else []
            first = False
            for p in self._params_of[node.symbol]:
                if p in waiting:
                    left[p] -= 1
                    if left[p] == 0:
                        ready.append(p)
            for p in sorted(ready, key=order.__getitem__):
                waiting.discard(p)
                visit(p)
        if first:  # no node was visited
            waiting = set(pending)
        for p in pending:
            if p in waiting:
                visit(p)
        for p in graph.params:
            self._expanded[(index, p)] = full_adjoint.get(p, sp.Integer(0))
        return steps

    def cancelled(self, symbol, consumers, env: dict) -> tuple | None:
        """(pⱼ − yⱼ, the note why) for ∂ℓ/∂sⱼ, sⱼ an argument of a softmax node whose
        outputs only the loss cross_entropy uses, when the sample's targets add up to 1
        (a symbolic target keeps the general form); else None."""
        found = self._cancels.get(symbol)
        if found is None:
            return None
        cancellation, j = found
        loss = self.graph.loss.symbol
        if not {c.symbol for c in consumers} <= set(cancellation.outputs) or \
                any([c.symbol for c in self.consumers[o]] != [loss] for o in cancellation.outputs):
            return None
        if not all(t in env for t in cancellation.targets) or \
                sp.Add(*[env[t] for t in cancellation.targets]) != 1:
            return None
        return cancellation.simplified[j], cancellation.note

    def adjoint_value(self, symbol, index, consumers, parts, exact_env: "_Exact") -> sp.Expr:
        """Σ adjoint · local derivative over the consumers, from `parts` (adjoint, raw local,
        local as written); if it is undefined, the message names the consumer whose local
        derivative is (its field and line), like the derivative of sqrt(z) at 0."""
        fast = exact_env.combination([(adj, raw) for adj, raw, _ in parts])
        if fast is not None:
            return fast
        terms = []
        for adj, raw, local in parts:
            term = exact(adj) * raw
            terms.append(term if exact_env.numeric(term) else adj * local)
        name = self.names[symbol].plain
        try:
            return exact_env.evaluate(sp.Add(*terms), f"∂L/∂{name}{_in_sample(index)}")
        except EvaluationError:
            for c, term in zip(consumers, terms):
                top = self.names[c.symbol].plain
                exact_env.evaluate(term, f"the derivative ∂{top}/∂{name}{_in_sample(index)}", c,
                                   self.graph.output if c is self.graph.loss else None)
            raise

    # combining samples ------------------------------------------------------
    def reduce_loss(self, samples, params: dict) -> tuple:
        """The loss over the data, and the Steps that combine it: the samples' mean or sum,
        plus the penalty R (regularization:, once per pass, not per sample)."""
        losses = [s.loss for s in samples]
        penalty = self.graph.penalty
        if len(samples) == 1 and penalty is None and self.graph.batches is None:
            return losses[0], []
        parts = [self.loss_lhs(s.index) for s in samples]
        form = self._combine(parts)
        canonical = self._combine_values(losses)
        shown = {sym: v for sym, v in zip(parts, losses) if v.is_number}
        steps, r = [], sp.Integer(0)
        if penalty is not None:
            written = penalty_form(penalty)
            values = penalty_values(penalty, params)
            r = evaluate(written, values, "the penalty R")
            steps.append(Step("penalty", penalty.symbol, (written,),
                              {s: v for s, v in values.items() if s in written.free_symbols}, r))
            form = sp.Add(form, penalty.symbol, evaluate=False)
            canonical = canonical + r
            if r.is_number:
                shown[penalty.symbol] = r
        value = evaluate(canonical, {}, "the loss")
        return value, steps + [Step("reduce", self.graph.loss.symbol, (form,), shown,
                                    self._combined(value, losses, samples, "the loss", r))]

    def _penalty_full(self, params: dict) -> sp.Expr:
        penalty = self.graph.penalty
        if penalty is None:
            return sp.Integer(0)
        return penalty_full(penalty, params)

    def reduce_gradient(self, p: sp.Symbol, samples, params: dict) -> tuple:
        per_sample = []
        for s in samples:
            step_ = self._backward_step(s, self.adjoint_symbol(p, s.index))
            per_sample.append(step_.value if step_ is not None else sp.Integer(0))
        # The expanded adjoint (the number itself when numeric), stored by backward().
        full = sized(self._combine_values([self._expanded.get((s.index, p), sp.Integer(0))
                                           for s in samples]), f"∂L/∂{p}")
        penalty = self.graph.penalty
        if len(samples) == 1 and penalty is None and self.graph.batches is None:
            return per_sample[0], full, []
        parts = [self.adjoint_symbol(p, s.index) for s in samples]
        lhs = self.names.derivative(self.graph.loss.symbol, p)
        form = self._combine(parts)
        canonical = self._combine_values(per_sample)
        shown = {sym: v for sym, v in zip(parts, per_sample) if v.is_number}
        extra = sp.Integer(0)
        if penalty is not None and p in penalty.params:  # + ∂R/∂w = 2λ₂w + λ₁ sign(w)
            written = penalty_gradient_form(penalty, p)
            values = penalty_values(penalty, params)
            form = sp.Add(form, written, evaluate=False)
            self._data_gradients[p] = evaluate(canonical, {}, f"∂L/∂{p}")
            extra = evaluate(written, values, f"∂R/∂{p}")
            canonical = canonical + extra
            shown.update({s: v for s, v in values.items() if s in written.free_symbols})
            full = sized(full + written.xreplace({penalty.l2_symbol: penalty.l2,
                                                  penalty.l1_symbol: penalty.l1, **params}),
                         f"∂L/∂{p}")
        value = evaluate(canonical, {}, f"∂L/∂{p}")
        return value, full, [Step("reduce", lhs, (form,), shown,
                                  self._combined(value, per_sample, samples, f"∂L/∂{p}", extra))]

    def _combined(self, value, per_sample, samples, what: str, extra=sp.Integer(0)) -> sp.Expr:
        """The value of a line combining the samples, as it is written: where it is symbolic,
        each sample's quantities carry their sample (½ h⁽¹⁾ŷ⁽¹⁾ + ½ h⁽²⁾ŷ⁽²⁾, not one h for two
        samples), plus `extra` (the penalty's part, which belongs to no sample). The same
        value; the Pass keeps it in the plain names."""
        if value.is_number:
            return value
        return evaluate(self._combine_values([self.of_sample(v, s.index)
                                              for v, s in zip(per_sample, samples)]) + extra, {}, what)

    def of_sample(self, value: sp.Expr, index: int) -> sp.Expr:
        """A sample's value with its own quantities (nodes, symbolic inputs and targets)
        marked with the sample, h -> h⁽²⁾; parameters and numbers as they are."""
        if value.is_number:
            return value
        marks = {s: self.names.of_sample(s, index) for s in value.free_symbols
                 if s in self._per_sample}
        return value.xreplace(marks) if marks else value

    def _backward_step(self, sample: SamplePass, lhs: sp.Symbol):
        """The first backward step of `sample` for `lhs`, or None. The steps are indexed
        once per sample: searching them for every parameter was quadratic."""
        entry = self._steps_by_lhs.get(id(sample))
        if entry is None or entry[0] is not sample:
            index: dict = {}
            for st in sample.backward:
                index.setdefault(st.lhs, st)
            entry = self._steps_by_lhs[id(sample)] = (sample, index)
        return entry[1].get(lhs)

    def _combine(self, parts):
        """The mean or sum over the pass's samples (a batch's, with batch_size)."""
        total = sp.Add(*parts, evaluate=False) if len(parts) > 1 else parts[0]
        if self.graph.reduction == "sum" or len(parts) == 1:
            return total
        return sp.Mul(sp.Rational(1, len(parts)), total, evaluate=False)

    def _combine_values(self, values):
        if len(values) == 1:
            return values[0]  # one sample: its own value (a sum of one, divided by 1)
        total = sp.Add(*values)
        return total if self.graph.reduction == "sum" else total / len(values)

    # updates ---------------------------------------------------------------
    def update(self, k: int, current: Pass, state: dict | None) -> Update:
        """Step k of the optimizer for every parameter: its entry's lines (optimize.py),
        from the state the step before left (None before step 1)."""
        graph = self.graph
        rule = OPTIMIZERS[graph.optimizer or DEFAULT]
        steps, new, full, after = [], {}, {}, {}
        for p in graph.params:
            grad_symbol = self.names.derivative(graph.loss.symbol, p)
            worker = ParameterStep(rule, self.names, p, grad_symbol, graph.params)
            before = worker.initial_state(graph.hyper)
            before.update({name: values[p] for name, values in (state or {}).items()})
            old = current.params[p]
            gradient = current.gradients.get(p, sp.Integer(0))
            lines, value, kept = worker.run(graph.hyper, graph.lr, k, old,
                                            gradient if gradient.is_number else grad_symbol, before)
            steps.extend(Step("update", line.lhs, (line.form,), line.shown, line.value,
                              relation=line.relation) for line in lines)
            new[p] = value
            for name, v in kept.items():
                after.setdefault(name, {})[p] = v
            if value.is_number:
                full[p] = value
            else:  # for programs: in parameters, inputs and the settings only
                full[p] = worker.run(graph.hyper, graph.lr, k, old,
                                     current.full_gradients.get(p, sp.Integer(0)), before)[1]
        return Update(iteration=k, steps=tuple(steps), params=new, full_params=full, state=after)


class _Exact:
    """The values a formula is computed from, as exact as they are known: fractions, Floats
    of PRECISION digits, sigma(r) for a sigmoid unit at r (one level only, never a growing
    nest of forms). Results computed from inexact values are Floats. arith takes them as
    they are; for SymPy a Float is turned into its exact binary value first, so that
    nothing is rounded before the formula that uses it (1 - yhat) is evaluated."""

    def __init__(self, numbers: dict):
        self.numbers = dict(numbers)  # Symbol -> the value as computed (Rational or Float)
        self.values = dict(numbers)  # Symbol -> the value, or its form sigma(r)
        self.inexact = {s for s, v in numbers.items() if v.is_Float}
        self.memo: dict = {}  # Symbol -> its value in arith's working form

    def add(self, node: Node, value: sp.Expr) -> None:
        self.numbers[node.symbol] = value
        self.values[node.symbol] = value
        if value.is_Float:
            self.inexact.add(node.symbol)
            expr = node.expr
            if isinstance(expr, _KEEP_EXACT) and all(a.is_number or a in self.numbers
                                                     for a in expr.args):
                self.values[node.symbol] = expr.func(*[a if a.is_number else
                                                       exact(self.numbers[a]) for a in expr.args])

    def exact_values(self, expr: sp.Expr) -> dict:
        """The values of expr's symbols for SymPy: Floats as exact fractions."""
        return {s: exact(self.values[s]) if self.values[s].is_Float else self.values[s]
                for s in expr.free_symbols if s in self.values}

    def evaluate(self, expr: sp.Expr, what: str, where=None, output=None) -> sp.Expr:
        value = arith.value(expr, self.values, self.memo)
        if value is None:
            value = evaluate_with_sympy(expr, self.exact_values(expr), what, where, output)
        return sized(self._inexact_if(value, expr.free_symbols), what, where)

    def combination(self, pairs: list) -> sp.Expr | None:
        """Σ adjoint · derivative for (adjoint, derivative) in `pairs`, when arith computes
        it (inexact when an adjoint or a value in a derivative is); else None."""
        if not all(adj.is_number for adj, _ in pairs):
            return None
        value = arith.combination(pairs, self.values, self.memo)
        if value is None:
            return None
        return self._inexact_if(value, set().union(*(d.free_symbols for _, d in pairs)))

    def _inexact_if(self, value: sp.Expr, symbols: set) -> sp.Expr:
        """A Float where a fraction was computed from an inexact value's exact form."""
        if value.is_Rational and symbols & self.inexact:
            return sp.Float(value, PRECISION)
        return value

    def numeric(self, expr: sp.Expr) -> bool:
        return all(s in self.values for s in expr.free_symbols)


class _About:
    """`with _About("loss"):` marks an error raised inside as being about the loss (its
    `subject`), so that a later layer can add what it knows without reading the text."""

    __slots__ = ("subject",)

    def __init__(self, subject: str | None):
        self.subject = subject

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if isinstance(error, BackpropError) and self.subject and error.subject is None:
            error.subject = self.subject
        return False


def _written(cls, *args: sp.Expr):
    """cls(*args, evaluate=False) for a display form, as SymPy builds it, without the
    sympify, the cache and the checks (the args are SymPy expressions already): some
    30,000 of these for a 64-64-10 network."""
    return cls._from_args(args)


def _in_sample(index: int) -> str:
    """' in sample 2 (data[1])': the sample as the output numbers it, and its field."""
    return f" in sample {index} (data[{index - 1}])"


def _diff_term(term: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    """d term/d symbol; w * a -> a without SymPy's general product rule."""
    if term == symbol:
        return sp.Integer(1)
    if term.is_Mul and len(term.args) == 2 and term.args[0].is_Symbol and term.args[1].is_Symbol:
        first, second = term.args  # w a, by far the commonest term: two distinct symbols
        if first == symbol and second != symbol:
            return second
        if second == symbol and first != symbol:
            return first
    if term.is_Mul and symbol in term.args:
        others = [a for a in term.args if a is not symbol and a != symbol]
        if len(others) == len(term.args) - 1 and not any(a.has(symbol) for a in others):
            return sp.Mul(*others)
    return sp.diff(term, symbol)


def _unit_of(expr: sp.Expr, symbol: sp.Symbol) -> bool:
    """Whether expr is a unit a = f(symbol): an activation of the one argument (its other
    arguments numbers, as leaky_relu's slope) or the identity. One per unit, so keeping
    their local derivatives costs no more than the units do."""
    if expr.is_Symbol:
        return expr == symbol
    return isinstance(expr, _UNIT_FUNCTIONS) and expr.args[0] == symbol and \
        all(a.is_number for a in expr.args[1:])


def _sum(terms):
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
