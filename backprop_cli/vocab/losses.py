"""The losses: one entry each, and one meaning for each name in every form.

An entry builds the loss of one sample from the output vector ŷ and the target y (summed
over the outputs), says how it and its derivative ∂ℓ/∂ŷ are written, and lists the names
other libraries give it. The graph form has one scalar output: `graph` is the loss it
writes for the name (mse is the squared error there), or None where the name has no
meaning there. cross_entropy (−Σₖ yₖ log ŷₖ) takes a graph's softmax node, p: softmax(s1,
s2, s3), whose components p1, p2, p3 are its outputs. A new loss is one entry here.

Nothing is imported from SymPy until a loss is built: the spec reads the names here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Loss:
    name: str
    description: str
    build: Callable  # (yhat, y), tuples of symbols -> (expr, display)
    formula: tuple[str, str]  # the loss of one sample, (LaTeX, Unicode)
    derivative: tuple[str, str]  # ∂ℓ/∂ŷ in vector notation, (LaTeX, Unicode)
    graph: str | None  # the name the graph form (one output) writes for it; None: none
    aliases: tuple[str, ...] = ()
    instead: str = ""  # with `graph` None: what to write with one output
    #: what y may be: 'any' number; 'probabilities', each from 0 to 1; 'distribution', a
    #: class index (one-hot) or probabilities, adding up to 1 after a softmax
    targets: str = "any"
    #: said when a layered network's output is outside the log's domain and the last layer
    #: is not a softmax (bce's own hint comes from numeric.py, which sees log(1 - ŷ))
    log_advice: str = ""
    #: the output activation whose derivative cancels this loss's, so that ∂ℓ/∂z of the
    #: last layer is ŷ − y, and why, (LaTeX, Unicode); None when there is none
    cancels: tuple[str, tuple[str, str]] | None = None
    #: the graph form's node kinds (vocab/activations.py GROUPS) whose derivative cancels
    #: this loss's, -> why ∂ℓ/∂sⱼ is the simplified form there, (LaTeX, Unicode)
    graph_cancels: tuple = ()

    def graph_cancellation(self, kind: str) -> tuple[str, str] | None:
        """Why ∂ℓ/∂sⱼ simplifies after a graph node of `kind` (softmax, log_softmax), or None."""
        return dict(self.graph_cancels).get(kind)

    def cancellation(self, activation: str) -> tuple[str, str] | None:
        """Why ∂ℓ/∂z is ŷ − y after `activation`, (LaTeX, Unicode); None if it is not."""
        if self.cancels is not None and self.cancels[0] == activation:
            return self.cancels[1]
        return None


def _neg(e):
    import sympy as sp

    return sp.Mul(-1, e, evaluate=False)


def _diff(a, b):
    import sympy as sp

    return sp.Add(a, _neg(b), evaluate=False)


def _one_minus(s):
    import sympy as sp

    return sp.Add(1, _neg(s), evaluate=False)


def _total(parts):
    import sympy as sp

    return parts[0] if len(parts) == 1 else sp.Add(*parts, evaluate=False)


def _squared(factor):
    """Σₖ (ŷₖ − yₖ)², times `factor(K)` (1, 1/2 or 1/K)."""
    def build(yhat, y):
        import sympy as sp

        expr = sp.Add(*[(a - b) ** 2 for a, b in zip(yhat, y)])
        display = _total([sp.Pow(_diff(a, b), 2, evaluate=False) for a, b in zip(yhat, y)])
        scale = factor(len(yhat))
        if scale != 1:
            expr = scale * expr
            display = sp.Mul(scale, display, evaluate=False)
        return expr, display
    return build


def _abs_error(yhat, y):
    import sympy as sp

    return (sp.Add(*[sp.Abs(a - b) for a, b in zip(yhat, y)]),
            _total([sp.Abs(_diff(a, b), evaluate=False) for a, b in zip(yhat, y)]))


def _bce(yhat, y):
    """−y log ŷ − (1 − y) log(1 − ŷ) per output, summed."""
    import sympy as sp

    expr = sp.Add(*[-b * sp.log(a) - (1 - b) * sp.log(1 - a) for a, b in zip(yhat, y)])
    parts = []
    for a, b in zip(yhat, y):
        parts.append(sp.Mul(-1, b, sp.log(a, evaluate=False), evaluate=False))
        parts.append(sp.Mul(-1, _one_minus(b), sp.log(_one_minus(a), evaluate=False),
                            evaluate=False))
    return expr, sp.Add(*parts, evaluate=False)


def _cross_entropy(yhat, y):
    import sympy as sp

    expr = -sp.Add(*[b * sp.log(a) for a, b in zip(yhat, y)])
    display = _total([sp.Mul(-1, b, sp.log(a, evaluate=False), evaluate=False)
                      for a, b in zip(yhat, y)])
    return expr, display


def _rational(p: int, q: int):
    import sympy as sp

    return sp.Rational(p, q)


#: In the order the messages list them.
LOSSES = {loss.name: loss for loss in (
    Loss("squared_error", "the squared error", _squared(lambda K: 1),
         ("\\sum_k (\\hat{y}_k - y_k)^2", "Σₖ (ŷₖ − yₖ)²"),
         ("2(\\hat{\\mathbf{y}} - \\mathbf{y})", "2(ŷ − y)"),
         graph="squared_error", aliases=("l2", "squared")),
    Loss("half_squared_error", "half the squared error", _squared(lambda K: _rational(1, 2)),
         ("\\tfrac{1}{2}\\sum_k (\\hat{y}_k - y_k)^2", "½ Σₖ (ŷₖ − yₖ)²"),
         ("\\hat{\\mathbf{y}} - \\mathbf{y}", "ŷ − y"),
         graph="half_squared_error", aliases=("half_mse",)),
    Loss("mse", "the mean of the squared errors over the outputs",
         _squared(lambda K: _rational(1, K)),
         ("\\tfrac{1}{K}\\sum_k (\\hat{y}_k - y_k)^2", "(1/K) Σₖ (ŷₖ − yₖ)²"),
         ("\\tfrac{2}{K}(\\hat{\\mathbf{y}} - \\mathbf{y})", "(2/K)(ŷ − y)"),
         graph="squared_error",  # one output: the squared error itself
         aliases=("mean_squared_error",)),
    Loss("abs_error", "the absolute error", _abs_error,
         ("\\sum_k |\\hat{y}_k - y_k|", "Σₖ |ŷₖ − yₖ|"),
         ("\\operatorname{sign}(\\hat{\\mathbf{y}} - \\mathbf{y})", "sign(ŷ − y)"),
         graph="abs_error", aliases=("mae", "l1", "absolute_error")),
    Loss("bce", "binary cross-entropy", _bce,
         ("-\\sum_k \\bigl(y_k \\log \\hat{y}_k + (1 - y_k)\\log(1 - \\hat{y}_k)\\bigr)",
          "−Σₖ (yₖ log ŷₖ + (1 − yₖ) log(1 − ŷₖ))"),
         ("\\frac{\\hat{\\mathbf{y}} - \\mathbf{y}}{\\hat{\\mathbf{y}} \\odot (1 - \\hat{\\mathbf{y}})}",
          "(ŷ − y) ⊘ (ŷ ⊙ (1 − ŷ))"),
         graph="bce", aliases=("binary_cross_entropy", "binary_crossentropy", "log_loss",
                               "logloss", "bce_loss", "logistic"),
         targets="probabilities",
         cancels=("sigmoid", (
             "sigmoid with binary cross-entropy: $\\sigma'(z) = \\hat{y}(1 - \\hat{y})$ cancels the "
             "denominator of $\\partial\\ell/\\partial\\hat{y}$",
             "sigmoid with binary cross-entropy: σ′(z) = ŷ(1 − ŷ) cancels the denominator of ∂ℓ/∂ŷ"))),
    Loss("cross_entropy", "categorical cross-entropy", _cross_entropy,
         ("-\\sum_k y_k \\log \\hat{y}_k", "−Σₖ yₖ log ŷₖ"),
         ("-\\mathbf{y} \\oslash \\hat{\\mathbf{y}}", "−y ⊘ ŷ"),
         graph="cross_entropy",  # over a softmax node's outputs, p: softmax(s1, s2, s3)
         aliases=("categorical_crossentropy", "categorical_cross_entropy", "crossentropy",
                  "nll"),
         instead="make the output a softmax node, like p: softmax(s1, s2, s3), or for a single "
                 "sigmoid output write bce (binary cross-entropy)",
         targets="distribution",
         log_advice="cross_entropy needs every output above 0: put softmax on the last layer",
         cancels=("softmax", (
             "softmax with cross-entropy: the softmax Jacobian times $-\\mathbf{y} \\oslash "
             "\\hat{\\mathbf{y}}$ is $\\hat{\\mathbf{y}} \\sum\\nolimits_k y_k - \\mathbf{y}$, and "
             "$\\sum\\nolimits_k y_k = 1$",
             "softmax with cross-entropy: the softmax Jacobian times −y ⊘ ŷ is ŷ(Σₖ yₖ) − y, and "
             "Σₖ yₖ = 1")),
         graph_cancels=(
             ("softmax", (
                 "softmax with cross-entropy: $\\sum_k (-y_k / p_k)\\, p_k([k = j] - p_j) = "
                 "p_j \\sum_k y_k - y_j$, and $\\sum_k y_k = 1$",
                 "softmax with cross-entropy: Σₖ (−yₖ/pₖ) pₖ([k = j] − pⱼ) = pⱼ Σₖ yₖ − yⱼ, "
                 "and Σₖ yₖ = 1")),
             ("log_softmax", (
                 "log-softmax with cross-entropy: $\\sum_k (-y_k)([k = j] - e^{q_j}) = "
                 "e^{q_j} \\sum_k y_k - y_j$, and $\\sum_k y_k = 1$ ($e^{q_j}$ is the probability)",
                 "log-softmax with cross-entropy: Σₖ (−yₖ)([k = j] − e^qⱼ) = e^qⱼ Σₖ yₖ − yⱼ, "
                 "and Σₖ yₖ = 1 (e^qⱼ is the probability)")))),
    Loss("upstream", "a given upstream gradient g = ∂L/∂ŷ (a layer exercise, upstream:)",
         lambda yhat, g: _upstream(yhat, g),
         ("\\sum_k g_k \\hat{y}_k", "Σₖ gₖ ŷₖ"),
         ("\\mathbf{g}", "g"),
         graph=None, instead="write the loss as a formula, like g*yhat, with a target g"),
)}


def _upstream(yhat, g):
    """ℓ = Σₖ gₖ ŷₖ: its derivative ∂ℓ/∂ŷ is the given upstream gradient g."""
    import sympy as sp

    expr = sp.Add(*[b * a for a, b in zip(yhat, g)])
    return expr, _total([sp.Mul(b, a, evaluate=False) for a, b in zip(yhat, g)])


def aliases() -> dict[str, str]:
    """Another name for a loss -> its name in the table."""
    return {alias: loss.name for loss in LOSSES.values() for alias in loss.aliases}


def lookup(name: str) -> Loss | None:
    """The loss `name` or one of its aliases means, in any case; None if none."""
    key = name.lower()
    return LOSSES.get(key) or LOSSES.get(aliases().get(key, ""))


def graph_refusal(written: str, loss: Loss) -> str:
    """Why the graph form (one scalar output) refuses `loss`, written `written`, and what to
    write instead."""
    return (f"'{written}' is the {loss.description} {loss.formula[1]} over several outputs "
            f"(a softmax), and a graph has one output: {loss.instead}")
