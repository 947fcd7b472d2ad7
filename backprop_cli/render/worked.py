"""A worked line's parts as strings, for every renderer: `lhs relation rhs[0] = rhs[1] ...`.

The worksheet holds SymPy; here it is printed with the printers of its form (the calculus
form writes products as a person does by hand: handwritten.py), in the terminal's
Unicode or in LaTeX, with the digits of the output. Nothing is computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import handwritten
from ..sheet.model import Worked
from ..vocab import ACTIVATIONS
from . import printers


@dataclass(frozen=True)
class Printed:
    lhs: str
    relation: str
    rhs: tuple  # the successive right-hand sides, repeats dropped
    rule: str = ""  # the rules used, in words ("" when there are none)


def printer(form: str, kind: str):
    """The print function of a worksheet's form, for `kind` 'unicode' or 'latex'."""
    family = handwritten if form == "calculus" else printers
    return family.latex if kind == "latex" else family.unicode


def printed(line: Worked, form: str, names: dict, digits: int, kind: str) -> Printed:
    show = printer(form, kind)
    extra = {"mul_symbol": "dot"} if kind == "latex" and line.dotted else {}
    decimals = {"decimals": True} if line.decimals else {}
    parts = [show(f, names=names, digits=digits, **extra, **decimals,
                  **({"written": True} if line.written and i == 0 else {}))
             for i, f in enumerate(line.forms)]
    if line.substituted is not None:
        substituted = without_zero_terms(line.substituted, line.values) if line.phase == "loss" \
            else line.substituted
        parts.append(show(substituted, names=names, values=line.values, digits=digits,
                          decimals=True))
    if line.show_value and line.value is not None:
        parts.append(show(line.value, names=names, digits=digits, decimals=True, **extra))
    deduped = []
    for part in parts:
        if not deduped or deduped[-1] != part:
            deduped.append(part)
    relation = {"=": "=", "←": "\\leftarrow" if kind == "latex" else "←"}[line.relation]
    note = line.note[0 if kind == "latex" else 1] if line.note else ""
    rule = "; ".join(r for r in (rule_text(line.rule, kind),
                                 said_text(line.said, show, names, digits, kind), note) if r)
    return Printed(show(line.lhs, names=names, digits=digits), relation, tuple(deduped), rule)


