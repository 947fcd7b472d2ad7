"""The order of a calculus solution and its lines as strings, shared by text and LaTeX.

Nothing is computed here: the engine's Lines are grouped into sections, and each Line and
rule is turned into the strings a renderer shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from .solution import CalculusSolution, Line
from .printing import latex, unicode


@dataclass(frozen=True)
class Section:
    title: str  # plain text
    lines: tuple = ()
    what: str = "lines"  # "lines", "result" (the assembled answer), "point"
    zeros: bool = False  # lines of formulas without the variable (derivative 0) were left out


def sections(solution: CalculusSolution) -> list[Section]:
    out = []
    if solution.chain is not None:
        out.append(_derivatives("Outer derivatives (in the inner variables)", solution.chain.outer))
        if solution.chain.inner_lines:
            out.append(_derivatives("Inner derivatives", solution.chain.inner_lines))
        out.append(Section("Chain rule", solution.chain.lines))
    else:
        out.append(_derivatives("Partial derivatives", solution.partials))
    result = "Jacobian" if not solution.gradient else "Gradient" if len(solution.wrt) > 1 else "Derivative"
    out.append(Section(result, what="result"))
    if solution.point is not None:
        out.append(Section("At the point", solution.point.inner + solution.point.lines, what="point"))
    if solution.update is not None:
        out.append(Section("Gradient-descent step", solution.update.lines))
    return out


def _derivatives(title: str, lines) -> Section:
    """The partial derivatives worth a line: a formula without the variable gives 0, which
    the matrix shows; listing a dozen of them would bury the rest."""
    kept = tuple(line for line in lines if line.rule != ("independent",))
    if not kept:
        return Section(title, tuple(lines))
    return Section(title, kept, zeros=len(kept) < len(lines))


@dataclass(frozen=True)
class Printed:
    lhs: str
    relation: str
    rhs: tuple  # the successive right-hand sides
    rule: str  # "" when there is none


def printed(line: Line, names: dict, digits: int, kind: str) -> Printed:
    """A Line's successive forms as text (`kind` 'unicode') or LaTeX (`kind` 'latex')."""
    show = latex if kind == "latex" else unicode
    # decimals: a user who writes 0.0015 reads 0.0015 back, not 3/2000 (1/3 stays 1/3)
    parts = [show(form, names=names, digits=digits, written=line.written and i == 0, decimals=True)
             for i, form in enumerate(line.forms)]
    if line.substituted is not None and line.substituted.free_symbols & set(line.values):
        parts.append(show(line.substituted, names=names, digits=digits, values=line.values,
                          decimals=True))
    if line.value is not None:
        parts.append(show(line.value, names=names, digits=digits, decimals=True))
    deduped = []
    for part in parts:
        if not deduped or deduped[-1] != part:
            deduped.append(part)
    relation = {"=": "=", "←": "\\leftarrow" if kind == "latex" else "←"}[line.relation]
    return Printed(show(line.lhs, names=names, digits=digits), relation, tuple(deduped),
                   rule_text(line.rule, kind))


def expression(expr, names: dict, digits: int, kind: str, **settings) -> str:
    show = latex if kind == "latex" else unicode
    return show(expr, names=names, digits=digits, **settings)


# -- the rules in words -------------------------------------------------------------------------

_WORDS = {"sum": "sum rule", "product": "product rule", "quotient": "quotient rule",
          "constant": "constant factor", "chain": "chain rule", "power": "power rule",
          "exponential": "exponential rule", "softmax": "softmax derivative"}
#: What a rule says, (terminal, LaTeX); u is the argument. The chain rule multiplies by u′.
_FORMULAS = {
    "sigmoid": ("σ′(u) = σ(u)(1 − σ(u))", r"$\sigma'(u) = \sigma(u)(1 - \sigma(u))$"),
    "tanh": ("tanh′(u) = 1 − tanh²(u)", r"$\tanh'(u) = 1 - \tanh^2(u)$"),
    "log": ("log′(u) = 1/u", r"$\log'(u) = 1/u$"),
    "exp": ("exp′(u) = exp(u)", r"$\exp'(u) = \exp(u)$"),
    "softplus": ("softplus′(u) = σ(u)", r"$\operatorname{softplus}'(u) = \sigma(u)$"),
    "relu": ("ReLU′(u) = [u > 0]", r"$\operatorname{ReLU}'(u) = [u > 0]$"),
    "leaky_relu": ("LeakyReLU′(u) = [u > 0] + α[u ≤ 0]",
                   r"$\operatorname{LeakyReLU}'(u) = [u > 0] + \alpha [u \le 0]$"),
    "abs": ("|u|′ = sign(u)", r"$|u|' = \operatorname{sign}(u)$"),
    "step": ("[u > 0]′ = 0", r"$[u > 0]' = 0$"),
    "softmax": ("∂sⱼ/∂zᵢ = sⱼ(δᵢⱼ − sᵢ)", r"$\partial s_j / \partial z_i = s_j(\delta_{ij} - s_i)$"),
    "power": ("(uⁿ)′ = nuⁿ⁻¹", r"$(u^n)' = n u^{n-1}$"),
    "exponential": ("(aᵘ)′ = aᵘ log a", r"$(a^u)' = a^u \log a$"),
    "product": ("(uv)′ = u′v + uv′", r"$(uv)' = u'v + uv'$"),
    "quotient": ("(u/v)′ = (u′v − uv′)/v²", r"$(u/v)' = (u'v - uv')/v^2$"),
}


def rule_text(keys: tuple, kind: str) -> str:
    """('chain', 'sigmoid') -> "chain rule with σ′(u) = σ(u)(1 − σ(u))"; ('power',) ->
    "power rule, (uⁿ)′ = nuⁿ⁻¹"; ('constant', 'sum') -> "constant factor; sum rule".
    The softmax rule is written in its usual letters s and z, whatever the names here."""
    column = 1 if kind == "latex" else 0
    words: list[str] = []
    for key in keys:
        formula = _FORMULAS[key][column] if key in _FORMULAS else None
        if words and words[-1] == "chain rule" and formula:
            words[-1] = f"chain rule with {formula}"
        elif key in _WORDS:
            words.append(_WORDS[key] + (f", {formula}" if formula else ""))
        elif formula:
            words.append(formula)
    return "; ".join(words)


def given_point(solution: CalculusSolution, digits: int, kind: str) -> str:
    """x = 1, y = 2"""
    names = solution.names
    show = latex if kind == "latex" else unicode
    return ", ".join(f"{show(v, names=names)} = {show(n, names=names, digits=digits, decimals=True)}"
                     for v, n in solution.point.values)


def symbols(items, names: dict, kind: str, brackets: bool = False) -> str:
    """x, y  (a list of symbols, comma separated); with `brackets`, (x, y) but t alone."""
    show = latex if kind == "latex" else unicode
    text = ", ".join(show(s, names=names) for s in items)
    if brackets and len(items) > 1:
        return f"\\left({text}\\right)" if kind == "latex" else f"({text})"
    return text
