"""LaTeX -> PDF with latexmk, locked down: no shell escape, no rc files, no reading or
writing outside the build folder, a time limit, stdin closed, nothing left behind."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import TexError

TIME_LIMIT = 120  # seconds
INSTALL_HINT = ("install TeX Live: on Debian or Ubuntu, apt-get install --no-install-recommends "
                "texlive-latex-base texlive-latex-recommended texlive-pictures latexmk")


def tex_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def build_pdf(document: str) -> bytes:
    """Compile a complete LaTeX document; return the PDF's bytes."""
    if not tex_available():
        raise TexError(f"cannot build a PDF: latexmk and pdflatex are not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="backprop-") as folder:
        source = Path(folder) / "solution.tex"
        source.write_text(document, encoding="utf-8")
        env = {**os.environ, "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
        command = ["latexmk", "-pdf", "-norc", "-no-shell-escape", "-halt-on-error",
                   "-interaction=nonstopmode", "-file-line-error", "solution.tex"]
        try:
            result = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            raise TexError(f"the PDF build took longer than {TIME_LIMIT} s and was stopped") from None
        pdf = Path(folder) / "solution.pdf"
        if result.returncode != 0 or not pdf.exists():
            log = (Path(folder) / "solution.log")
            detail = _first_error(log.read_text(errors="replace") if log.exists() else result.stdout)
            raise TexError(f"LaTeX could not compile the document: {detail}")
        return pdf.read_bytes()


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line):
            return line.strip()[:300]
    return "see the LaTeX log (run with --format latex and compile it yourself)"
