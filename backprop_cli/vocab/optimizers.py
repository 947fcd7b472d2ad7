"""The optimizers: one entry each, with torch.optim's names, defaults and update rules.

An entry lists its settings (`optimizer: {type: adam, lr: 0.01, betas: [0.9, 0.999]}`) with
their defaults and how each is checked, the state it keeps per parameter (a velocity, Adam's
moments m and v), and its `program`: for the settings and the step number t, the lines a
student writes for one parameter, in order, each `target ← expression` over symbols (the
parameter w, its gradient ∂L/∂w, the state, the settings, t). The engine applies the
program to every parameter and evaluates it line by line; there is no branch per optimizer
anywhere else. `form`, `step` and `numeric` are plain gradient descent's single line, which
the calculus form's update: uses.

Nothing is imported from SymPy until a step is taken: the spec reads the settings here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

REQUIRED = object()  # a setting without a default


@dataclass(frozen=True)
class Setting:
    name: str
    default: object  # REQUIRED when the spec must give it
    what: str
    #: how the spec checks it: rate (> 0), nonnegative (>= 0), fraction (0 <= x < 1),
    #: unit (0 <= x <= 1), positive (> 0), flag (true/false), betas ([b1, b2], each a
    #: fraction), steps, count (a whole number >= 1)
    kind: str = "nonnegative"
    #: its symbol in worked lines, (LaTeX, Unicode, plain); None: never written
    symbol: tuple | None = None


@dataclass(frozen=True)
class State:
    """A quantity kept per parameter: `name` is its key in JSON and the API (velocity,
    m, v, ...), `letter` how a worked line writes it, (LaTeX, Unicode), subscripted by the
    parameter. A temporary (kept=False) is written for one step only (m̂, v̂, g)."""

    name: str
    letter: tuple
    kept: bool = True
    initial: str | None = None  # the setting that gives its value before step 1; else 0


@dataclass(frozen=True)
class UpdateRule:
    name: str
    description: str
    settings: tuple[Setting, ...]
    written: tuple[str, str]  # the update of a parameter w, (LaTeX, Unicode)
    form: Callable  # (w, eta, dL/dw symbol) -> plain descent as written (the calculus form's)
    step: Callable  # (old, lr, gradient) -> the new value, as a formula
    numeric: Callable  # (old, lr, gradient) -> the new value for numbers, or None
    state: tuple[State, ...] = ()  # kept and temporary quantities, in the order written
    #: (settings, t, symbols) -> [(target, expression)], target 'w' or a state's name;
    #: `settings` maps each setting's name to its value (a number, a symbol when null, a
    #: bool for a flag), `symbols` every name (w, grad, t, settings, states) to its symbol.
    program: Callable | None = None
    method: str = "gradient descent"  # the given section's "3 steps of Adam"
    title: str = "Gradient-descent step"  # each step's section heading, before its number

    def default(self, name: str):
        return next(s.default for s in self.settings if s.name == name)

    def kept(self) -> tuple[State, ...]:
        return tuple(s for s in self.state if s.kept)


def _descent_form(w, eta, gradient):
    """w − η ∂L/∂w, as written; built from its parts (a layer's update writes thousands)."""
    import sympy as sp

    return sp.Add._from_args((w, sp.Mul._from_args((sp.S.NegativeOne, eta, gradient))))


def _descent_step(old, lr, gradient):
    return old - lr * gradient


def _descent_numeric(old, lr, gradient):
    from ..arith import descent  # exact, or rounded once with mpmath

    return descent(old, lr, gradient)


# --- the written forms, unevaluated so that they print as a student writes them ----------------

def _add(*terms):
    import sympy as sp

    return sp.Add(*terms, evaluate=False)


def _mul(*factors):
    import sympy as sp

    return sp.Mul(*factors, evaluate=False)


def _minus(x):
    import sympy as sp

    return sp.Mul(sp.S.NegativeOne, x, evaluate=False)


def _one_minus(x):
    import sympy as sp

    return _add(sp.S.One, _minus(x))


def _over(numerator, denominator):
    import sympy as sp

    return _mul(numerator, sp.Pow(denominator, -1, evaluate=False))


def _root(x):
    import sympy as sp

    return sp.Pow(x, sp.S.Half, evaluate=False)


def _square(x):
    import sympy as sp

    return sp.Pow(x, 2, evaluate=False)


def _nonzero(value) -> bool:
    """A setting that is in play: a nonzero number, or a symbol (null)."""
    return not (getattr(value, "is_number", False) and value == 0)


def _decayed(h, s, lines) -> object:
    """g = ∂L/∂w + λw, torch's weight_decay (L2 added to the gradient), when λ ≠ 0; the
    gradient the rest of the step uses."""
    if not _nonzero(h.get("weight_decay", 0)):
        return s["grad"]
    lines.append(("g", _add(s["grad"], _mul(s["weight_decay"], s["w"]))))
    return s["g"]


def _sgd(h, t, s):
    lines = []
    g = _decayed(h, s, lines)
    if not _nonzero(h["momentum"]):
        return lines + [("w", _descent_form(s["w"], s["lr"], g))]
    if t == 1:  # torch starts the buffer at the first gradient, not at μ·0 + (1 − τ)g
        lines.append(("velocity", g))
    else:
        kept = _mul(_one_minus(s["dampening"]), g) if _nonzero(h["dampening"]) else g
        lines.append(("velocity", _add(_mul(s["momentum"], s["velocity"]), kept)))
    step = _add(g, _mul(s["momentum"], s["velocity"])) if h["nesterov"] else s["velocity"]
    return lines + [("w", _descent_form(s["w"], s["lr"], step))]


def _adam(decoupled: bool):
    def program(h, t, s):
        lines = []
        if decoupled and _nonzero(h["weight_decay"]):  # AdamW: w ← (1 − ηλ)w first
            lines.append(("w", _mul(_one_minus(_mul(s["lr"], s["weight_decay"])), s["w"])))
            g = s["grad"]
        else:
            g = _decayed(h, s, lines)
        b1, b2 = s["beta1"], s["beta2"]
        lines += [("m", _add(_mul(b1, s["m"]), _mul(_one_minus(b1), g))),
                  ("v", _add(_mul(b2, s["v"]), _mul(_one_minus(b2), _square(g)))),
                  ("m_hat", _over(s["m"], _one_minus(_power(b1, s["t"])))),
                  ("v_hat", _over(s["v"], _one_minus(_power(b2, s["t"])))),
                  ("w", _add(s["w"], _minus(_mul(s["lr"], _over(s["m_hat"], _add(_root(s["v_hat"]),
                                                                                 s["eps"]))))))]
        return lines
    return program


def _power(base, exponent):
    import sympy as sp

    return sp.Pow(base, exponent, evaluate=False)


def _rmsprop(h, t, s):
    lines = []
    g = _decayed(h, s, lines)
    a = s["alpha"]
    lines.append(("square_avg", _add(_mul(a, s["square_avg"]), _mul(_one_minus(a), _square(g)))))
    scaled = _over(g, _add(_root(s["square_avg"]), s["eps"]))
    if not _nonzero(h["momentum"]):
        return lines + [("w", _add(s["w"], _minus(_mul(s["lr"], scaled))))]
    lines.append(("momentum_buffer", _add(_mul(s["momentum"], s["momentum_buffer"]), scaled)))
    return lines + [("w", _descent_form(s["w"], s["lr"], s["momentum_buffer"]))]


def _adagrad(h, t, s):
    import sympy as sp

    lines = []
    g = _decayed(h, s, lines)
    lines.append(("sum", _add(s["sum"], _square(g))))
    rate = s["lr"]
    if _nonzero(h["lr_decay"]):  # torch: η / (1 + (t − 1)·lr_decay)
        rate = _over(s["lr"], _add(sp.S.One, _mul(sp.Integer(t - 1), s["lr_decay"])))
    return lines + [("w", _add(s["w"], _minus(_mul(rate, _over(g, _add(_root(s["sum"]), s["eps"]))))))]


_LR = ("\\eta", "η", "eta")
_STEPS = Setting("steps", 1, "how many steps to take", "steps")
_BATCH = Setting("batch_size", None, "samples per step, taken in order and cycling (all: full batch)",
                 "batch")
_DECAY = ("\\lambda", "λ", "lambda")
_EPS = ("\\varepsilon", "ε", "eps")
_G = State("g", ("g", "g"), kept=False)


def _adam_entry(name: str, title: str, description: str, decay_default):
    return UpdateRule(
        name, description,
        (Setting("lr", 0.001, "the learning rate η", "rate", _LR), _STEPS, _BATCH,
         Setting("betas", (0.9, 0.999), "the moments' decay rates [β₁, β₂]", "betas"),
         Setting("beta1", 0.9, "β₁", "fraction", ("\\beta_1", "β₁", "beta1")),
         Setting("beta2", 0.999, "β₂", "fraction", ("\\beta_2", "β₂", "beta2")),
         Setting("eps", 1e-8, "ε, added to √v̂", "positive", _EPS),
         Setting("weight_decay", decay_default, "λ", "nonnegative", _DECAY)),
        ("w \\leftarrow w - \\eta \\frac{\\hat{m}}{\\sqrt{\\hat{v}} + \\varepsilon}",
         "w ← w − η m̂/(√v̂ + ε)"),
        _descent_form, _descent_step, _descent_numeric,
        (_G, State("m", ("m", "m")), State("v", ("v", "v")),
         State("m_hat", ("\\hat{m}", "m̂"), kept=False),
         State("v_hat", ("\\hat{v}", "v̂"), kept=False)),
        _adam(decoupled=name == "adamw"), method=title, title=f"{title} step")


#: The first entry is the default `type:`. `betas` is read into beta1 and beta2 (torch's one
#: setting, two symbols): the spec writes betas, never beta1.
OPTIMIZERS = {rule.name: rule for rule in (
    UpdateRule("sgd", "gradient descent, with momentum and weight decay as torch.optim.SGD",
               (Setting("lr", 0.001, "the learning rate η (a number, or null for the symbol)",
                        "rate", _LR), _STEPS, _BATCH,
                Setting("momentum", 0, "the momentum μ", "nonnegative", ("\\mu", "μ", "mu")),
                Setting("dampening", 0, "the dampening τ", "nonnegative", ("\\tau", "τ", "tau")),
                Setting("nesterov", False, "Nesterov momentum", "flag"),
                Setting("weight_decay", 0, "λ, adds λw to the gradient", "nonnegative", _DECAY)),
               ("w \\leftarrow w - \\eta \\frac{\\partial L}{\\partial w}", "w ← w − η ∂L/∂w"),
               _descent_form, _descent_step, _descent_numeric,
               (_G, State("velocity", ("v", "v"))), _sgd),
    _adam_entry("adam", "Adam", "Adam, as torch.optim.Adam", 0),
    _adam_entry("adamw", "AdamW", "Adam with decoupled weight decay, as torch.optim.AdamW", 0.01),
    UpdateRule("rmsprop", "RMSprop, as torch.optim.RMSprop",
               (Setting("lr", 0.01, "the learning rate η", "rate", _LR), _STEPS, _BATCH,
                Setting("alpha", 0.99, "the smoothing constant α", "unit", ("\\alpha", "α", "alpha")),
                Setting("eps", 1e-8, "ε, added to √s", "positive", _EPS),
                Setting("momentum", 0, "the momentum μ", "nonnegative", ("\\mu", "μ", "mu")),
                Setting("weight_decay", 0, "λ, adds λw to the gradient", "nonnegative", _DECAY)),
               ("w \\leftarrow w - \\eta \\frac{g}{\\sqrt{s} + \\varepsilon}", "w ← w − η g/(√s + ε)"),
               _descent_form, _descent_step, _descent_numeric,
               (_G, State("square_avg", ("s", "s")), State("momentum_buffer", ("b", "b"))), _rmsprop,
               "RMSprop", "RMSprop step"),
    UpdateRule("adagrad", "Adagrad, as torch.optim.Adagrad",
               (Setting("lr", 0.01, "the learning rate η", "rate", _LR), _STEPS, _BATCH,
                Setting("eps", 1e-10, "ε, added to √s", "positive", _EPS),
                Setting("lr_decay", 0, "the rate's decay δ", "nonnegative", ("\\delta", "δ", "delta")),
                Setting("weight_decay", 0, "λ, adds λw to the gradient", "nonnegative", _DECAY),
                Setting("initial_accumulator_value", 0, "the sum's value before step 1")),
               ("w \\leftarrow w - \\eta \\frac{g}{\\sqrt{s} + \\varepsilon}", "w ← w − η g/(√s + ε)"),
               _descent_form, _descent_step, _descent_numeric,
               (_G, State("sum", ("s", "s"), initial="initial_accumulator_value")), _adagrad,
               "Adagrad", "Adagrad step"),
)}

DEFAULT = next(iter(OPTIMIZERS))

#: Settings the spec does not write: derived from another (betas -> beta1, beta2).
DERIVED = ("beta1", "beta2")


def written_settings(rule: UpdateRule) -> tuple[Setting, ...]:
    """The settings a spec may write for `rule`, in order."""
    return tuple(s for s in rule.settings if s.name not in DERIVED)
