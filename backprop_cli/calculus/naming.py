"""Every symbol of a calculus solution and how it is written (LaTeX, terminal, programs).

User names are derived as everywhere else (graph.derive_name: x1 -> x₁, theta -> θ).
Names the engine makes up (f, F, ∂f/∂x, s₁ for a softmax, η) contain ':' or '/' in
their SymPy name, which no spec name can, so they never collide with the user's.
"""

from __future__ import annotations

import re

import sympy as sp

from ..errors import SpecError
from ..graph import Name, derive_name, notation_name

_INDEXED = re.compile(r"([A-Za-z]+?)_?(\d+)")


class Naming:
    def __init__(self, taken):
        self.names: dict = {}
        self.taken = set(taken)

    def user(self, name: str) -> sp.Symbol:
        symbol = sp.Symbol(name, real=True)
        self.names[symbol] = derive_name(name)
        return symbol

    def made_up(self, name: str, tag: str) -> sp.Symbol:
        """A symbol the engine introduces, written like the user's name `name` would be."""
        symbol = sp.Symbol(f"{name}:{tag}", real=True)
        self.names[symbol] = derive_name(name)
        return symbol

    def free_letter(self, candidates, count: int) -> str:
        """The first letter whose names (the letter, or letter1..letterN) are all unused."""
        for letter in candidates:
            wanted = {letter} | {f"{letter}{k}" for k in range(1, count + 1)}
            if not wanted & self.taken and not any(_INDEXED.fullmatch(t) and
                                                   _INDEXED.fullmatch(t).group(1) == letter
                                                   for t in self.taken):
                self.taken |= wanted
                return letter
        raise AssertionError("no free letter")  # pragma: no cover - the candidates are many

    def components(self, given: list, single: bool) -> tuple[list, Name | None]:
        """Symbols for the function's components (named, or f / f1, f2, ...) and the vector's name."""
        count = len(given)
        if all(name is not None for name in given):
            symbols = [self.user(name) for name in given]
        elif single:
            symbols = [self.made_up(self.free_letter(_FUNCTION_LETTERS, 0), "function")]
        else:
            letter = self.free_letter(_FUNCTION_LETTERS, count)
            symbols = [self.made_up(f"{letter}{k}", "function") for k in range(1, count + 1)]
        vector = None
        if not single:
            vector = derive_name(self.free_letter(_VECTOR_LETTERS, 0))
        return symbols, vector

    def derivative(self, top: sp.Symbol, var: sp.Symbol) -> sp.Symbol:
        t, b = self.names[top], self.names[var]
        symbol = sp.Symbol(f"d{t.plain}/d{b.plain}", real=True)
        self.names[symbol] = Name(f"\\frac{{\\partial {t.latex}}}{{\\partial {b.latex}}}",
                                  f"∂{t.unicode}/∂{b.unicode}", f"d{t.plain}/d{b.plain}")
        return symbol

    def learning_rate(self, notation=None) -> sp.Symbol:
        """η; α if the formulas use eta; lr if they use both (one symbol, one meaning);
        or the notation's `rate`, printed so (its public name stays the default's)."""
        symbol = sp.Symbol("eta:lr", positive=True)
        if "eta" not in self.taken:
            self.names[symbol] = Name("\\eta", "η", "eta")
        elif "alpha" not in self.taken:
            self.names[symbol] = Name("\\alpha", "α", "alpha")
        else:
            self.names[symbol] = Name("\\mathrm{lr}", "lr", "lr")
        if notation is not None and notation.written("rate"):
            shown = notation_name(notation.rate, self.names[symbol].plain)
            clash = next((n for n in self.taken if n == notation.rate or
                          derive_name(n).unicode == shown.unicode), None)
            if clash is not None:
                raise SpecError(f"'{notation.rate}' is written {shown.unicode}, like the "
                                f"problem's '{clash}'; one symbol stands for one thing, so "
                                f"choose another rate or rename '{clash}'",
                                field="notation.rate", line=notation.line_of("rate"))
            self.names[symbol] = shown
        return symbol

    def result(self, components: list, vector: sp.Symbol | None, wrt: list, everything: bool,
               inner: int = 0) -> sp.Symbol:
        """The answer's name: ∂f/∂x (one function, one variable), ∇f / ∇_w f, or J_F; of a
        composition through `inner` levels of inner functions, J_{F∘G} (J_{F∘G∘H}, …), as
        seed 003 writes J_{f∘g}: J_F alone is the outer Jacobian, in the inner variables."""
        label = sp.Symbol("result:label")
        if vector is not None:
            parts = [self.names[vector]] + [derive_name(self.free_letter(_VECTOR_LETTERS, 0))
                                            for _ in range(inner)]
            latex = " \\circ ".join(p.latex for p in parts)
            uni = "∘".join(p.unicode for p in parts) if inner == 0 else \
                f"({'∘'.join(p.unicode for p in parts)})"  # J_(F∘G)(2), not J_F∘G(2)
            plain = "_".join(p.plain for p in parts)
            self.names[label] = Name(f"J_{{{latex}}}", f"J_{uni}", f"J_{plain}")
        elif len(wrt) == 1:
            self.names[label] = self.names[self.derivative(components[0], wrt[0])]
        else:
            self.names[label] = self.gradient(components[0], wrt, everything)
        return label

    def gradient(self, function: sp.Symbol, wrt: list, everything: bool) -> Name:
        """∇f (every variable), ∇_w f (w0, w1, ...), ∇_(x, y) f (some of them)."""
        f = self.names[function]
        if everything:
            return Name(f"\\nabla {f.latex}", f"∇{f.unicode}", f"grad {f.plain}")
        vector = self.vector_of(wrt)
        if vector is not None:
            return Name(f"\\nabla_{{{vector.latex}}} {f.latex}", f"∇_{vector.unicode} {f.unicode}",
                        f"grad_{vector.plain} {f.plain}")
        names = [self.names[w] for w in wrt]
        return Name(f"\\nabla_{{({', '.join(n.latex for n in names)})}} {f.latex}",
                    f"∇_({', '.join(n.unicode for n in names)}) {f.unicode}",
                    f"grad_({', '.join(n.plain for n in names)}) {f.plain}")

    def vector_of(self, wrt: list) -> Name | None:
        """w for (w0, w1, w2), θ for (theta1, theta2): a shared letter with indices."""
        matches = [_INDEXED.fullmatch(w.name) for w in wrt]
        if len(wrt) < 2 or not all(matches) or len({m.group(1) for m in matches}) != 1:
            return None
        base = derive_name(matches[0].group(1))
        bold = "\\boldsymbol" if base.latex.startswith("\\") else "\\mathbf"
        return Name(f"{bold}{{{base.latex}}}", base.unicode, base.plain)


_FUNCTION_LETTERS = ("f", "g", "h", "phi", "psi", "q")
_VECTOR_LETTERS = ("F", "G", "H", "Phi", "Psi", "Q")
SOFTMAX_LETTERS = ("s", "p", "q", "a", "b", "c", "r", "u", "v")


def show(expr, shown: dict):
    """The expression as printed: each softmax output by its name s_j. Written forms stay
    as written (xreplace would evaluate them: −1 · (−s₂) would become s₂); SymPy's own
    products are rebuilt in SymPy's order, which the printers know how to write."""
    if not shown:
        return expr
    return replace_shown(expr, shown)


def replace_shown(expr, mapping: dict):
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [replace_shown(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)):
        written = expr.func(*expr.args) != expr
        return expr.func(*args, evaluate=not written)
    return expr.func(*args)
