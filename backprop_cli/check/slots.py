"""A solved problem as slots (model.py; a calculus problem's in calculus.py): every number
a student can give, under its public key
(quantities.py), with its right value, read from the Solution and never recomputed, and
the local formula that makes it from earlier slots: a node's formula with its inputs put
in, an adjoint's sum over the nodes that use it, the samples' mean or sum, the optimizer's
step. Each formula is written again under each mistake's changed rules (mistakes.py).

Marking evaluates these formulas with the student's own numbers in place of the right
ones, which is how "right given your earlier values" and "carried" are told apart.
"""

from __future__ import annotations

import sympy as sp

from ..sheet.graph import worked_line
from .calculus import calculus_slots
from .mistakes import VARIANTS
from .model import S, Model, Slot, set_formulas as _formulas


def build(result) -> Model:
    """The slots of a solved problem (api.Solution's result) of any form."""
    kind = getattr(result, "kind", "graph")
    if kind == "calculus":
        from .formulas import build_formulas

        model = Model("calculus", kind, names=result.names)
        calculus_slots(result, model)
        model.formulas = build_formulas(result)
        width = len(result.wrt)
        keys = [k for k in model.formulas.slots if k.startswith("derivatives.")]
        model.tensors["jacobian"] = ("jacobian", [keys[i:i + width]
                                                  for i in range(0, len(keys), width)])
        return model
    scalar = result.scalar if kind == "network" else result
    model = Model("graph", kind)
    if scalar is None:
        return model  # symbolic sizes: no entries to give
    model.names = scalar.graph.names.names
    _Graph(scalar, model).build()
    if kind == "network":
        _tensors(result, model)
    return model


