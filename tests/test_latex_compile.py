"""The LaTeX output compiles: every example as a whole document (with backprop's own PDF
builder) and as a --fragment \\input into a minimal document; user text with LaTeX
specials prints literally and cannot read files.

Needs TeX Live (skipped without it, failing instead when BACKPROP_REQUIRE_LATEX=1); the
checks of the PDF's text also need pdftotext (poppler-utils) and are separate tests.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
import sympy as sp
import yaml

from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from backprop_cli.render.pdf import build_pdf
from support import by_hand, example_paths, require_pdftotext

EXAMPLES = example_paths()
IDS = [p.stem for p in EXAMPLES]

MINIMAL = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{booktabs}
\begin{document}
\input{fragment}
\end{document}
"""


def latex_of(path: Path, fragment: bool = False) -> str:
    solution = solve_text(path.read_bytes(), str(path))
    return render(solution, "latex", Settings(fragment=fragment))


def expected_loss(path: Path) -> str | None:
    """The loss as the PDF shows it at 5 significant digits ('symbolic' if it is not a number).

    A calculus example (function:) has no loss: its last derivative at the point, if any.
    A layered general derivation has none either: its heading, at least."""
    solution = solve_text(path.read_bytes(), str(path))
    if getattr(solution, "kind", "graph") == "calculus":
        if solution.point is None:
            return None
        return f"{abs(float(solution.point.matrix[-1][-1])):.5g}"  # no sign: pdftotext writes −
    if getattr(solution, "kind", "graph") == "network":
        if solution.scalar is None or not solution.scalar.first.loss.is_number:
            return "Backward pass"
        loss = solution.scalar.first.loss
    else:
        loss = solution.first.loss
    if not loss.is_number:
        return "symbolic"  # the parameter table says so
    shown = by_hand(str(abs(sp.Float(loss, 30))))  # no sign: pdftotext writes −
    assert "E" not in shown and abs(Decimal(shown)) >= Decimal("1e-4"), \
        "extend expected_loss for a loss printed with a power of ten"
    return shown


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    require_pdftotext()
    file = tmp_path / "read.pdf"
    file.write_bytes(pdf)
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(file), "-"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def compile_fragment(fragment: str, folder: Path) -> bytes:
    """\\input the fragment into MINIMAL and run pdflatex on it, as a user would."""
    (folder / "fragment.tex").write_text(fragment, encoding="utf-8")
    (folder / "main.tex").write_text(MINIMAL, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
         "-file-line-error", "main.tex"],
        cwd=folder, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    errors = [line for line in result.stdout.splitlines()
              if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line)]
    assert result.returncode == 0 and (folder / "main.pdf").exists(), \
        f"the fragment did not compile: {errors[:5] or result.stdout[-2000:]}"
    return (folder / "main.pdf").read_bytes()


class Builds:
    """PDFs built once per module: the tests that read their text reuse them."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.documents: dict[str, bytes] = {}
        self.fragments: dict[str, bytes] = {}
        self.specials: bytes | None = None

    def document(self, path: Path) -> bytes:
        if path.stem not in self.documents:
            self.documents[path.stem] = build_pdf(latex_of(path))
        return self.documents[path.stem]

    def fragment(self, path: Path) -> bytes:
        if path.stem not in self.fragments:
            folder = self.folder / path.stem
            folder.mkdir()
            self.fragments[path.stem] = compile_fragment(latex_of(path, fragment=True), folder)
        return self.fragments[path.stem]

    def special(self) -> bytes:
        if self.specials is None:
            self.specials = build_pdf(special_latex())
        return self.specials


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> Builds:
    return Builds(tmp_path_factory.mktemp("fragments"))


@pytest.mark.latex
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_document_compiles(builds, path):
    pdf = builds.document(path)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


@pytest.mark.latex
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_document_shows_title_and_loss(builds, path, tmp_path):
    text = pdf_text(builds.document(path), tmp_path)
    flat = " ".join(text.split())
    title = yaml.safe_load(path.read_text(encoding="utf-8"))["title"]
    assert " ".join(title.split()) in flat.replace("’", "'")  # T1 sets ' as a closing quote
    expected = expected_loss(path)
    assert expected is None or expected in flat


@pytest.mark.latex
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_fragment_compiles_in_a_minimal_document(builds, path):
    assert builds.fragment(path).startswith(b"%PDF-")


@pytest.mark.latex
@pytest.mark.parametrize("path", EXAMPLES, ids=IDS)
def test_fragment_shows_the_loss(builds, path, tmp_path):
    text = pdf_text(builds.fragment(path), tmp_path)
    expected = expected_loss(path)
    assert expected is None or expected in " ".join(text.split())


def test_fragment_is_only_a_body():
    fragment = latex_of(EXAMPLES[0], fragment=True)
    for command in ("\\documentclass", "\\usepackage", "\\begin{document}", "\\end{document}"):
        assert command not in fragment


# -- user text with LaTeX specials ----------------------------------------------------------

SPECIAL_TITLE = "50% of $x & y_1 #1 \\input{/etc/passwd} ~ ^"
SPECIAL_NOTES = "Braces {a} <b> |c| back\\slash \\def\\x{1} caf\u00e9 \\include{/etc/hostname}"

SPECIAL_SPEC = """\
title: "50% of $x & y_1 #1 \\\\input{/etc/passwd} ~ ^"
notes: 'Braces {a} <b> |c| back\\slash \\def\\x{1} caf\u00e9 \\include{/etc/hostname}'
inputs: [x]
targets: [y]
params: {w: 0.5}
nodes:
  yhat: w*x
loss: squared_error
data:
  - {x: 2, y: 3}
"""


def special_latex() -> str:
    solution = solve_text(SPECIAL_SPEC, "<special>")
    assert solution.graph.title == SPECIAL_TITLE  # the YAML above says what we mean
    assert solution.graph.notes == SPECIAL_NOTES
    return render(solution, "latex", Settings())


def test_specials_are_escaped_in_the_latex():
    document = special_latex()
    assert "\\input{/etc/passwd}" not in document
    assert "\\include{/etc/hostname}" not in document
    assert "\\def\\x" not in document
    assert "50\\% of \\$x \\& y\\_1 \\#1" in document


@pytest.mark.latex
def test_specials_compile(builds):
    assert builds.special().startswith(b"%PDF-")


@pytest.mark.latex
def test_specials_print_literally(builds, tmp_path):
    text = pdf_text(builds.special(), tmp_path)
    # With OT1 fonts pdftotext reads ~ and ^ as the spacing accents U+02DC and U+02C6, é as
    # e + a combining accent, and \_ (drawn as a rule) as a space; T1 fonts would give the
    # characters themselves.
    text = unicodedata.normalize("NFC", text)
    flat = " ".join(text.replace("\u02dc", "~").replace("\u02c6", "^").split())
    assert re.search(r"50% of \$x & y[ _]?1 #1 \\input\{/etc/passwd\} ~ \^", flat), flat[:300]
    assert "Braces {a} <b> |c| back\\slash \\def\\x{1} caf\u00e9 \\include{/etc/hostname}" in flat
    passwd = Path("/etc/passwd")
    if passwd.exists():
        first = passwd.read_text(errors="replace").splitlines()[0]
        assert first not in text
    assert "root:" not in text
