"""'did you mean ...?': the closest known word to a misspelt one.

difflib alone finds nothing for short words (`w3` for `w2`, `x` for `x1`) or for a change
of case (`ReLU` for `relu`), which are the typos people make in formulas; an edit distance
that counts a swap of two letters as one edit does.
"""

from __future__ import annotations

import difflib
import unicodedata


def did_you_mean(word: str, candidates) -> str:
    """"; did you mean 'sigmoid'?" (or "'w1' or 'w2'"), or "" when nothing is close."""
    close = closest(word, candidates)
    if not close:
        return ""
    return "; did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def closest(word: str, candidates, most: int = 3) -> list[str]:
    """The candidates nearest to `word` (all those tied, up to `most`), best first."""
    word = str(word)
    candidates = [str(c) for c in dict.fromkeys(candidates) if str(c) != word]
    if not word or not candidates or len(word) > 100:
        return []
    same_case = [c for c in candidates if c.lower() == word.lower()]
    if same_case:
        return same_case[:most]
    allowed = 1 if len(word) <= 4 else 2
    scored = []
    for c in candidates:
        if abs(len(c) - len(word)) > allowed or not set(c.lower()) & set(word.lower()):
            continue
        distance = edit_distance(word.lower(), c.lower())
        if distance <= allowed:
            scored.append((distance, c))
    if scored:
        best = min(d for d, _ in scored)
        return [c for d, c in scored if d == best][:most]
    return difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours, each one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def foreign(word: str) -> str:
    """" (its 'а' is CYRILLIC SMALL LETTER A, not a Latin letter)" for the first letter of
    `word` outside ASCII, which usually looks like a Latin one (pasted from a PDF, or typed
    on another keyboard layout), or "" when there is none."""
    for ch in str(word):
        if ord(ch) > 127 and (ch.isalpha() or ch.isdigit()):
            return f" (its '{ch}' is {character_name(ch)}, not a Latin letter: retype it)"
    return ""


def character_name(ch: str) -> str:
    """'NO-BREAK SPACE (U+00A0)': how a message names a character one cannot see."""
    return f"{unicodedata.name(ch, 'an unnamed character')} (U+{ord(ch):04X})"