class _Graph:
    """The slots of a graph-form engine Solution (the layered form's scalar one too)."""

    def __init__(self, sol, model: Model):
        self.sol, self.model, self.graph = sol, model, sol.graph
        names = self.graph.names.names
        self.plain = lambda s: names[s].plain if s in names else str(s)  # noqa: E731
        self.nodes = [n for n in self.graph.nodes if n is not self.graph.loss]
        self.rewrite = {n.expr: n.symbol for n in self.nodes if not n.expr.is_Atom}
        self.consumers: dict = {}
        for node in self.graph.nodes:
            for s in node.expr.free_symbols:
                self.consumers.setdefault(s, []).append(node)
        symbols = {n.symbol for n in self.nodes}
        # a unit a = f(z): an activation of one node (or a bias-free one-argument function)
        self.units = {n.symbol: n.expr.args[0] for n in self.nodes
                      if isinstance(n.expr, sp.Function) and n.expr.args
                      and n.expr.args[0] in symbols}
        loss = self.graph.loss
        self._locals: dict = {}
        self.square = loss is not None and any(
            p.exp == 2 for p in loss.expr.atoms(sp.Pow))

    def build(self) -> None:
        for current in self.sol.passes:
            if current.iteration:
                self.updates(current.iteration)
            params = self.params(current.iteration, current.params)
            for sample in current.samples:
                self.sample(current.iteration, sample, params)
            self.reduced(current)

    def prefix(self, t: int) -> str:
        return f"updates.{t}." if t else ""

    def params(self, t: int, values: dict) -> dict:
        if t == 0:
            return dict(values)
        return {p: S(f"updates.{t}.params.{self.plain(p)}") for p in values}

    # one sample: forward, loss, backward ---------------------------------------------------
    def sample(self, t: int, sample, params: dict) -> None:
        graph, plain, k = self.graph, self.plain, sample.index
        base = f"{self.prefix(t)}samples.{k}."
        key = {n.symbol: base + plain(n.symbol) for n in self.nodes}
        if graph.loss is not None:
            key[graph.loss.symbol] = base + "loss"
        sub = {**sample.given, **params, **{s: S(v) for s, v in key.items()}}
        post_as_pre = {a: z for a, z in self.units.items()}
        for node, st in zip(graph.nodes, sample.forward):
            is_loss = node is graph.loss
            partners = ()
            if node.symbol in self.units:
                partners = (key[self.units[node.symbol]],)
            partners += tuple(key[a] for a, z in self.units.items() if z == node.symbol)
            slot = self.model.add(Slot(key[node.symbol], plain(st.lhs), 0.0, st.phase, k, t,
                                       line=worked_line(st), partners=partners), st.value)
            if slot is None:
                continue
            variants = {"base": node.expr.xreplace(sub)}
            uses_units = node.symbol not in self.units and \
                not node.expr.free_symbols.isdisjoint(post_as_pre)
            for code, rules in VARIANTS.items():  # only the rules that change a node's formula
                if rules.post_as_pre and uses_units:
                    variants[code] = node.expr.xreplace(post_as_pre).xreplace(sub)
                elif rules.loss_scale is not None and is_loss and self.square:
                    variants[code] = (rules.loss_scale * node.expr).xreplace(sub)
            _formulas(slot, variants)
        if not sample.backward:
            return
        adjoint_of = self.adjoints(k)
        adj_key = {}
        for st in sample.backward:
            adj_key[adjoint_of[st.lhs]] = base + plain(st.lhs)
        for st in sample.backward:
            s = adjoint_of[st.lhs]
            slot = self.model.add(Slot(adj_key[s], plain(st.lhs), 0.0, st.phase, k, t,
                                       line=worked_line(st)), st.value)
            if slot is None:
                continue
            base = self.adjoint(s, adj_key, None)
            variants = {"base": base.xreplace(sub)}
            for code, rules in VARIANTS.items():
                if rules.unit_derivative or rules.pre_as_post or rules.post_as_pre or \
                        rules.loss_scale is not None:
                    expr = self.adjoint(s, adj_key, rules)
                    if expr != base:
                        variants[code] = expr.xreplace(sub)
            _formulas(slot, variants)

    def adjoints(self, k: int) -> dict:
        """A backward step's left side -> the symbol it is the adjoint of."""
        m = len(self.graph.samples)
        names = self.graph.names
        return {names.derivative(self.sol.sample_loss, s, k if m > 1 else None): s
                for s in [n.symbol for n in self.nodes] + list(self.graph.params)}

    def adjoint(self, s, adj_key: dict, rules) -> sp.Expr:
        """∂l/∂s = Σ over the nodes c using s of ∂l/∂c · ∂c/∂s, under `rules`."""
        terms = []
        for c in self.consumers.get(s, ()):
            if c is self.graph.loss:
                upstream = rules.loss_scale if rules and rules.loss_scale and self.square \
                    else sp.Integer(1)
            elif c.symbol in adj_key:
                upstream = S(adj_key[c.symbol])
            else:
                continue
            raw, written = self.local(c, s)
            unit = self.units.get(c.symbol) == s
            if rules and unit and rules.unit_derivative == "one":
                local = sp.Integer(1)
            elif rules and unit and rules.unit_derivative == "value":
                local = c.symbol
            elif rules and unit and rules.pre_as_post:
                local = raw.xreplace({s: c.symbol})
            else:
                local = written
                if rules and rules.post_as_pre and not unit:
                    local = local.xreplace(dict(self.units))
            terms.append(upstream * local)
        return sp.Add(*terms)

    def local(self, c, s) -> tuple:
        """(∂c/∂s, the same in the nodes' names): a(1 − a) for σ′(z), so that the student's
        own a goes in. Taken once for all the samples and variants."""
        key = (c.symbol, s)
        if key not in self._locals:
            raw = sp.diff(c.expr, s)
            self._locals[key] = (raw, raw.xreplace(self.rewrite))
        return self._locals[key]

    # the data's loss and gradients, and the steps ------------------------------------------
    def reduced(self, current) -> None:
        graph, plain, t = self.graph, self.plain, current.iteration
        prefix = self.prefix(t)
        samples = current.samples
        single = len(samples) == 1 and graph.penalty is None and graph.batches is None
        lines = {st.lhs: st for st in current.reduce}
        if current.loss is not None and graph.loss is not None:
            parts = [f"{prefix}samples.{s.index}.loss" for s in samples]
            self.combined(f"updates.{t}.loss" if t else "loss", plain(graph.loss.symbol),
                          "loss", t, current.loss, parts, single, lines.get(graph.loss.symbol))
        m = len(graph.samples)
        for p, value in current.gradients.items():
            parts = [f"{prefix}samples.{s.index}."
                     f"{plain(graph.names.derivative(self.sol.sample_loss, p, s.index if m > 1 else None))}"
                     for s in samples]
            whole = graph.names.derivative(graph.loss.symbol, p)
            self.combined(f"{prefix}gradients.{plain(p)}", plain(whole), "gradient", t, value,
                          parts, single, lines.get(whole))

    def combined(self, key, name, phase, t, value, parts, single, step) -> None:
        slot = self.model.add(Slot(key, name, 0.0, phase, None, t,
                                   line=worked_line(step) if step is not None else None), value)
        if slot is None:
            return
        if single:
            _formulas(slot, {"base": S(parts[0])})
            if slot.line is None and parts[0] in self.model.slots:
                slot.line = self.model.slots[parts[0]].line  # one sample: its own line
            return
        true = [self.model.slots[k].value if k in self.model.slots else 0.0 for k in parts]
        symbols = [S(k) if k in self.model.slots else sp.Integer(0) for k in parts]
        mean = self.graph.reduction != "sum"
        n = len(parts)
        extra = slot.value - (sum(true) / n if mean else sum(true))  # the penalty's part
        total = sp.Add(*symbols)
        variants = {"base": (total / n if mean else total) + extra}
        for code, rules in VARIANTS.items():
            if rules.reduction_flip:
                variants[code] = (total if mean else total / n) + extra
        _formulas(slot, variants)

    def updates(self, t: int) -> None:
        from ..optimize import ParameterStep
        from ..vocab.optimizers import DEFAULT, OPTIMIZERS

        graph, plain = self.graph, self.plain
        update = self.sol.updates[t - 1]
        before_pass = self.sol.passes[t - 1]
        old_params = self.params(t - 1, before_pass.params)
        rule = OPTIMIZERS[graph.optimizer or DEFAULT]
        lines = {st.lhs: st for st in update.steps if st.relation == "←"}
        state_formulas = {}  # (state name, p) -> its formula after the step
        for p, value in update.params.items():
            slot = self.model.add(Slot(f"updates.{t}.params.{plain(p)}", plain(p), 0.0, "update",
                                       None, t, line=worked_line(lines[p]) if p in lines else None),
                                  value)
            grad_symbol = graph.names.derivative(graph.loss.symbol, p)
            worker = ParameterStep(rule, graph.names, p, grad_symbol)
            before = worker.initial_state(graph.hyper)
            if t > 1:  # the state the step before left: the student's own where they gave it
                for n, values in self.sol.updates[t - 2].state.items():
                    key = f"updates.{t - 1}.state.{n}.{plain(p)}"
                    before[n] = S(key) if key in self.model.slots else values[p]
            g = S(f"{self.prefix(t - 1)}gradients.{plain(p)}")
            old = old_params[p]

            def step(gradient, lr=graph.lr):
                try:
                    return worker.run(graph.hyper, lr, t, old, gradient, dict(before))
                except Exception:  # noqa: BLE001 - a rule that needs numbers: no formula
                    return None

            base = step(g)
            if base is None:
                continue
            for n, formula in base[2].items():
                state_formulas[(n, p)] = formula
            if slot is None:
                continue
            variants = {"base": base[1]}
            for code, rules in VARIANTS.items():
                if rules.update == "plus":
                    variants[code] = (step(-g) or (None, None))[1]
                elif rules.update == "no_lr":
                    variants[code] = (step(g, sp.Integer(1)) or (None, None))[1]
            _formulas(slot, variants)
        for name, values in update.state.items():
            for p, v in values.items():
                slot = self.model.add(Slot(f"updates.{t}.state.{name}.{plain(p)}", plain(p), 0.0,
                                           "update", None, t), v)
                if slot is not None and (name, p) in state_formulas:
                    _formulas(slot, {"base": state_formulas[(name, p)]})


