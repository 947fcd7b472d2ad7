"""The characters a LaTeX document of ours can show beyond ASCII: those `\\usepackage[utf8]
{inputenc}` defines for the encodings the document loads (T1 for text, TS1 for symbols,
OT1 and OMS, LaTeX's defaults), from TeX Live's t1enc.dfu, ts1enc.dfu, ot1enc.dfu and
omsenc.dfu. Any other character (CJK, emoji, most of Greek and Cyrillic as text) stops
pdflatex with "Unicode character ... not set up for use with LaTeX".

One table, with no imports, so that the spec reader (to refuse what cannot be shown, at
read time, naming the field) and the LaTeX renderer (to escape what it writes) agree.
"""

from __future__ import annotations

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


def math_as_text(latex: str) -> str:
    """Inline math for the terminal, as written but for its letters and signs: \\sigma -> σ,
    \\times -> ×; the rest (h^{i-1}) as it is."""
    greek = {**{v[1:]: k for k, v in MATH.items() if v[1:].isalpha()}, **_COMMAND_TEXT}
    out, i = [], 0
    while i < len(latex):
        if latex[i] == "\\":
            j = i + 1
            while j < len(latex) and latex[j].isalpha():
                j += 1
            name = latex[i + 1:j]
            if name in greek:
                out.append(greek[name])
                i = j
                continue
        out.append(latex[i])
        i += 1
    return "".join(out)
