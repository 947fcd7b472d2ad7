"""The course's notation: one `notation:` block, the same in every spec form.

It only says how things are written (the loss's name, the learning rate's symbol, the
letters of a layer, how a layer index and the batch mean are set); it never changes a
value, a JSON key or a quantity's public name. Read here, carried in the Problem, turned
into printed names by the stage that names symbols (graph.py, layered/compile.py and
layered/matrix.py, calculus/naming.py). Nothing here imports SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import clip
from ..suggest import did_you_mean
from ..yamlload import Flag
from .base import Reader, _kind, line_of

#: The keys of the block, in the order the README lists them.
KEYS = ("loss", "sample_loss", "rate", "pre", "post", "layer_index", "vectors", "mean",
        "samples")
#: The keys that take one of a few words, with what each word means (for the message).
CHOICES = {"layer_index": ("paren", "super", "sub"), "vectors": ("bold", "plain"),
           "mean": ("fraction", "inline")}
#: Greek letters (and ℓ) as typed, for the keys that take a name: written as their names.
_LETTERS = {"ℓ": "ell", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta",
            "ε": "epsilon", "η": "eta", "θ": "theta", "λ": "lambda", "μ": "mu", "ν": "nu",
            "ρ": "rho", "τ": "tau", "φ": "phi", "ψ": "psi", "ω": "omega", "Γ": "Gamma",
            "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega"}
#: Names the layered form writes for itself (inputs, targets, weights, biases, deltas).
_FIXED = ("x", "y", "W", "b", "delta", "Delta")
_EXAMPLE = "notation: {loss: J, rate: alpha, pre: s, post: h, layer_index: super}"


@dataclass(frozen=True)
class Notation:
    """How a solution writes its quantities (names as in the spec: `ell` is ℓ)."""

    loss: str = "L"  # the total (mean or sum) over the samples, and a single sample's
    sample_loss: str = "ell"  # one sample's loss where several samples meet: ℓ⁽¹⁾
    rate: str = "eta"  # the learning rate
    pre: str = "z"  # a layer's pre-activation, z = W a + b
    post: str = "a"  # a layer's output, a = f(z)
    layer_index: str = "paren"  # h⁽ˡ⁾; super: hˡ; sub: h_l
    vectors: str = "bold"  # bold vectors in LaTeX (\mathbf{x}); plain: x
    mean: str = "fraction"  # the batch mean's factor \frac{1}{m}; inline: (1/m)
    samples: str = "m"  # the number of samples
    given: tuple = ()  # the keys the spec wrote (a form may choose its own default else)
    lines: tuple = ()  # (field, line) of each key written, for a later stage's messages

    def written(self, key: str) -> bool:
        return key in self.given

    def line_of(self, key: str) -> int | None:
        return line_of(self.lines, f"notation.{key}")


DEFAULT = Notation()


def read_notation(reader: Reader, top: dict, legacy_path: tuple | None = None) -> Notation:
    """The top-level `notation:` block; `legacy_path` is where an older spelling of the
    block may be (the layered form's network.notation, with pre and post only)."""
    legacy = reader.get(legacy_path) if legacy_path is not None and _has(reader, legacy_path) \
        else None
    value = top.get("notation")
    if value is not None and legacy is not None:
        reader.fail(legacy_path, "the notation is written twice, here and in the top-level "
                                 "'notation:'; move pre and post into the top-level block")
    path = ("notation",)
    if value is None and legacy is not None:
        path, value = legacy_path, legacy
        reader.mapping(path, value, "notation", like="notation: {pre: z, post: a}")
        reader.unknown_keys(path, value, ("pre", "post"), "notation")
    if value is None:
        return DEFAULT
    reader.mapping(path, value, "notation", like=_EXAMPLE)
    reader.unknown_keys(path, value, KEYS, "notation")
    settings, lines = {}, []
    for key in KEYS:
        if key not in value:
            continue
        where = path + (key,)
        lines.append((f"notation.{key}", reader.line(where)))
        if key in CHOICES:
            settings[key] = _choice(reader, where, value[key], CHOICES[key])
        elif key in ("pre", "post"):
            settings[key] = _letters(reader, where, value[key], words=path == ("notation",))
        else:
            settings[key] = _name(reader, where, value[key])
    notation = Notation(**settings, given=tuple(settings), lines=tuple(lines))
    _distinct(reader, path, notation)
    return notation


def _has(reader: Reader, path: tuple) -> bool:
    try:
        return reader.get(path) is not None
    except (KeyError, IndexError, TypeError):
        return False


def _choice(reader: Reader, path, value, words: tuple) -> str:
    if isinstance(value, str) and not isinstance(value, Flag) and value in words:
        return value
    shown = f"'{clip(value)}'" if isinstance(value, str) else _kind(value)
    hint = did_you_mean(value, words) if isinstance(value, str) else ""
    reader.fail(path, f"must be one of {', '.join(words)}, not {shown}{hint}")


def _name(reader: Reader, path, value) -> str:
    """A name the document can show: letters, digits and _ (x1, Div, alpha), or one Greek
    letter or ℓ as typed (α is alpha)."""
    if isinstance(value, str) and value in _LETTERS:
        return _LETTERS[value]
    if isinstance(value, str) and len(value) > 12:
        reader.fail(path, f"'{clip(value)}' is too long for a symbol; use at most 12 "
                          f"characters, like J or Div")
    return reader.name(path, value, "a symbol in notation")


def _letters(reader: Reader, path, value, words: bool) -> str:
    """A layer's letter: one letter, or (`words`: in the top-level block; network.notation
    takes letters only) a short word like net; none the form writes itself."""
    if not isinstance(value, str) or isinstance(value, Flag) or not value.isascii() \
            or not value.isalpha() or len(value) > (4 if words else 1) or value in _FIXED \
            or value == "L":
        word = " (or a short word like net)" if words else ""
        reader.fail(path, f"must be one letter from a to z or A to Z{word}, other than x, y, "
                          f"W, b and L, not {_kind(value)}")
    return str(value)


def _distinct(reader: Reader, path, n: Notation) -> None:
    """One symbol for one thing: no two keys of the block may name the same symbol."""
    if n.pre == n.post:
        reader.fail(path, f"pre and post must be different letters, not both '{n.pre}'; "
                          f"write them like {{pre: z, post: a}}")
    named = [("loss", n.loss), ("sample_loss", n.sample_loss), ("rate", n.rate),
             ("pre", n.pre), ("post", n.post), ("samples", n.samples)]
    seen: dict = {}
    for key, name in named:
        first = seen.setdefault(name, key)
        if first != key:
            at = path + (key,) if key in n.given else path
            reader.fail(at, f"'{name}' is both {first} and {key}; one symbol stands for one "
                            f"thing, so choose another {key}")
    for key in ("loss", "sample_loss", "rate", "samples"):
        name = getattr(n, key)
        if key in n.given and name in _FIXED:
            reader.fail(path + (key,), f"'{name}' is a name the solution already writes "
                                       f"(x, y, W, b, δ); choose another {key}")
