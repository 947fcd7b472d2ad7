"""Overfull boxes of an example's LaTeX, as a full document and as an `\\input` fragment.

    overfull(path) -> {"document": [...], "letter": [...], "a4": [...]}

Each list holds the widths in pt of the `Overfull \\hbox` warnings pdflatex writes to its log:
"document" compiles `backprop solve PATH --latex` as it is; "letter" and "a4" compile
`backprop solve PATH --latex --fragment`, `\\input` into a plain `article` with only the
packages README promises a fragment needs (amsmath, booktabs), at the class's default
margins, on US Letter and A4 paper. That is the exam document the fragment is made for, so
a box too wide there is content off an instructor's page. (The article class sets the same
345pt text width on both papers, so "letter" and "a4" agree until a wrapper sets margins.)

From the command line, a table for every example (or the files named):

    .venv/bin/python -m tests.overfull [--view scalar] [problems/NAME.yaml ...]

A document that does not compile raises LatexFailed with the end of its log.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
# What README ("--fragment") says the including document must load; nothing more, so a
# fragment that needs another package fails here instead of in an instructor's exam.
FRAGMENT_PACKAGES = ("amsmath", "booktabs")
PAPERS = {"letter": "letterpaper", "a4": "a4paper"}
OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", re.MULTILINE)
RERUN = re.compile(r"Rerun (LaTeX|to get)|Table widths have changed")
PASSES = 3  # longtable settles its column widths over runs; the last run's log counts
TIMEOUT = 120  # seconds per pdflatex run


class LatexFailed(RuntimeError):
    """pdflatex stopped with an error: the message ends with the log's last lines."""


def wrapper(paper: str) -> str:
    """The plain exam document a fragment is `\\input` into."""
    packages = "".join(f"\\usepackage{{{p}}}\n" for p in FRAGMENT_PACKAGES)
    return (f"\\documentclass[{paper}]{{article}}\n{packages}"
            "\\begin{document}\n\\input{fragment}\n\\end{document}\n")


def backprop_latex(path: Path, *extra: str) -> str:
    """The CLI's LaTeX for one spec (the installed backprop of this interpreter)."""
    command = [sys.executable, "-m", "backprop_cli", "solve", str(path), "--latex", *extra]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def compile_widths(folder: Path, main: str) -> list[float]:
    """Run pdflatex on folder/main.tex until it settles; the widths of its overfull hboxes."""
    env = dict(os.environ, openin_any="p", openout_any="p")
    log = ""
    for _ in range(PASSES):
        done = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
             f"{main}.tex"], cwd=folder, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, timeout=TIMEOUT)
        log_path = folder / f"{main}.log"
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
        if done.returncode != 0:
            tail = "\n".join(log.splitlines()[-25:])
            raise LatexFailed(f"pdflatex failed on {main}.tex:\n{tail}")
        if not RERUN.search(log):
            break
    return [float(w) for w in OVERFULL.findall(log)]


def overfull(path, view: str | None = None) -> dict[str, list[float]]:
    """{"document": widths, "letter": widths, "a4": widths} in pt, for one spec file."""
    path = Path(path)
    extra = ("--view", view) if view else ()
    result = {}
    with tempfile.TemporaryDirectory(prefix="backprop-overfull-") as tmp:
        folder = Path(tmp)
        (folder / "document.tex").write_text(backprop_latex(path, *extra), encoding="utf-8")
        result["document"] = compile_widths(folder, "document")
        (folder / "fragment.tex").write_text(backprop_latex(path, "--fragment", *extra),
                                             encoding="utf-8")
        for name, paper in PAPERS.items():
            (folder / f"{name}.tex").write_text(wrapper(paper), encoding="utf-8")
            result[name] = compile_widths(folder, name)
    return result


def describe(widths: list[float]) -> str:
    """'0', or the count and the widest: '3 (max 41.2pt)'."""
    return f"{len(widths)} (max {max(widths):.1f}pt)" if widths else "0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--view", choices=("matrix", "scalar", "both"))
    args = parser.parse_args(argv)
    paths = args.paths or sorted(PROBLEMS.glob("*.yaml"))
    print(f"| example | document | letter fragment | a4 fragment |\n|---|---|---|---|")
    clean = True
    for path in paths:
        try:
            found = overfull(path, args.view)
        except (LatexFailed, RuntimeError) as error:
            print(f"| {path.stem} | FAILED: {str(error).splitlines()[0]} | | |")
            clean = False
            continue
        clean = clean and not any(found.values())
        print(f"| {path.stem} | " + " | ".join(describe(found[k]) for k in
                                              ("document", "letter", "a4")) + " |", flush=True)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
