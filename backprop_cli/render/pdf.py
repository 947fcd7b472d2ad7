"""LaTeX -> PDF with latexmk, locked down: no shell escape, no rc files, no reading or
writing outside the build folder, a time limit, stdin closed, nothing left behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import TexError

TIME_LIMIT = 120  # seconds
COMMAND = ["latexmk", "-pdf", "-norc", "-no-shell-escape", "-halt-on-error",
           "-interaction=nonstopmode", "-file-line-error", "solution.tex"]
#: kpathsea: read and write only in the build folder (no absolute paths, no ..), no \write18.
ENVIRONMENT = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}
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
        returncode, output = _run(COMMAND, folder)
        pdf = Path(folder) / "solution.pdf"
        if returncode != 0 or not pdf.exists():
            log = (Path(folder) / "solution.log")
            detail = _first_error(log.read_text(errors="replace") if log.exists() else output)
            raise TexError(f"LaTeX could not compile the document: {detail}")
        return pdf.read_bytes()


def _run(command: list[str], folder: str) -> tuple[int, str]:
    """Run latexmk in `folder`, locked down; stop it and everything it started (pdflatex)
    when the time is up, so that nothing keeps running or writing into the folder."""
    env = {**os.environ, **ENVIRONMENT}
    process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace", start_new_session=True)
    try:
        output, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        raise TexError(f"the PDF build took longer than {TIME_LIMIT} s and was stopped") from None
    finally:
        if process.poll() is None or _group_alive(process.pid):
            _stop_group(process)
    return process.returncode, output


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError, AttributeError):
        return False
    return True


def _stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)  # latexmk's own session: it and its children
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    if process.returncode is None:
        process.communicate()  # reap it and close the pipe


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line):
            return line.strip()[:300]
    return "see the LaTeX log (run with --format latex and compile it yourself)"
