"""Any locale and closed standard streams (issue 12): an ISO-8859-1 or ASCII locale prints
UTF-8 instead of ending in an encoding error; a closed stdin or stdout is one message
with status 2; a closed stderr swallows the message but keeps the status."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import PROBLEMS, ROOT

SPEC = PROBLEMS / "seed000_sparse_sigmoid.yaml"


def backprop(*args, close=(), env=None, **kw):
    def closing():
        for fd in close:
            os.close(fd)
    return subprocess.run([sys.executable, "-m", "backprop_cli", *map(str, args)], cwd=ROOT,
                          capture_output=not close or 1 not in close and 2 not in close,
                          env={**os.environ, **(env or {})}, preexec_fn=closing,
                          timeout=120, **kw)


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_a_locale_that_cannot_write_the_math_gets_utf8(encoding):
    result = backprop("solve", SPEC, env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    assert " = σ(h₁w₅ + h₂w₆)" in result.stdout.decode("utf-8")
    result = backprop("solve", "no_such_∂.yaml", env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 2
    assert result.stderr.decode("utf-8") == "error: no such file: no_such_∂.yaml\n"


def test_a_closed_stdin_is_an_input_error():
    result = backprop("solve", "-", close=(0,))
    assert result.returncode == 2
    assert result.stderr == b"error: standard input is closed; give the problem's file instead of -\n"


def test_a_closed_stdout_is_an_input_error_and_a_file_still_works(tmp_path):
    read, write = os.pipe()  # stderr, read back: stdout is closed, stderr is not
    result = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", str(SPEC)],
                            cwd=ROOT, stderr=write, preexec_fn=lambda: os.close(1), timeout=120)
    os.close(write)
    message = os.read(read, 10_000)
    os.close(read)
    assert result.returncode == 2
    assert message == b"error: standard output is closed; write the result to a file with -o FILE\n"
    out = tmp_path / "key.txt"
    result = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", str(SPEC), "-o", str(out)],
                            cwd=ROOT, preexec_fn=lambda: os.close(1), timeout=120)
    assert result.returncode == 0 and "Loss: Div = 0.0061919" in out.read_text()


def test_a_closed_stderr_keeps_the_status():
    result = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", "no_such.yaml"],
                            cwd=ROOT, stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2),
                            timeout=120)
    assert result.returncode == 2 and result.stdout == b""
