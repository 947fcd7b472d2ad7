"""One optimizer step of one parameter, for any entry of vocab/optimizers.py: its program's
lines (target ← expression), each written in this parameter's symbols (m_w₁, v_w₁, ...) and
evaluated in order, the state carried from the step before.

Generic on purpose: the entry says what is written and computed; nothing here knows Adam
from momentum. The engine turns the lines into Steps.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

import sympy as sp

from .graph import LEARNING_RATE, Name, Naming, hyper_symbol
from .numeric import PRECISION, evaluate, sized
from .vocab.optimizers import UpdateRule

_LONG = 10 ** 6  # a denominator longer than this: the value is kept as a decimal

#: The step number t in a bias correction 1 − β₁ᵗ.
STEP = sp.Symbol("t:opt", positive=True, integer=True)


@dataclass(frozen=True)
class Line:
    lhs: sp.Symbol
    form: sp.Expr  # as written, in symbols
    shown: dict  # symbol -> number put in for the numeric line
    value: sp.Expr
    relation: str  # ← for the parameter and kept state, = for a temporary


class ParameterStep:
    """The symbols of one parameter's step: its state (m_w₁), the settings (β₁), t."""

    def __init__(self, rule: UpdateRule, names: Naming, p: sp.Symbol, grad_symbol: sp.Symbol,
                 params: tuple = ()):
        self.rule = rule
        self.p = p
        self.symbols = {"w": p, "grad": grad_symbol, "lr": LEARNING_RATE, "t": STEP}
        names.add(STEP, Name("t", "t", "t"))
        for setting in rule.settings:
            if setting.name not in ("lr", "steps"):
                self.symbols[setting.name] = hyper_symbol(setting.name)
        own = names[p]
        # a parameter's letters: a state written with one (b_b beside the bias b) is
        # written in capitals instead (B_b), so that no letter names two things
        taken = {re.match(r"[^\W\d_]*", names[q].unicode).group() for q in params}
        for state in rule.state:
            symbol = sp.Symbol(f"{state.name}[{p.name}]:opt", real=True)
            latex, unicode = state.letter
            if unicode in taken and unicode.upper() != unicode:
                latex, unicode = latex.upper(), unicode.upper()
            names.add(symbol, Name(f"{latex}_{{{own.latex}}}", f"{unicode}_{own.unicode}",
                                   f"{state.name}_{own.plain}"))
            self.symbols[state.name] = symbol

    def run(self, hyper: dict, lr: sp.Expr, t: int, old: sp.Expr, gradient: sp.Expr,
            state: dict, forms: bool = True) -> tuple[list, sp.Expr, dict]:
        """The lines of step t, the new value and the kept state after it. `state` maps a
        kept state's name to its value before the step; `gradient` a number or an
        expression (the gradient's symbol when it is symbolic)."""
        s = self.symbols
        values = {s["w"]: old, s["grad"]: gradient, s["lr"]: lr, s["t"]: sp.Integer(t)}
        for name, value in hyper.items():
            if not isinstance(value, bool):
                values[s[name]] = value
        for st in self.rule.kept():
            values[s[st.name]] = state[st.name]
        lines = []
        for target, form in self.rule.program(hyper, t, s):
            lhs = s[target]
            what = f"{target} of {self.p}" if target != "w" else f"the update of {self.p}"
            shown = {sym: values[sym] for sym in form.free_symbols
                     if sym in values and values[sym].is_number and sym != values[sym]}
            value = sized(evaluate(form, {k: v for k, v in values.items() if k != v}, what), what)
            if value.is_Rational and value.q > _LONG:
                # ε in √s + ε makes exact fractions of 40 digits that print as such and
                # double each step: a decimal of PRECISION digits, as an irrational value
                value = sp.Float(value, PRECISION)
            values[lhs] = value
            kept = target == "w" or any(st.name == target and st.kept for st in self.rule.state)
            lines.append(Line(lhs, form, shown, value, "←" if kept else "="))
        assigned = {line.lhs for line in lines}  # plain SGD keeps no velocity: none shown
        after = {st.name: values[s[st.name]] for st in self.rule.kept() if s[st.name] in assigned}
        return lines, values[s["w"]], after

    def initial_state(self, hyper: dict) -> dict:
        """The kept state before step 1: zeros, or a setting's value (Adagrad's sum)."""
        return {st.name: hyper[st.initial] if st.initial else sp.Integer(0)
                for st in self.rule.kept()}


# --- regularization: the penalty R and its gradient, as written ---------------------------------

def penalty_form(penalty) -> sp.Expr:
    """R = λ₂(w₁² + w₂² + ...) + λ₁(|w₁| + |w₂| + ...), the terms whose λ is not 0."""
    terms = []
    if penalty.l2 != 0:
        squares = [g[0] for g in penalty.groups] or [sp.Pow(p, 2, evaluate=False) for p in penalty.params]
        terms.append(sp.Mul(penalty.l2_symbol, _sum(squares), evaluate=False))
    if penalty.l1 != 0:
        sizes = [g[1] for g in penalty.groups] or [sp.Abs(p, evaluate=False) for p in penalty.params]
        terms.append(sp.Mul(penalty.l1_symbol, _sum(sizes), evaluate=False))
    return _sum(terms)


def penalty_gradient_form(penalty, p: sp.Symbol) -> sp.Expr:
    """∂R/∂w = 2λ₂w + λ₁ sign(w) (sign 0 = 0, torch's gradient of |w| at 0)."""
    terms = []
    if penalty.l2 != 0:
        terms.append(sp.Mul(2, penalty.l2_symbol, p, evaluate=False))
    if penalty.l1 != 0:
        terms.append(sp.Mul(penalty.l1_symbol, sp.sign(p, evaluate=False), evaluate=False))
    return _sum(terms)


def penalty_values(penalty, params: dict) -> dict:
    """The symbols of a penalty's forms -> their numbers (the strengths, numeric parameters)."""
    out = {s: v for s, v in ((penalty.l2_symbol, penalty.l2), (penalty.l1_symbol, penalty.l1))
           if v.is_number}  # a symbolic strength (null) stays its symbol
    out.update({p: params[p] for p in penalty.params if params[p].is_number})
    for squares, sizes, entries in penalty.groups:  # ‖W‖² and ‖W‖₁ of a matrix, from its entries
        out[squares] = evaluate(sp.Add(*[sp.Pow(e, 2) for e in entries]), out, "a squared norm")
        out[sizes] = evaluate(sp.Add(*[sp.Abs(e) for e in entries]), out, "a norm")
    return out


def penalty_full(penalty, params: dict) -> sp.Expr:
    """R in the parameters' values (or symbols), for programs."""
    env = {s: v for s, v in ((penalty.l2_symbol, penalty.l2), (penalty.l1_symbol, penalty.l1))
           if v.is_number}
    for squares, sizes, entries in penalty.groups:
        env[squares] = sp.Add(*[sp.Pow(e, 2) for e in entries])
        env[sizes] = sp.Add(*[sp.Abs(e) for e in entries])
    return penalty_form(penalty).xreplace(env).xreplace(params)


def _sum(terms: list) -> sp.Expr:
    if not terms:
        return sp.Integer(0)
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)
