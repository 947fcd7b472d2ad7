"""The activations: one entry each, read by every form.

An entry says how a layer applies it to unit i (`unit`), how it is written (its symbol,
its word in a sentence) and how its derivative is (the rule, in any argument letter; the
derivative in the unit's own names, a(1 − a) for σ), the names other libraries give it,
and whether a formula may call it (then its SymPy function is the one of the same name in
functions.py, with PyTorch's conventions at the kinks). Every form's written forms of an
activation come from here: the layered derivation writes the rule in z, the calculus
form's chain rule in u. A new activation is one entry here, plus its SymPy function in
functions.py if formulas call it.

Nothing is imported from SymPy until a unit is built: the spec reads the names here and
stays free of SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from string import Template
from typing import Callable


@dataclass(frozen=True)
class Activation:
    name: str
    symbol: tuple[str, str]  # f itself, (LaTeX, Unicode): \sigma, σ
    word: tuple[str, str]  # f in a sentence ("4 inputs → 3 σ"), (LaTeX text, Unicode)
    #: f′ written with $x for the argument's letter (and, for softmax, $s for its
    #: outputs'), (LaTeX, Unicode): one wording for every form; rule() fills it in
    derivative_rule: tuple[str, str]
    #: (z, i, alpha) -> (expr, display): unit i of a layer whose pre-activations are z
    unit: Callable
    #: (z, a, alpha) -> f′(z) in the unit's own names, z its input and a = f(z) its output:
    #: a(1 − a) for σ, [z > 0] for ReLU; what a symbolic layer writes for f′(z). None for
    #: softmax, whose derivative is a Jacobian over the layer, not one unit's
    derivative: Callable | None
    #: (z, *its settings as the spec writes them) -> f′(z) as a worked line writes it,
    #: unevaluated, where SymPy's own form reads oddly; None: SymPy's is as written
    written_derivative: Callable | None = None
    in_formulas: bool = False  # a formula may call it: name(z)
    arguments: tuple[int, ...] = (1,)  # how many arguments a formula may give it
    parameter: tuple[str, Fraction] | None = None  # its one setting and default (alpha)
    aliases: tuple[str, ...] = ()  # other names for it, to suggest the right one

    @property
    def function(self):
        """The SymPy function a formula's `name(z)` becomes (functions.py)."""
        from .. import functions

        return getattr(functions, self.name)

    def rule(self, argument: str = "z", outputs: tuple[str, str] = ("s", "s")) -> tuple[str, str]:
        """f′ as (LaTeX, Unicode), in the letter `argument` (z in a layer, u in a calculus
        rule); softmax's also in its outputs' letter, (LaTeX, Unicode): s, or ŷ in a layer."""
        return tuple(Template(text).substitute(x=argument, s=output)
                     for text, output in zip(self.derivative_rule, outputs))


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


def _identity_derivative(z, a, alpha):
    import sympy as sp

    return sp.Integer(1)


def _sigmoid_derivative(z, a, alpha):
    return a * (1 - a)


def _tanh_derivative(z, a, alpha):
    return 1 - a ** 2


def _relu_derivative(z, a, alpha):
    from ..functions import step

    return step(z)


def _leaky_relu_derivative(z, a, alpha):
    from ..functions import step

    return step(z) + alpha * (1 - step(z))


def _leaky_relu_written(z, alpha):
    """[z > 0] + α(1 − [z > 0]), as built (SymPy's own form is (1 + 4[z > 0])/5)."""
    import sympy as sp

    from ..functions import step
    bracket = step(z)
    rest = sp.Add._from_args((sp.S.One, sp.Mul._from_args((sp.S.NegativeOne, bracket))))
    return sp.Add._from_args((bracket, sp.Mul._from_args((alpha, rest))))


def _softplus_derivative(z, a, alpha):
    from ..functions import sigmoid

    return sigmoid(z)


