"""Every example's `--latex` and terminal output, byte for byte against tests/golden/.

After an intended change of output run `make golden` (python -m tests.golden_update)
and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import difflib

import pytest

from backprop_cli.cli import main
from support import GOLDEN, example_paths

EXAMPLES = example_paths()
CASES = [(path, suffix) for path in EXAMPLES for suffix in (".tex", ".txt")]
ARGS = {".tex": ["--latex"], ".txt": ["--no-color"]}
WIDTH = "100"  # must match golden_update.WIDTH
HINT = ("if the change is intended, run `make golden` (python -m tests.golden_update) "
        "and review `git diff tests/golden`")


def explain(expected: bytes, actual: bytes, name: str, limit: int = 80) -> str:
    diff = list(difflib.unified_diff(
        expected.decode("utf-8", "replace").splitlines(keepends=True),
        actual.decode("utf-8", "replace").splitlines(keepends=True),
        fromfile=f"tests/golden/{name}", tofile="backprop output"))
    if not diff:  # same lines: the difference is in line endings or a final newline
        diff = [f"expected {expected[-40:]!r}\n", f"actual   {actual[-40:]!r}\n"]
    shown = "".join(diff[:limit])
    more = f"\n... {len(diff) - limit} more diff lines" if len(diff) > limit else ""
    return f"output differs from tests/golden/{name}; {HINT}\n{shown}{more}"


def test_golden_files_match_the_examples():
    have = {p.name for p in GOLDEN.glob("*") if p.suffix in (".tex", ".txt")}
    want = {path.stem + suffix for path, suffix in CASES}
    assert have == want, (f"missing: {sorted(want - have)}, stale: {sorted(have - want)}; "
                          f"{HINT}")


@pytest.mark.parametrize("path, suffix", CASES,
                         ids=[f"{path.stem}{suffix}" for path, suffix in CASES])
def test_output_matches_golden(runner, path, suffix):
    golden = GOLDEN / (path.stem + suffix)
    if not golden.exists():
        pytest.fail(f"no golden file {golden.name}; {HINT}", pytrace=False)
    result = runner.invoke(main, ["solve", str(path), *ARGS[suffix]],
                           env={"COLUMNS": WIDTH, "NO_COLOR": None})
    assert result.exit_code == 0, result.stderr
    expected = golden.read_bytes()
    if result.stdout_bytes != expected:
        pytest.fail(explain(expected, result.stdout_bytes, golden.name), pytrace=False)
