"""The activations: one entry each, read by every form.

An entry says how a layer applies it to unit i (`unit`), how it and its derivative are
written, the names other libraries give it, and whether a formula may call it (then its
SymPy function is the one of the same name in functions.py, with PyTorch's conventions at
the kinks). A new activation is one entry here, plus its SymPy function in functions.py
if formulas call it.

Nothing is imported from SymPy until a unit is built: the spec reads the names here and
stays free of SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: tuple[str, str]  # f itself, (LaTeX, Unicode): \sigma, σ
    rule: tuple[str, str]  # f′(z) as a derivation writes it, (LaTeX, Unicode)
    #: (z, i, alpha) -> (expr, display): unit i of a layer whose pre-activations are z
    unit: Callable
    in_formulas: bool = False  # a formula may call it: name(z)
    arguments: tuple[int, ...] = (1,)  # how many arguments a formula may give it
    parameter: tuple[str, Fraction] | None = None  # its one setting and default (alpha)
    aliases: tuple[str, ...] = ()  # other names for it, to suggest the right one

    @property
    def function(self):
        """The SymPy function a formula's `name(z)` becomes (functions.py)."""
        from .. import functions

        return getattr(functions, self.name)


def _identity(z, i, alpha):
    return z[i], z[i]


def _same(name: str):
    """Unit i is name(z_i), written as it is computed."""
    def unit(z, i, alpha):
        from .. import functions

        f = getattr(functions, name)
        return f(z[i]), f(z[i])
    return unit


def _leaky_relu(z, i, alpha):
    import sympy as sp

    from ..functions import leaky_relu
    # shown with the slope as a decimal, as a formula's 0.01 is
    return leaky_relu(z[i], alpha), leaky_relu(z[i], sp.Float(alpha, 15), evaluate=False)


def _softmax(z, i, alpha):
    """The i-th output, computed as softmax(i + 1, z...) and written e^{z_i} / Σ_j e^{z_j}."""
    import sympy as sp

    from ..functions import softmax
    display = sp.Mul(sp.exp(z[i], evaluate=False),
                     sp.Pow(sp.Add(*[sp.exp(u, evaluate=False) for u in z], evaluate=False), -1,
                            evaluate=False), evaluate=False)
    return softmax(i + 1, *z), display


#: In the order the layered form lists them.
ACTIVATIONS = {a.name: a for a in (
    Activation("identity", ("\\operatorname{id}", "id"),
               ("\\operatorname{id}'(z) = 1", "id′(z) = 1"), _identity,
               aliases=("linear", "none")),
    Activation("sigmoid", ("\\sigma", "σ"),
               ("\\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z))", "σ′(z) = σ(z)(1 − σ(z))"),
               _same("sigmoid"), in_formulas=True,
               aliases=("logistic", "sig", "σ", "sigma", "logistic_sigmoid")),
    Activation("tanh", ("\\tanh", "tanh"),
               ("\\tanh'(z) = 1 - \\tanh^2(z)", "tanh′(z) = 1 − tanh²(z)"),
               _same("tanh"), in_formulas=True, aliases=("th",)),
    Activation("relu", ("\\operatorname{ReLU}", "ReLU"),
               ("\\operatorname{ReLU}'(z) = [z > 0]", "ReLU′(z) = [z > 0]"),
               _same("relu"), in_formulas=True, aliases=("ReLU",)),
    Activation("leaky_relu", ("\\operatorname{LeakyReLU}", "LeakyReLU"),
               ("\\operatorname{LeakyReLU}'(z) = 1 \\text{ if } z > 0 \\text{, else } \\alpha",
                "LeakyReLU′(z) = 1 if z > 0, else α"),
               _leaky_relu, in_formulas=True, arguments=(1, 2),
               parameter=("alpha", Fraction(1, 100)),  # PyTorch's default slope
               aliases=("LeakyReLU", "leakyrelu", "lrelu")),
    Activation("softplus", ("\\operatorname{softplus}", "softplus"),
               ("\\operatorname{softplus}'(z) = \\sigma(z)", "softplus′(z) = σ(z)"),
               _same("softplus"), in_formulas=True),
    Activation("softmax", ("\\operatorname{softmax}", "softmax"),
               ("\\frac{\\partial \\hat{y}_k}{\\partial z_j} = \\hat{y}_k([k = j] - \\hat{y}_j)",
                "∂ŷₖ/∂zⱼ = ŷₖ([k = j] − ŷⱼ)"),
               _softmax),  # a layer's only: it needs every z of the layer
)}

#: The other functions a formula may call (formula.py maps them to SymPy's own).
ELEMENTARY = ("exp", "log", "sqrt", "abs")


def in_formulas() -> tuple[Activation, ...]:
    """The activations a formula may call, in the table's order."""
    return tuple(a for a in ACTIVATIONS.values() if a.in_formulas)


def formula_functions() -> tuple[str, ...]:
    """Every function name a formula may call, so no spec name may be one."""
    return tuple(a.name for a in in_formulas()) + ELEMENTARY


def aliases() -> dict[str, str]:
    """Another name for an activation -> its name in the table."""
    return {alias: a.name for a in ACTIVATIONS.values() for alias in a.aliases}
