"""The characters a LaTeX document shows (texchars.py): every one compiles and prints
itself (T1 and TS1 fonts, utf8 input); anything else is written '?', never a character
that stops pdflatex. Issue 12: a title with « » or þ failed the PDF build with status 3."""

from __future__ import annotations

import json
import subprocess

import pytest

from backprop_cli.pipeline import render, solve_text
from backprop_cli.render.pdf import build_pdf
from backprop_cli.render.tex import escape_tex
from backprop_cli.settings import Settings
from backprop_cli.texchars import SHOWN, can_show
from support import require_pdftotext

#: Every character of SHOWN that is printable (all but the no-break space), 30 a line.
PRINTABLE = "".join(chr(c) for c in sorted(SHOWN) if chr(c).isprintable())
WORDS = [PRINTABLE[k:k + 30] for k in range(0, len(PRINTABLE), 30)]


def test_escape_keeps_what_the_document_shows_and_marks_the_rest():
    assert escape_tex("« þ Ł ő € ™ ß »") == "« þ Ł ő € ™ ß »"
    assert escape_tex("漢字 🙂 x\x00\u200b") == "?? ? x??"
    assert escape_tex("a\u00a0b") == "a\u00a0b"  # inputenc makes it \nobreakspace
    assert not can_show("\u00ad") and not can_show("\ufeff")  # defined, but invisible


def test_shown_holds_latin_1_and_no_control_characters():
    assert all(can_show(chr(c)) for c in range(0xA0, 0x100) if c != 0xAD)
    assert not any(0x80 <= c < 0xA0 or c < 0x20 for c in SHOWN)


@pytest.mark.latex
def test_every_shown_character_compiles_and_prints_itself(tmp_path):
    spec = (f"title: {json.dumps('T1: ' + WORDS[0], ensure_ascii=False)}\n"
            f"notes: {json.dumps(' '.join(WORDS), ensure_ascii=False)}\n"
            "inputs: [x]\nparams: {w: 0.5}\nnodes: {yhat: sigmoid(w*x)}\ndata: [{x: 1}]\n")
    solution = solve_text(spec.encode("utf-8"), "<t1>")
    pdf = build_pdf(render(solution, "latex", Settings()))
    assert pdf.startswith(b"%PDF-")
    require_pdftotext()
    (tmp_path / "t1.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "t1.pdf"), "-"],
                          capture_output=True, text=True, timeout=60, check=True).stdout
    for ch in "«»þÞðŁłőűŒœ€£§¶†‡‰™←→":  # what a student writes in a title, as itself
        assert ch in text, f"{ch!r} ({ord(ch):04X}) is not in the PDF's text"
