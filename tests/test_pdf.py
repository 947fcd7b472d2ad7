"""The PDF build (render/pdf.py) is locked down: the flags and environment it runs latexmk
with, a fresh folder that is gone afterwards (after success, failure or timeout), a time
limit that stops latexmk and the pdflatex it started, and, with real TeX, documents that
try to read a file, write outside the folder or run a command get nowhere.

The first tests use a stand-in `latexmk` (a shell script) and need no TeX; the rest are
marked latex (skipped without TeX, failing instead when BACKPROP_REQUIRE_LATEX=1).
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from backprop_cli.errors import TexError
from backprop_cli.render import pdf
from backprop_cli.render.pdf import build_pdf
from support import require_pdftotext

FLAGS = ["-pdf", "-norc", "-no-shell-escape", "-halt-on-error", "-interaction=nonstopmode"]


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """The folder tempfile uses, so a test can see what a build leaves there."""
    root = tmp_path / "temp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def fake_tex(tmp_path: Path, monkeypatch, latexmk: str) -> Path:
    """Put a stand-in latexmk (this shell script) and pdflatex first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in (("latexmk", latexmk), ("pdflatex", "exit 0")):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


# --- without TeX: what latexmk is given ----------------------------------------------------

def test_latexmk_runs_locked_down_in_a_fresh_folder_that_is_removed(tmp_path, monkeypatch,
                                                                     temp_root):
    record = tmp_path / "record"
    fake_tex(tmp_path, monkeypatch, f"""\
{{ echo "args=$*"; echo "cwd=$(pwd)"; echo "openin_any=$openin_any";
  echo "openout_any=$openout_any"; echo "shell_escape=$shell_escape";
  if read line; then echo "stdin=open"; else echo "stdin=closed"; fi; }} > {record}
printf '%%PDF-1.4 fake' > solution.pdf""")
    assert build_pdf("\\documentclass{article}") == b"%PDF-1.4 fake"
    seen = dict(line.split("=", 1) for line in record.read_text().splitlines())
    args = seen["args"].split()
    assert all(flag in args for flag in FLAGS), args
    assert args[-1] == "solution.tex"
    assert (seen["openin_any"], seen["openout_any"], seen["shell_escape"]) == ("p", "p", "f")
    assert seen["stdin"] == "closed"
    folder = Path(seen["cwd"])
    assert folder.parent == temp_root and folder.name.startswith("backprop-")
    assert not folder.exists(), "the build folder was left behind"
    assert list(temp_root.iterdir()) == []


def test_a_failed_build_leaves_nothing_behind(tmp_path, monkeypatch, temp_root):
    fake_tex(tmp_path, monkeypatch, "echo '! Undefined control sequence.' > solution.log; exit 12")
    with pytest.raises(TexError, match="Undefined control sequence"):
        build_pdf("\\documentclass{article}")
    assert list(temp_root.iterdir()) == []


def test_the_time_limit_stops_latexmk_and_what_it_started(tmp_path, monkeypatch, temp_root):
    # The stand-in starts a "pdflatex" that would run for minutes, as a real one does on
    # \loop\iftrue\repeat; stopping only latexmk would leave it running.
    pids = tmp_path / "pids"
    fake_tex(tmp_path, monkeypatch, f"sleep 300 & echo $! > {pids}; touch started; wait")
    monkeypatch.setattr(pdf, "TIME_LIMIT", 1)
    start = time.monotonic()
    with pytest.raises(TexError, match="longer than 1 s"):
        build_pdf("\\documentclass{article}")
    assert time.monotonic() - start < 30
    child = int(pids.read_text())
    for _ in range(50):  # the kernel may take a moment to reap it
        if not _running(child):
            break
        time.sleep(0.1)
    assert not _running(child), "the process latexmk started is still running"
    assert list(temp_root.iterdir()) == []


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split()[2] == "Z")  # a zombie is done


def test_without_tex_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(TexError, match="apt-get install") as info:
        build_pdf("\\documentclass{article}")
    assert info.value.exit_code == 3


# --- with TeX: hostile documents ---------------------------------------------------------

def document(body: str) -> str:
    return "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    require_pdftotext()
    file = tmp_path / "read.pdf"
    file.write_bytes(data)
    result = subprocess.run(["pdftotext", str(file), "-"], capture_output=True, text=True,
                            timeout=60)
    return result.stdout


@pytest.mark.latex
def test_tex_cannot_read_a_file_outside_the_folder(tmp_path, temp_root):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    body = (f"\\newread\\r \\openin\\r={secret} "
            "\\ifeof\\r NOTREAD\\else \\read\\r to\\x READ:\\x\\fi")
    text = pdf_text(build_pdf(document(body)), tmp_path)
    assert "NOTREAD" in text and "TOPSECRET" not in text
    assert list(temp_root.iterdir()) == []


@pytest.mark.latex
def test_tex_cannot_run_a_command_or_write_outside_the_folder(tmp_path, temp_root):
    marker = tmp_path / "ran"
    escaped = temp_root / "escaped.tex"
    body = (f"\\immediate\\write18{{touch {marker}}}"
            "\\newwrite\\f\\immediate\\openout\\f=../escaped.tex"
            "\\immediate\\write\\f{x}\\immediate\\closeout\\f done")
    with pytest.raises(TexError, match="can't write"):
        build_pdf(document(body))
    assert not marker.exists(), "\\write18 ran a command"
    assert not escaped.exists(), "TeX wrote outside its folder"
    assert list(temp_root.iterdir()) == []


@pytest.mark.latex
def test_a_document_that_never_ends_is_stopped(monkeypatch, temp_root):
    monkeypatch.setattr(pdf, "TIME_LIMIT", 3)
    start = time.monotonic()
    with pytest.raises(TexError, match="longer than 3 s"):
        build_pdf(document("\\loop\\iftrue\\repeat"))
    assert time.monotonic() - start < 60
    assert list(temp_root.iterdir()) == []