def _tensors(result, model: Model) -> None:
    """The layered form's vectors and matrices: each whole key (samples.1.z1,
    gradients.W1) -> its entries' slot keys, as quantities.py gathers them; an entry the
    backward pass never reached is a slot of value 0."""
    names = result.scalar.graph.names.names
    net = result.network
    tensor_of = {}
    for tensor in [t for layer in net.layers for t in layer.computed()] + net.tensors():
        for s in tensor.symbols:  # a flatten's or an identity's output is its input's entries
            tensor_of.setdefault(names[s].plain, []).append(tensor)
    for slot, tensor in [(slot, tensor) for slot in list(model.slots.values())
                         for tensor in tensor_of.get(slot.name.rpartition("/d")[2], ())]:
        head, _, last = slot.key.rpartition(".")
        top, slash, entry = slot.name.rpartition("/d")
        stem = last[:len(last) - len(entry)]
        whole = f"{head}.{stem}{tensor.plain}" if head else f"{stem}{tensor.plain}"
        if whole in model.tensors:
            continue

        def key_of(s, head=head, stem=stem, slot=slot):
            key = f"{head}.{stem}{names[s].plain}" if head else f"{stem}{names[s].plain}"
            if key not in model.slots and key not in model.symbolic:
                model.slots[key] = Slot(key, f"{top}{slash}{names[s].plain}", 0.0, slot.phase,
                                        slot.sample, slot.step)
            return key

        def nested(e, key_of=key_of):  # a vector, a matrix's rows, a feature map's channels
            return [nested(x) for x in e] if isinstance(e, tuple) else key_of(e)

        entries = nested(tensor.entries)
        model.tensors[whole] = (f"{top}{slash}{tensor.plain}", entries)