def said_text(parts: tuple, show, names: dict, digits: int, kind: str) -> str:
    """A sentence of text and SymPy parts (selection.py), its math printed (in $...$ for
    LaTeX). Its words are the program's own: nothing in them needs escaping."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            math = show(part, names=names, digits=digits, decimals=True)
            out.append(f"${math}$" if kind == "latex" else math)
    return "".join(out)


def without_zero_terms(expr, values: dict):
    """A loss with its numbers put in, without the terms a zero target removes, as a
    student writes it: −y log(ŷ) − (1 − y) log(1 − ŷ) at y = 0 is −(1 − 0) · log(1 − 0.18),
    not −0 · log(0.18) − ...; the general formula before it still shows every term."""
    if not expr.is_Add:
        return expr
    kept = [t for t in expr.args if not any(_is_zero_at(f, values) for f in sp.Mul.make_args(t))]
    if len(kept) == len(expr.args):
        return expr
    if not kept:
        return sp.Integer(0)
    return kept[0] if len(kept) == 1 else sp.Add(*kept, evaluate=False)


def _is_zero_at(factor, values: dict) -> bool:
    """Whether a factor made of given numbers (y, 1 − y) is 0 there."""
    symbols = factor.free_symbols
    if not symbols or not all(s in values and values[s].is_number for s in symbols):
        return False
    return factor.xreplace({s: values[s] for s in symbols}) == 0


def one_latex(line: Worked, form: str, names: dict, digits: int) -> str:
    """The whole line as one LaTeX formula (the JSON's `latex`)."""
    p = printed(line, form, names, digits, "latex")
    return f"{p.lhs} {p.relation} " + " = ".join(p.rhs)


# -- the rules in words -------------------------------------------------------------------------

_WORDS = {"sum": "sum rule", "product": "product rule", "quotient": "quotient rule",
          "constant": "constant factor", "chain": "chain rule", "power": "power rule",
          "exponential": "exponential rule", "softmax": "softmax derivative"}
#: What a calculus rule says, (terminal, LaTeX); u is the argument. The chain rule
#: multiplies by u′. Only the rules of calculus and of the elementary functions are here:
#: an activation's rule (σ′, ReLU′, softmax's) is its entry's in vocab/activations.py, the
#: one wording every form uses.
_FORMULAS = {
    "log": ("log′(u) = 1/u", r"$\log'(u) = 1/u$"),
    "exp": ("exp′(u) = exp(u)", r"$\exp'(u) = \exp(u)$"),
    "abs": ("|u|′ = sign(u)", r"$|u|' = \operatorname{sign}(u)$"),
    "step": ("[u > 0]′ = 0", r"$[u > 0]' = 0$"),
    "power": ("(uⁿ)′ = nuⁿ⁻¹", r"$(u^n)' = n u^{n-1}$"),
    "exponential": ("(aᵘ)′ = aᵘ log a", r"$(a^u)' = a^u \log a$"),
    "product": ("(uv)′ = u′v + uv′", r"$(uv)' = u'v + uv'$"),
    "quotient": ("(u/v)′ = (u′v − uv′)/v²", r"$(u/v)' = (u'v - uv')/v^2$"),
    # PyTorch's subgradient: the winner takes it; a tie of n arguments splits it, 1/n each
    "max": ("∂max(u, v)/∂u = [u = max(u, v)], split evenly on a tie",
            r"$\partial \max(u, v)/\partial u = [u = \max(u, v)]$, split evenly on a tie"),
    "min": ("∂min(u, v)/∂u = [u = min(u, v)], split evenly on a tie",
            r"$\partial \min(u, v)/\partial u = [u = \min(u, v)]$, split evenly on a tie"),
}


def _formula(key: str, kind: str) -> str | None:
    """What rule `key` says, in the terminal's Unicode or LaTeX (in $...$); None if nothing."""
    activation = ACTIVATIONS.get(key)
    if activation is not None:
        # u, the argument of a chained function; softmax keeps its usual letters, s and z
        latex, text = activation.rule("z" if key == "softmax" else "u")
        return f"${latex}$" if kind == "latex" else text
    if key in _FORMULAS:
        return _FORMULAS[key][1 if kind == "latex" else 0]
    return None


#: Rules whose formula the chain rule names ("chain rule with log′(u) = 1/u"); the others
#: (product, quotient) are rules of their own, beside it.
_CHAINED = {"log", "exp", "abs", "step", "power", "exponential", "softmax", "max", "min"}


def rule_text(keys: tuple, kind: str) -> str:
    """The rules a line uses, in words, each once: ('chain', 'sigmoid') -> "chain rule with
    σ′(u) = σ(u)(1 − σ(u))"; ('chain', 'log', 'sigmoid') -> "chain rule with log′(u) = 1/u
    and σ′(u) = ..."; ('power',) -> "power rule, (uⁿ)′ = nuⁿ⁻¹"; ('sum', 'constant') ->
    "sum rule; constant factor". The softmax rule is written in its usual letters s and z,
    whatever the names here."""
    keys = tuple(dict.fromkeys(keys))
    chained = [k for k in keys if (k in _CHAINED or k in ACTIVATIONS) and _formula(k, kind)] \
        if "chain" in keys else []
    words: list[str] = []
    for key in keys:
        formula = _formula(key, kind)
        if key == "chain":
            inner = " and ".join(_chained_formula(k, kind) for k in chained)
            words.append("chain rule" + (f" with {inner}" if inner else ""))
        elif key in chained:
            continue
        elif key in _WORDS:
            words.append(_WORDS[key] + (f", {formula}" if formula else ""))
        elif formula:
            words.append(formula)
    return "; ".join(words)


def _chained_formula(key: str, kind: str) -> str:
    """A rule's formula as the chain rule names it: softmax's with its name, the bare
    ∂sₖ/∂zⱼ = ... saying nothing of what s is."""
    formula = _formula(key, kind)
    return f"the softmax derivative {formula}" if key == "softmax" else formula
