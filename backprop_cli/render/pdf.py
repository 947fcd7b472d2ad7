"""LaTeX -> PDF with latexmk, locked down: no shell escape, no rc files, no reading or
writing outside the build folder, a time limit, stdin closed, nothing left behind.

latexmk runs in the caller's process group, so whoever stops that group (a grader's
`timeout`, a kill of the job) stops the build too. When this process is told to stop
(SIGTERM, SIGHUP, SIGINT) or the time is up, latexmk and everything it started (pdflatex,
the shell between them) are stopped as one tree, the build folder is removed, and the
signal is reported as `Interrupted`, which the command line turns into status 128 + n.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import TexError
from ..signals import stop_on_signals

TIME_LIMIT = 120  # seconds
COMMAND = ["latexmk", "-pdf", "-norc", "-no-shell-escape", "-halt-on-error",
           "-interaction=nonstopmode", "-file-line-error", "solution.tex"]
#: kpathsea: read and write only in the build folder (no absolute paths, no ..), no \write18.
ENVIRONMENT = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}
INSTALL_HINT = ("install TeX Live: on Debian or Ubuntu, apt-get install --no-install-recommends "
                "texlive-latex-base texlive-latex-recommended texlive-pictures lmodern latexmk")


def tex_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


#: pdfTeX's dates and /ID from a fixed time (the environment's SOURCE_DATE_EPOCH, else
#: 2026-01-01): the same document, the same bytes (a course kit's booklets)
REPRODUCIBLE = {"SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "1767225600"),
                "FORCE_SOURCE_DATE": "1"}


def build_pdf(document: str, reproducible: bool = False) -> bytes:
    """Compile a complete LaTeX document; return the PDF's bytes (with `reproducible`, the
    same bytes for the same document)."""
    if not tex_available():
        raise TexError(f"cannot build a PDF: latexmk and pdflatex are not installed; {INSTALL_HINT}")
    with stop_on_signals(), tempfile.TemporaryDirectory(prefix="backprop-") as folder:
        source = Path(folder) / "solution.tex"
        source.write_text(document, encoding="utf-8")
        returncode, output = _run(COMMAND, folder, REPRODUCIBLE if reproducible else {})
        pdf = Path(folder) / "solution.pdf"
        if returncode != 0 or not pdf.exists():
            log = (Path(folder) / "solution.log")
            detail = _first_error(log.read_text(errors="replace") if log.exists() else output)
            raise TexError(f"LaTeX could not compile the document: {detail}")
        return pdf.read_bytes()


def _run(command: list[str], folder: str, extra: dict | None = None) -> tuple[int, str]:
    """Run latexmk in `folder`, locked down; stop it and everything it started (pdflatex)
    when the time is up or a signal arrives, so that nothing keeps running or writing
    into the folder."""
    env = {**os.environ, **ENVIRONMENT, **(extra or {})}
    process = subprocess.Popen(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace")
    try:
        output, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        raise TexError(f"the PDF build took longer than {TIME_LIMIT} s and was stopped") from None
    finally:
        _stop_tree(process)
    return process.returncode, output


def _stop_tree(process: subprocess.Popen) -> None:
    """Stop latexmk and all its descendants: first each is paused (SIGSTOP), repeatedly,
    until no new one appears, so none can start another or leave an orphan; then all are
    killed, and latexmk is reaped."""
    if process.poll() is None or _children(process.pid):
        found: set = set()
        for _ in range(50):
            new = _tree(process.pid) - found
            if not new:
                break
            for pid in new:
                _signal(pid, signal.SIGSTOP)
            found |= new
        for pid in found | {process.pid}:
            _signal(pid, signal.SIGKILL)
    if process.returncode is None:
        process.communicate()  # reap it and close the pipe


def _tree(root: int) -> set:
    """`root` and its descendants, from /proc (Linux); just `root` where there is none."""
    parents: dict = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {root}
    for entry in entries:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo.extend(parents.get(pid, ()))
    return tree


def _children(pid: int) -> bool:
    return len(_tree(pid)) > 1


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _first_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line):
            return line.strip()[:300]
    return "see the LaTeX log (run with --format latex and compile it yourself)"
