"""Rewrite the golden files after an intended change of output; then review `git diff`.

    python -m tests.golden_update      (what `make golden` runs)
    python tests/golden_update.py      (the same)

For every example problems/NAME.yaml it writes tests/golden/NAME.tex (the `--latex`
output at the default digits) and tests/golden/NAME.txt (the terminal output without
colour, WIDTH columns wide). Golden files of examples that no longer exist are removed.
Only backprop_cli's own API is used, so this runs without pytest.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:  # `python tests/golden_update.py` from anywhere
    sys.path.insert(0, str(ROOT))

from backprop_cli.cli import solve as solve_command  # noqa: E402
from backprop_cli.pipeline import render, solve_text  # noqa: E402
from backprop_cli.settings import Settings  # noqa: E402

PROBLEMS = ROOT / "problems"
GOLDEN = HERE / "golden"
WIDTH = 100  # the terminal width the text goldens are rendered at (COLUMNS=100)
KINDS = {".tex": "latex", ".txt": "text"}


def default_digits() -> int:
    """The `--digits` default of `backprop solve`."""
    return next(p.default for p in solve_command.params if p.name == "digits")


def expected_outputs(path: Path) -> dict[str, str]:
    """{'.tex': ..., '.txt': ...} for one example, as the CLI prints them by default."""
    solution = solve_text(path.read_bytes(), str(path.relative_to(ROOT)))
    settings = Settings(digits=default_digits(), color=False, width=WIDTH)
    return {suffix: render(solution, fmt, settings) for suffix, fmt in KINDS.items()}


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    wanted = set()
    for path in sorted(PROBLEMS.glob("*.yaml")):
        for suffix, text in expected_outputs(path).items():
            target = GOLDEN / (path.stem + suffix)
            wanted.add(target)
            data = text.encode("utf-8")
            if target.exists() and target.read_bytes() == data:
                continue
            target.write_bytes(data)
            print(f"wrote {target.relative_to(ROOT)}")
    for stale in sorted(set(GOLDEN.glob("*.tex")) | set(GOLDEN.glob("*.txt"))):
        if stale not in wanted:
            stale.unlink()
            print(f"removed {stale.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
