"""-o PATH as an autograder uses it (as root, in a container): a regular file is replaced
atomically; a device, a FIFO or a link to one is written in place and stays what it was;
a folder is an error before any work. Private stand-ins (a FIFO, a device node, links in
tmp_path) are used, so a regression cannot damage the machine's own /dev/null."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from support import PROBLEMS, ROOT

SPEC = PROBLEMS / "seed000_sparse_sigmoid.yaml"
#: click says an existing folder "is a directory" (-o takes no folder); ours, a name ending
#: in / ("is a folder") or a missing folder ("does not exist")
FOLDER_WORDS = ("is a directory", "is a folder", "does not exist")


def backprop(*args, **kw):
    return subprocess.run([sys.executable, "-m", "backprop_cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kw)


def read_fifo(path: Path, into: list) -> threading.Thread:
    def read():
        with open(path, "rb") as handle:
            into.append(handle.read())
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list = []
    reader = read_fifo(fifo, got)
    result = backprop("solve", SPEC, "-o", fifo)
    reader.join(10)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    assert b"Loss: Div = 0.0061919" in got[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file


def test_a_link_to_a_fifo_stays_a_link(tmp_path):
    fifo, link = tmp_path / "pipe", tmp_path / "out"
    os.mkfifo(fifo)
    link.symlink_to(fifo)
    got: list = []
    reader = read_fifo(fifo, got)
    result = backprop("solve", SPEC, "-f", "json", "-o", link)
    reader.join(10)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)
    assert b'"loss": 0.006191874700767679' in got[0]


def test_a_link_to_standard_output_prints(tmp_path):
    """What -o /dev/stdout is (a link to /proc/self/fd/1): the output arrives on stdout."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    if not Path("/proc/self/fd/1").exists():
        pytest.skip("no /proc here")
    result = backprop("solve", SPEC, "-o", link)
    assert result.returncode == 0, result.stderr
    assert "Loss: Div = 0.0061919" in result.stdout
    assert link.is_symlink()


def test_a_character_device_stays_a_device(tmp_path):
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc.strerror}): needs root")
    result = backprop("solve", SPEC, "-o", null)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode), "the device became a regular file"


def test_a_link_to_a_regular_file_replaces_the_file_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "real.txt", tmp_path / "link.txt"
    target.write_text("old\n")
    link.symlink_to(target)
    result = backprop("solve", SPEC, "-o", link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and "Loss: Div = 0.0061919" in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


@pytest.mark.parametrize("name", ["folder", "folder/", "missing/"])
def test_a_folder_is_an_error_before_any_work(tmp_path, name):
    (tmp_path / "folder").mkdir()
    result = backprop("solve", SPEC, "-o", f"{tmp_path}/{name}")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert any(words in result.stderr for words in FOLDER_WORDS), result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
    assert list((tmp_path / "folder").iterdir()) == []


def test_a_pdf_into_a_folder_fails_before_building(tmp_path):
    """The check comes first: no TeX is run (a missing TeX would be status 3, not 2)."""
    result = backprop("solve", SPEC, "--pdf", "-o", tmp_path)
    assert result.returncode == 2 and any(w in result.stderr for w in FOLDER_WORDS)


def test_derive_checks_its_output_too(tmp_path):
    result = backprop("derive", "x**2", "-o", f"{tmp_path}/new/")
    assert result.returncode == 2 and any(w in result.stderr for w in FOLDER_WORDS)
    assert list(tmp_path.iterdir()) == []
