"""The corpus of bad and hostile specs, tests/bad/<form>/*.yaml, run through the CLI.

Each file is one case, and its first line says what must happen:

    # expect: status=2 field=params.w1 line=5 message~=is not a finite number

- status: the exit status (2 for bad input; 0 for a valid spec with hostile text in it,
  like LaTeX in the title, which must be solved and printed literally);
- field: the field path the message names, or '-' where there is none (a file that is
  not YAML, not UTF-8, or not a mapping);
- line: the line the message names (optional);
- via=subprocess: also run as a separate process under a time limit (the bombs: a case
  that hangs must fail, not stop the suite);
- message~=: a phrase the message must contain (the rest of the line): the part of the
  message only this case produces (the whole message after the field, where it is short),
  with what to write instead, so that a weaker message or another case's does not pass;
- output~=: for status=0, a phrase the terminal output must show literally.

Every bad case is run three ways (text on stdout, JSON over an existing file, LaTeX to a
new file): one line on stderr naming the file, field and line; nothing on stdout; no
traceback; no file created; the existing file untouched. The forms are graph/ (nodes:),
network/ (the layered form) and function/ (the calculus form); a new form's folder is
picked up by itself (add it to FORMS to require its 30 cases).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from backprop_cli.cli import main
from support import ROOT

CORPUS = Path(__file__).resolve().parent / "bad"
CASES = sorted(CORPUS.glob("*/*.yaml"))
IDS = [f"{p.parent.name}/{p.stem}" for p in CASES]
#: The spec forms, each with its folder of cases: graph (nodes:), layered (network:), calculus.
FORMS = ("graph", "network", "function")

#: Hostile cases try to create this file (os.system, \write18); it must never appear.
MARKER = Path("/tmp/backprop-hostile-marker")
#: A single run slower than this is a bug even on a slow machine (most take 0.05 s).
SLOW = 10.0
#: LaTeX that must never reach the output unescaped, whatever the spec says.
RAW_TEX = ["\\input{/", "\\include{/", "\\write18", "\\immediate", "\\catcode", "\\openout",
           "\\openin", "\\def\\", "^^5c"]


@dataclass(frozen=True)
class Expect:
    status: int
    field: str | None
    line: int | None
    message: str | None
    output: str | None
    subprocess: bool


def expectation(path: Path) -> Expect:
    return parse_expectation(path.read_bytes().split(b"\n", 1)[0].decode("utf-8"), path.name)


def parse_expectation(first: str, name: str) -> Expect:
    path = Path(name)
    match = re.fullmatch(r"# expect: (.*)", first)
    assert match, f"{path.name}: the first line must be '# expect: ...'"
    text = match.group(1)
    phrases = {}
    for key in ("message", "output"):
        if f"{key}~=" in text:
            text, phrases[key] = text.split(f" {key}~=", 1)
    keys = dict(item.split("=", 1) for item in text.split())
    unknown = set(keys) - {"status", "field", "line", "via"}
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    status = int(keys["status"])
    assert status == 0 or phrases.get("message"), f"{path.name}: a bad case needs message~="
    return Expect(status=status,
                  field=None if keys.get("field", "-") == "-" else keys["field"],
                  line=int(keys["line"]) if "line" in keys else None,
                  message=phrases.get("message"), output=phrases.get("output"),
                  subprocess=keys.get("via") == "subprocess")


#: Cases too large to keep as files, made when the test runs: name -> (expect line, bytes).
GENERATED = {
    "oversized-file": ("# expect: status=2 field=- message~=the limit is 1000000",
                       lambda: b"title: big\n" + b"# padding\n" * 100_001),
    "integer-of-100000-digits": ("# expect: status=2 field=params.w line=4 message~=has 100000 digits",
                                 lambda: b"inputs: [x]\nparams:\n  w: 1" + b"0" * 99_999
                                 + b"\nnodes: {yhat: w*x}\n"),
}


def solve(runner, *args, stdin: bytes | None = None):
    start = time.process_time()  # CPU time: a loaded machine does not make it flake
    result = runner.invoke(main, ["solve", *map(str, args)], env={"COLUMNS": "100"},
                           catch_exceptions=False, input=stdin)
    elapsed = time.process_time() - start
    assert elapsed < SLOW, f"backprop solve {' '.join(map(str, args))} took {elapsed:.1f} s"
    return result.exit_code, result.stdout, result.stderr


def assert_one_message(status: int, stdout: str, stderr: str, spec: Path | str,
                       expect: Expect, mode: str) -> None:
    where = f"[{mode}] {stderr!r}"
    assert status == expect.status, f"exit status {status}, expected {expect.status}: {where}"
    assert stdout == "", f"[{mode}] something was written to stdout: {stdout[:200]!r}"
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), f"not exactly one line: {where}"
    assert "Traceback" not in stderr and 'File "' not in stderr, where
    assert stderr.startswith(f"error: {spec}"), f"the message does not name the file: {where}"
    if expect.field is not None:
        assert f"in {expect.field}: " in stderr, f"the message does not name {expect.field}: {where}"
    if expect.line is not None:
        assert re.match(rf"error: {re.escape(str(spec))}, line {expect.line}\b", stderr), \
            f"the message does not name line {expect.line}: {where}"
    assert expect.message in stderr, f"the message lacks {expect.message!r}: {where}"


@pytest.fixture(autouse=True)
def no_marker():
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), f"a hostile spec created {MARKER}: code ran"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(runner, tmp_path, case):
    expect = expectation(case)
    spec = tmp_path / case.name
    spec.write_bytes(case.read_bytes())
    if expect.status != 0:
        check_refused(runner, tmp_path, spec, expect)
    else:
        check_solved_literally(runner, tmp_path, spec, expect)


@pytest.mark.parametrize("name", GENERATED)
def test_generated_case(runner, tmp_path, name):
    first, make = GENERATED[name]
    expect = parse_expectation(first, name)
    spec = tmp_path / f"{name}.yaml"
    spec.write_bytes(first.encode() + b"\n" + make())
    check_refused(runner, tmp_path, spec, expect)


def check_refused(runner, tmp_path: Path, spec: Path, expect: Expect) -> None:
    status, stdout, stderr = solve(runner, spec)
    assert_one_message(status, stdout, stderr, spec, expect, "text")

    existing = tmp_path / "answer.json"
    existing.write_text("keep me\n")
    status, stdout, stderr = solve(runner, spec, "--format", "json", "-o", existing)
    assert_one_message(status, stdout, stderr, spec, expect, "json -o existing")
    assert existing.read_text() == "keep me\n", "an existing output file was changed"

    new = tmp_path / "answer.tex"
    status, stdout, stderr = solve(runner, spec, "--latex", "-o", new)
    assert_one_message(status, stdout, stderr, spec, expect, "latex -o new")
    assert not new.exists(), "an output file was created for a bad spec"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([spec.name, existing.name]), \
        "a temporary file was left behind"

    status, stdout, stderr = solve(runner, "-", stdin=spec.read_bytes())
    assert_one_message(status, stdout, stderr, "<stdin>", expect, "stdin")


def check_solved_literally(runner, tmp_path: Path, spec: Path, expect: Expect) -> None:
    status, stdout, stderr = solve(runner, spec)
    assert status == 0, stderr
    if expect.output is not None:
        assert expect.output in stdout, f"the text output does not show {expect.output!r}"
    status, stdout, _ = solve(runner, spec, "--format", "json")
    assert status == 0
    json.loads(stdout)
    out = tmp_path / "answer.tex"
    status, stdout, stderr = solve(runner, spec, "--latex", "-o", out)
    assert status == 0, stderr
    document = out.read_text(encoding="utf-8")
    for raw in RAW_TEX:
        assert raw not in document, f"{raw!r} reached the LaTeX unescaped"


SUBPROCESS_CASES = [(c, i) for c, i in zip(CASES, IDS) if expectation(c).subprocess]


@pytest.mark.parametrize("case", [c for c, _ in SUBPROCESS_CASES],
                         ids=[i for _, i in SUBPROCESS_CASES])
def test_case_as_a_process(tmp_path, case):
    """The bombs as the autograder runs them: a process that must end, quickly, by itself."""
    expect = expectation(case)
    spec = tmp_path / case.name
    spec.write_bytes(case.read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    try:
        result = subprocess.run([sys.executable, "-m", "backprop_cli", "solve", str(spec)],
                                cwd=tmp_path, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case.name}: still running after 60 s")
    assert_one_message(result.returncode, result.stdout, result.stderr, spec, expect, "process")


def test_the_corpus_is_large_enough():
    assert len(CASES) + len(GENERATED) >= 60
    per_form = {form: sum(p.parent.name == form for p in CASES) for form in FORMS}
    assert all(count >= 30 for count in per_form.values()), per_form
    assert len(SUBPROCESS_CASES) >= 5


#: `backprop derive` with bad arguments: (arguments, the option named, a phrase).
DERIVE_BAD = [
    (["x**2", "--at", "x=abc"], "--at x", "write one like 0.5"),
    (["x**2", "--at", "x"], "--at", "is not NAME=VALUE (write x=1,y=2)"),
    (["x*y", "--at", "x=1"], "--at", "missing: y"),
    (["x**2", "--at", "x=1e999999999"], "--at x", "numbers must be between 1e-300 and 1e300"),
    (["x**2", "--at", "x=nan"], "--at x", "is not a number"),
    (["x**2", "--wrt", "z"], "--wrt", "'z' does not appear in any formula"),
    (["x**2", "--lr", "fast"], "--lr", "is not a number"),
    (["x**2", "--define", "y"], "--define", "write NAME=FORMULA"),
    (["x**2", "--define", "x=x"], "--define x", "defined in terms of itself"),
    (["__import__('os').system('touch /tmp/backprop-hostile-marker')"], "FORMULA",
     "attribute access"),
    (["9**9**9*x"], "FORMULA", "too large: use a power of at most 64"),
    (["exp(exp(exp(x)))", "--at", "x=10"], "--at", "use smaller values"),
    # The spec's words become the options': "at:" is "--at" when the point was typed.
    (["1/(x - 1)", "--at", "x=1"], "--at", "choose values in --at where it is defined"),
    (["sqrt(x)", "--at", "x=-1"], "--at", "is not real; choose values in --at where"),
    (["x**2", "--define", "x=t", "--at", "x=1"], "--at x",
     "'x' is an inner function (--define); its value follows from the variables: remove it "
     "from --at and give values for t"),
    (["x**2", "--define", "x=t", "--wrt", "x"], "--wrt", "'x' is an inner function (--define)"),
    (["x*y", "--at", "x=1"], "--at", "missing: y (add y=1 to --at)"),
    (["x", "--define", "x=x"], "--define x", "like --define x=t**2"),
    (["x**2", "y"], None, None),  # a Jacobian is fine; with --lr it is not:
    (["x**2", "y", "--lr", "0.1"], "--lr", "leave --lr out, or differentiate one function"),
    (["x", "--at", "x=1,x=2"], "--at x", "'x' is given twice (x=1 and x=2); give each name once"),
    (["x", "--define", "y=t", "--define", "y=u"], "--define y", "'y' is given twice"),
    (["x", "--at", "x=1,z=2"], "--at z", "remove it, or check its spelling"),
    (["x**2", "--wrt", "x,x"], "--wrt", "'x' is listed twice; list each variable once"),
    (["x**2", "--wrt", ""], "--wrt", "needs variable names separated by commas, like --wrt x,y"),
    (["x**2", "--digits", "99"], None, "--help shows the options"),
    (["x**2", "--bogus"], None, "No such option '--bogus'"),
    # A single-valued option given twice: click would keep the last one without a word.
    (["x*y", "--wrt", "x", "--wrt", "y"], None, "--wrt is given twice; give it once, listing "
                                                "the variables with commas, like --wrt x,y"),
    (["x*y", "--wrt=x", "--wrt=y"], None, "--wrt is given twice"),
    (["x*y", "--at", "x=1", "--at", "y=2"], None, "--at is given twice; give it once, with "
                                                  "every value, like --at x=1,y=2"),
    (["x**2", "--lr", "0.1", "--lr", "0.2"], None, "--lr is given twice; give it once"),
    (["x**2", "--title", "a", "--title", "b"], None, "--title is given twice; give it once"),
    (["x**2", "-d", "3", "--digits", "4"], None, "-d/--digits is given twice; give it once"),
    (["x**2", "-f", "json", "--format", "text"], None, "-f/--format is given twice"),
    (["x**2", "-o", "a.txt", "-o", "b.txt"], None, "-o/--output is given twice; give it once"),
    ([], None, "Missing argument 'FORMULA...'"),
]


@pytest.mark.parametrize("args,option,phrase", DERIVE_BAD, ids=[" ".join(a)[:40] or "none"
                                                                 for a, _, _ in DERIVE_BAD])
def test_derive_bad_arguments(runner, tmp_path, args, option, phrase):
    """The command-line form: one line naming the option, status 2, nothing written."""
    out = tmp_path / "key.tex"
    for extra in ([], ["--latex", "-o", str(out)]):
        start = time.process_time()
        result = runner.invoke(main, ["derive", *args, *extra], catch_exceptions=False)
        assert time.process_time() - start < SLOW
        where = repr(result.stderr)
        if phrase is None:  # a valid command among the bad ones, to show the line between
            assert result.exit_code == 0, where
            continue
        assert result.exit_code == 2, where
        assert result.stdout == "", result.stdout[:200]
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), where
        assert "Traceback" not in result.stderr, where
        if option is not None:
            assert result.stderr.startswith(f"error: in {option}: "), where
        assert phrase in result.stderr, where
        # The command line has options, not YAML fields: no "at:", "define:" or "wrt:".
        assert not re.search(r"(?<![-\w])(at|define|wrt|update|lr):(\s|$)", result.stderr), where
        assert not out.exists()


def test_every_case_has_a_readable_expectation():
    for case in CASES:
        expect = expectation(case)
        assert expect.status in (0, 2), case.name
        assert expect.status == 2 or expect.field is None, f"{case.name}: field= for a valid spec"
