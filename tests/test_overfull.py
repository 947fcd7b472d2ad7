"""The overfull-box measurement of tests/overfull.py reads pdflatex's log correctly."""

from __future__ import annotations

import pytest

import overfull
from support import PROBLEMS, require_tex


def test_widths_are_read_from_the_log(tmp_path):
    require_tex()
    body = r"\noindent\hbox to 100pt{\hskip 150pt}\par \noindent\hbox to 300pt{\hskip 312.5pt}\par"
    (tmp_path / "wide.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n")
    assert overfull.compile_widths(tmp_path, "wide") == [50.0, 12.5]


def test_a_document_that_fails_raises(tmp_path):
    require_tex()
    (tmp_path / "broken.tex").write_text("\\documentclass{article}\n\\begin{document}\n\\nosuchmacro\n")
    with pytest.raises(overfull.LatexFailed, match="nosuchmacro|Undefined"):
        overfull.compile_widths(tmp_path, "broken")


def test_wrapper_loads_only_what_readme_promises():
    text = overfull.wrapper("letterpaper")
    assert text.startswith("\\documentclass[letterpaper]{article}")
    assert text.count("\\usepackage") == 2 and "{amsmath}" in text and "{booktabs}" in text
    assert "\\input{fragment}" in text


def test_an_example_gives_all_three_measurements():
    require_tex()
    found = overfull.overfull(PROBLEMS / "seed003_q13a_gradient.yaml")
    assert set(found) == {"document", "letter", "a4"}
    assert all(isinstance(w, float) for widths in found.values() for w in widths)
