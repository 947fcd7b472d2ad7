"""The characters a LaTeX document of ours can show beyond ASCII: those `\\usepackage[utf8]
{inputenc}` defines for the encodings the document loads (T1 for text, TS1 for symbols,
OT1 and OMS, LaTeX's defaults), from TeX Live's t1enc.dfu, ts1enc.dfu, ot1enc.dfu and
omsenc.dfu. Any other character (CJK, emoji, most of Greek and Cyrillic as text) stops
pdflatex with "Unicode character ... not set up for use with LaTeX".

One table, importing nothing of ours, so that the spec reader (to refuse what cannot be shown, at
read time, naming the field) and the LaTeX renderer (to escape what it writes) agree.
"""

from __future__ import annotations

import re
import unicodedata

#: Inclusive ranges of code points, from the .dfu files of TeX Live 2022 and later.
_RANGES = (
    (0x00A0, 0x0125), (0x0128, 0x0137), (0x0139, 0x013E), (0x0141, 0x0148), (0x014A, 0x0165),
    (0x0168, 0x017E), (0x0192, 0x0192), (0x01C4, 0x01D4), (0x01E2, 0x01E3), (0x01E6, 0x01EB),
    (0x01F0, 0x01F0), (0x01F4, 0x01F5), (0x0218, 0x021B), (0x0232, 0x0233), (0x0237, 0x0237),
    (0x02C7, 0x02C7), (0x02D8, 0x02D9), (0x02DB, 0x02DB), (0x02DD, 0x02DD), (0x0E3F, 0x0E3F),
    (0x1E02, 0x1E03), (0x1E0D, 0x1E0D), (0x1E1E, 0x1E21), (0x1E25, 0x1E25), (0x1E30, 0x1E31),
    (0x1E37, 0x1E37), (0x1E43, 0x1E43), (0x1E45, 0x1E45), (0x1E47, 0x1E47), (0x1E5B, 0x1E5B),
    (0x1E63, 0x1E63), (0x1E6D, 0x1E6D), (0x1E8E, 0x1E91), (0x1E9E, 0x1E9E), (0x1EF2, 0x1EF3),
    (0x200C, 0x200C), (0x2010, 0x2016), (0x2018, 0x201A), (0x201C, 0x201E), (0x2020, 0x2022),
    (0x2030, 0x2031), (0x2039, 0x203B), (0x203D, 0x203D), (0x2044, 0x2044), (0x204E, 0x204E),
    (0x2052, 0x2052), (0x20A1, 0x20A1), (0x20A4, 0x20A4), (0x20A6, 0x20A6), (0x20A9, 0x20A9),
    (0x20AB, 0x20AC), (0x20B1, 0x20B1), (0x2103, 0x2103), (0x2116, 0x2117), (0x211E, 0x211E),
    (0x2120, 0x2120), (0x2122, 0x2122), (0x2126, 0x2127), (0x212E, 0x212E), (0x2190, 0x2193),
    (0x2329, 0x232A), (0x2422, 0x2423), (0x25E6, 0x25E6), (0x25EF, 0x25EF), (0x266A, 0x266A),
    (0x27E8, 0x27E9), (0x3008, 0x3009), (0xFB00, 0xFB06), (0xFEFF, 0xFEFF),
)

#: Defined, but invisible: a soft hyphen, a zero-width non-joiner, a byte order mark.
_INVISIBLE = {0x00AD, 0x200C, 0xFEFF}

SHOWN = frozenset(c for low, high in _RANGES for c in range(low, high + 1)) - _INVISIBLE