#: In the order the layered form lists them.
ACTIVATIONS = {a.name: a for a in (
    Activation("identity", ("\\operatorname{id}", "id"), ("identity", "identity"),
               ("\\operatorname{id}'($x) = 1", "id′($x) = 1"), _identity,
               _identity_derivative, aliases=("linear", "none")),
    Activation("sigmoid", ("\\sigma", "σ"), ("$\\sigma$", "σ"),
               ("\\sigma'($x) = \\sigma($x)(1 - \\sigma($x))", "σ′($x) = σ($x)(1 − σ($x))"),
               _same("sigmoid"), _sigmoid_derivative, in_formulas=True,
               aliases=("logistic", "sig", "σ", "sigma", "logistic_sigmoid")),
    Activation("tanh", ("\\tanh", "tanh"), ("$\\tanh$", "tanh"),
               ("\\tanh'($x) = 1 - \\tanh^2($x)", "tanh′($x) = 1 − tanh²($x)"),
               _same("tanh"), _tanh_derivative, in_formulas=True, aliases=("th",)),
    Activation("relu", ("\\operatorname{ReLU}", "ReLU"), ("ReLU", "ReLU"),
               ("\\operatorname{ReLU}'($x) = [$x > 0]", "ReLU′($x) = [$x > 0]"),
               _same("relu"), _relu_derivative, in_formulas=True, aliases=("ReLU",)),
    Activation("leaky_relu", ("\\operatorname{LeakyReLU}", "LeakyReLU"), ("LeakyReLU", "LeakyReLU"),
               ("\\operatorname{LeakyReLU}'($x) = [$x > 0] + \\alpha [$x \\le 0]",
                "LeakyReLU′($x) = [$x > 0] + α[$x ≤ 0]"),
               _leaky_relu, _leaky_relu_derivative, _leaky_relu_written,
               in_formulas=True, arguments=(1, 2),
               parameter=("alpha", Fraction(1, 100)),  # PyTorch's default slope
               aliases=("LeakyReLU", "leakyrelu", "lrelu")),
    Activation("softplus", ("\\operatorname{softplus}", "softplus"), ("softplus", "softplus"),
               ("\\operatorname{softplus}'($x) = \\sigma($x)", "softplus′($x) = σ($x)"),
               _same("softplus"), _softplus_derivative, in_formulas=True),
    Activation("softmax", ("\\operatorname{softmax}", "softmax"), ("softmax", "softmax"),
               ("\\partial ${s}_k / \\partial ${x}_j = ${s}_k([k = j] - ${s}_j)",
                "∂${s}ₖ/∂${x}ⱼ = ${s}ₖ([k = j] − ${s}ⱼ)"),
               _softmax, None),  # a layer's only: it needs every z of the layer
)}

def _log_softmax(z, i, alpha):
    """The i-th log-probability z_i − log Σ_j e^{z_j}, computed and written so."""
    import sympy as sp

    total = sp.Add(*[sp.exp(u, evaluate=False) for u in z], evaluate=False)
    display = sp.Add(z[i], sp.Mul(-1, sp.log(total, evaluate=False), evaluate=False),
                     evaluate=False)
    return z[i] - sp.log(sp.Add(*[sp.exp(u) for u in z])), display


#: The graph form's nodes over several nodes at once, `p: softmax(s1, s2, s3)`: one
#: component node each (p1, p2, p3), built as unit i of a layer (expr, display); the loss
#: table says which losses cancel their derivative (cross_entropy: ∂ℓ/∂sⱼ = pⱼ − yⱼ).
GROUPS = {"softmax": _softmax, "log_softmax": _log_softmax}

#: The other functions a formula may call (formula.py maps them to SymPy's own).
ELEMENTARY = ("exp", "log", "sqrt", "abs")
#: max and min of two or more arguments (functions.maximum, functions.minimum), and the
#: most arguments one may take.
SELECTIONS = ("max", "min")
MAX_SELECTED = 32


def in_formulas() -> tuple[Activation, ...]:
    """The activations a formula may call, in the table's order."""
    return tuple(a for a in ACTIVATIONS.values() if a.in_formulas)


def formula_functions() -> tuple[str, ...]:
    """Every function name a formula may call, so no spec name may be one."""
    return tuple(a.name for a in in_formulas()) + ELEMENTARY + SELECTIONS


def aliases() -> dict[str, str]:
    """Another name for an activation -> its name in the table."""
    return {alias: a.name for a in ACTIVATIONS.values() for alias in a.aliases}