#: Letters and signs a title or a note may use that text fonts lack, set as math: the
#: Greek of a course's notation (σ, η, ∂) and the signs of its formulas.
MATH = {
    **{chr(0x03B1 + i): "\\" + name for i, name in enumerate(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho "
        "varsigma sigma tau upsilon phi chi psi omega".split()) if name != "o"},
    "Γ": "\\Gamma", "Δ": "\\Delta", "Θ": "\\Theta", "Λ": "\\Lambda", "Ξ": "\\Xi", "Π": "\\Pi",
    "Σ": "\\Sigma", "Φ": "\\Phi", "Ψ": "\\Psi", "Ω": "\\Omega", "ϕ": "\\phi", "ϵ": "\\epsilon",
    "∂": "\\partial", "∇": "\\nabla", "∑": "\\sum", "∏": "\\prod", "∫": "\\int", "√": "\\surd",
    "∞": "\\infty", "≤": "\\le", "≥": "\\ge", "≠": "\\ne", "≈": "\\approx", "−": "-",
    "∈": "\\in", "∉": "\\notin", "⊙": "\\odot", "⊗": "\\otimes", "∘": "\\circ", "⋅": "\\cdot",
    "↦": "\\mapsto", "⇒": "\\Rightarrow", "′": "'", "ℓ": "\\ell", "ℝ": "\\mathbb{R}",
    **{chr(0x2080 + d): f"_{{{d}}}" for d in range(10)},
    **{ch: f"^{{{d}}}" for d, ch in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
}


def can_show(ch: str) -> bool:
    """True if `ch` prints in our LaTeX documents: printable ASCII, tab and newline
    (escaped where LaTeX gives them a meaning), a character of SHOWN, or one of MATH."""
    code = ord(ch)
    return (32 <= code < 127) or ch in "\n\t" or code in SHOWN or ch in MATH


def split_math(text: str) -> list[tuple[bool, str]] | None:
    """Text with inline math, as (is_math, part) pairs: `$...$` is math, `\\$` a dollar
    sign in the text. None if a `$` opens math that no `$` closes."""
    parts: list[tuple[bool, str]] = []
    plain, math, inside, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if not inside and text.startswith("\\$", i):
            plain.append("$")
            i += 2
            continue
        if ch == "$":
            if inside:
                parts.append((True, "".join(math)))
                math = []
            elif plain:
                parts.append((False, "".join(plain)))
                plain = []
            inside = not inside
        else:
            (math if inside else plain).append(ch)
        i += 1
    if inside:
        return None
    if plain:
        parts.append((False, "".join(plain)))
    return parts


#: Commands of notes' math the terminal writes as a character (beside MATH's, reversed).
_COMMAND_TEXT = {"times": "×", "leq": "≤", "geq": "≥", "neq": "≠", "top": "ᵀ", "to": "→",
                 "ldots": "…", "cdots": "⋯", "quad": " ", "sim": "∼", "mid": "|",
                 "varepsilon": "ε", "vartheta": "ϑ"}


_SUPER_TEXT = str.maketrans("0123456789+-−=()abcdefghijklmnoprstuvwxyzT",
                            "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᵀ")
_SUB_TEXT = str.maketrans("0123456789+-−=()aehijklmnoprstuvx",
                          "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0304",
            "tilde": "\u0303", "widetilde": "\u0303", "vec": "\u20d7", "dot": "\u0307",
            "ddot": "\u0308"}
_FONTS = {"mathbf", "mathrm", "mathit", "mathcal", "boldsymbol", "operatorname", "text"}
_SPACES = {",": " ", ";": " ", ":": " ", "!": "", " ": " "}


def math_as_text(latex: str) -> str:
    """Inline math for the terminal as a reader writes it by hand: \\sigma -> σ,
    \\times -> ×, x^2 -> x², h^{i-1} -> hⁱ⁻¹, \\hat{y} -> ŷ, \\frac{1}{m} -> 1/m,
    \\sqrt{x} -> √x; a script with no Unicode form keeps its ^ or _."""
    text = re.sub(" {2,}", " ", _MathText(latex).read(0, len(latex)))
    return unicodedata.normalize("NFC", text)  # ŷ as one character where Unicode has it


class _MathText:
    def __init__(self, latex: str):
        self.latex = latex
        self.words = {**{v[1:]: k for k, v in MATH.items() if v[1:].isalpha()}, **_COMMAND_TEXT,
                      "prime": "′", "partial": "∂", "nabla": "∇", "cdot": "·", "ell": "ℓ",
                      "infty": "∞", "in": "∈", "le": "≤", "ge": "≥", "ne": "≠", "approx": "≈",
                      "odot": "⊙", "otimes": "⊗", "circ": "∘", "sum": "Σ", "prod": "Π",
                      "log": "log", "exp": "exp", "left": "", "right": "", "leftarrow": "←",
                      "gets": "←", "rightarrow": "→", "tanh": "tanh", "sin": "sin", "cos": "cos",
                      "max": "max", "min": "min", "det": "det"}

    def group(self, i: int) -> tuple[str, int]:
        """The argument at i (a {group} or one character or command), as text, and the index after it."""
        latex = self.latex
        while i < len(latex) and latex[i] == " ":
            i += 1
        if i >= len(latex):
            return "", i
        if latex[i] == "{":
            depth, j = 0, i
            while j < len(latex):
                depth += {"{": 1, "}": -1}.get(latex[j], 0)
                if depth == 0:
                    break
                j += 1
            return self.read(i + 1, j), j + 1
        if latex[i] == "\\":
            return self.command(i)
        return latex[i], i + 1

    def command(self, i: int) -> tuple[str, int]:
        latex = self.latex
        j = i + 1
        while j < len(latex) and latex[j].isalpha():
            j += 1
        if j == i + 1:  # \, \; \\ \{
            ch = latex[j] if j < len(latex) else ""
            return _SPACES.get(ch, ch), j + 1
        name = latex[i + 1:j]
        if name == "frac":
            top, k = self.group(j)
            bottom, k = self.group(k)
            text = f"{_wrapped(top)}/{_wrapped(bottom)}"
            if k < len(latex) and latex[k] not in " )]}=+-,.;":  # (1/m) Σᵢ, not 1/mΣᵢ
                text = f"({text}) "
            return text, k
        if name in ("partial", "nabla"):  # ∂L, not ∂ L
            while j < len(latex) and latex[j] == " ":
                j += 1
            return self.words[name], j
        if name == "sqrt":
            inner, k = self.group(j)
            return "√" + _wrapped(inner), k
        if name in _ACCENTS:
            inner, k = self.group(j)
            return (inner + _ACCENTS[name] if len(inner) == 1 else f"{name}({inner})"), k
        if name in _FONTS:
            return self.group(j)
        return self.words.get(name, latex[i:j]), j

    def read(self, i: int, end: int) -> str:
        out = []
        while i < end:
            ch = self.latex[i]
            if ch in "^_":
                text, i = self.group(i + 1)
                table = _SUPER_TEXT if ch == "^" else _SUB_TEXT
                mapped = text.translate(table)
                if text == "ᵀ" or text == "′":
                    out.append(text)
                elif all(c != m for c, m in zip(text, mapped)) and text:
                    out.append(mapped)
                else:
                    out.append(ch + (text if len(text) == 1 else "{" + text + "}"))
                continue
            if ch == "\\":
                text, i = self.command(i)
                out.append(text)
                continue
            if ch in "{}":
                i += 1
                continue
            out.append("−" if ch == "-" else ch)
            i += 1
        return "".join(out)


def _wrapped(text: str) -> str:
    """A fraction's part or a root's argument, bracketed when it is more than one term."""
    return f"({text})" if any(c in text for c in " +-−") else text
