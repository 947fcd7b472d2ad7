"""`make bench`: how long backprop takes, whole process, next to a PyTorch script doing the
same job, and how that grows with the network. Prints tables; times nothing in-process.

    python tests/benchmarks/run.py [--runs N] [--quick] [--timeout S]

(a) every example in problems/ as text, JSON and LaTeX, median of N runs, next to
    torch_reference.py on the same YAML (or `python -c "import sympy"` where torch is
    missing or the problem is symbolic or a calculus problem), with the ratio;
(b) layered networks of about 10 to 20,000 weights (JSON): time, peak memory and the
    fitted exponent of time against weights (least squares on log-log);
(c) the PDF of the largest example: our part (LaTeX out) and TeX's part (latexmk);
(d) `backprop --help` / `--version`, and whether they import SymPy;
(e) `backprop check` on the seeds' hand answers (target < 0.5 s), next to `solve`.
(f) a course kit: 200 variants of seed004_numeric_batch_row (specs and solution JSON) as
    one `backprop variants --jobs 2`, then with the two booklets' LaTeX (--latex), with
    the time per variant; and the two booklets through TeX (one run each).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROBLEMS = ROOT / "problems"
TORCH_SCRIPT = HERE / "torch_reference.py"
PYTHON = sys.executable
_script = Path(PYTHON).parent / "backprop"
BACKPROP = [str(_script)] if _script.exists() else [PYTHON, "-m", "backprop_cli"]

# (inputs, hidden..., outputs); with biases: 13, 58, 212, 808, 2762, 4810, 19092 weights
SERIES = [(2, 3, 1), (4, 8, 2), (8, 16, 4), (16, 32, 8), (32, 64, 10), (64, 64, 10),
          (128, 128, 20)]


def run(command: list[str], timeout: float | None = None, stdout=subprocess.DEVNULL,
        cwd=None) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB, exit status) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            os.killpg(process.pid, 9)
            os.wait4(process.pid, 0)
            return math.inf, math.nan, -9
        time.sleep(0.005)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, process.returncode


def median_run(command, runs: int, timeout=None) -> tuple[float, float, int]:
    results = [run(command, timeout) for _ in range(runs)]
    return (statistics.median(r[0] for r in results), max(r[1] for r in results),
            results[-1][2])


def torch_available() -> bool:
    return subprocess.run([PYTHON, "-c", "import torch"], capture_output=True).returncode == 0


def table(headers: list[str], rows: list[list], title: str) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    print(f"\n{title}\n")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))))
    sys.stdout.flush()


def seconds(value: float) -> str:
    return "timeout" if math.isinf(value) else f"{value:.3f}"


# --- (a) the examples ------------------------------------------------------------------

def examples(runs: int, has_torch: bool) -> Path:
    floor = median_run([PYTHON, "-c", "import sympy"], runs)[0]
    rows, largest, largest_size = [], None, -1
    for spec in sorted(PROBLEMS.glob("*.yaml")):
        baseline, label = floor, "import sympy"
        if has_torch:
            wall, _, code = median_run([PYTHON, str(TORCH_SCRIPT), str(spec)], runs)
            if code == 0:
                baseline, label = wall, "torch"
        times = []
        for fmt in ("text", "json", "latex"):
            times.append(median_run([*BACKPROP, "solve", str(spec), "-f", fmt], runs)[0])
        with tempfile.TemporaryFile() as out:
            subprocess.run([*BACKPROP, "solve", str(spec), "--latex"], stdout=out,
                           stderr=subprocess.DEVNULL)
            size = out.tell()
        if size > largest_size:
            largest, largest_size = spec, size
        rows.append([spec.stem, *map(seconds, times), f"{baseline:.3f} ({label})",
                     f"{times[1] / baseline:.2f}"])
    table(["example", "text s", "json s", "latex s", "baseline s", "json/baseline"], rows,
          f"(a) examples, whole process, median of {runs} runs "
          f"(floor: python -c 'import sympy' = {floor:.3f} s)")
    return largest


# --- (b) scaling -----------------------------------------------------------------------

def network_yaml(widths: tuple, seed: int = 0) -> tuple[str, int]:
    """A dense tanh network with one sample and one SGD step; (YAML, number of weights)."""
    rng = random.Random(seed)
    number = lambda: rng.randint(-99, 99) / 100  # noqa: E731
    lines = ["title: benchmark", "network:", f"  inputs: {widths[0]}", "  layers:"]
    for units in widths[1:-1]:
        lines.append(f"    - {{units: {units}, activation: tanh}}")
    lines += [f"    - {{units: {widths[-1]}, activation: identity}}", "params:"]
    weights = 0
    for l in range(1, len(widths)):
        rows = [[number() for _ in range(widths[l - 1])] for _ in range(widths[l])]
        lines.append(f"  W{l}: {rows}")
        lines.append(f"  b{l}: {[number() for _ in range(widths[l])]}")
        weights += widths[l] * (widths[l - 1] + 1)
    x = [number() for _ in range(widths[0])]
    y = [number() for _ in range(widths[-1])]
    lines += ["loss: half_squared_error", f"data:\n  - {{x: {x}, y: {y}}}",
              "optimizer: {type: sgd, lr: 0.1, steps: 1}"]
    return "\n".join(lines) + "\n", weights


def fit_exponent(points: list[tuple[float, float]]) -> float:
    xs = [math.log(w) for w, _ in points]
    ys = [math.log(t) for _, t in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def scaling(folder: Path, runs: int, timeout: float, has_torch: bool, series) -> None:
    rows, points, gave_up = [], [], False
    for widths in series:
        text, weights = network_yaml(widths)
        spec = folder / f"net_{'_'.join(map(str, widths))}.yaml"
        spec.write_text(text)
        name = "-".join(map(str, widths))
        if gave_up:
            rows.append([name, weights, "skipped", "", "", ""])
            continue
        many = runs if weights < 3000 else 1
        wall, peak, code = median_run([*BACKPROP, "solve", str(spec), "-f", "json"], many, timeout)
        torch_wall = median_run([PYTHON, str(TORCH_SCRIPT), str(spec)], many)[0] \
            if has_torch else math.nan
        if code != 0:
            gave_up = True
            rows.append([name, weights, "timeout" if code == -9 else f"exit {code}", "", "",
                         f"{torch_wall:.3f}"])
            continue
        points.append((weights, wall))
        rows.append([name, weights, f"{wall:.3f}", f"{peak:.0f}", f"{wall / torch_wall:.2f}"
                     if has_torch else "", f"{torch_wall:.3f}" if has_torch else ""])
    table(["network", "weights", "json s", "peak MB", "ratio", "torch s"], rows,
          f"(b) scaling: layered tanh networks, one sample, one SGD step, JSON "
          f"(time limit {timeout:.0f} s)")
    if len(points) >= 2:
        print(f"\n  time ~ weights^{fit_exponent(points):.2f} over the whole series")
        upper = [p for p in points if p[0] >= 500]
        if len(upper) >= 2:
            print(f"  time ~ weights^{fit_exponent(upper):.2f} from 500 weights up "
                  f"(where start-up no longer dominates)")


def latex_16_16_4(folder: Path, runs: int) -> None:
    text, weights = network_yaml((16, 16, 4))
    spec = folder / "net_16_16_4.yaml"
    spec.write_text(text)
    wall = median_run([*BACKPROP, "solve", str(spec), "--latex"], runs)[0]
    print(f"\n  16-16-4 network ({weights} weights), LaTeX: {wall:.3f} s (target < 3 s)")


# --- (c) PDF ---------------------------------------------------------------------------

def pdf(spec: Path, runs: int) -> None:
    if not (shutil.which("latexmk") and shutil.which("pdflatex")):
        print("\n(c) PDF: skipped, TeX Live is not installed")
        return
    ours = median_run([*BACKPROP, "solve", str(spec), "--latex"], runs)[0]
    tex_times = []
    with tempfile.TemporaryDirectory() as folder:
        tex = Path(folder) / "key.tex"
        subprocess.run([*BACKPROP, "solve", str(spec), "--latex", "-o", str(tex)], check=True)
        for _ in range(runs):
            for old in Path(folder).glob("key.*"):
                if old.suffix != ".tex":
                    old.unlink()
            tex_times.append(run(["latexmk", "-pdf", "-norc", "-no-shell-escape",
                                  "-halt-on-error", "-interaction=nonstopmode", "key.tex"],
                                 cwd=folder)[0])
        whole = median_run([*BACKPROP, "solve", str(spec), "--pdf", "-o",
                            str(Path(folder) / "out.pdf")], runs)[0]
    tex_time = statistics.median(tex_times)
    table(["part", "seconds"], [["backprop (YAML -> LaTeX)", f"{ours:.3f}"],
                                ["TeX (latexmk)", f"{tex_time:.3f}"],
                                ["backprop --pdf, whole", f"{whole:.3f}"]],
          f"(c) PDF of the largest example, {spec.stem}, median of {runs} runs")


# --- (d) start-up ----------------------------------------------------------------------

def startup(runs: int) -> None:
    rows = []
    for flag in ("--help", "--version"):
        wall = median_run([*BACKPROP, flag], max(runs, 5))[0]
        trace = subprocess.run([PYTHON, "-X", "importtime", "-m", "backprop_cli", flag],
                               capture_output=True, text=True).stderr
        sympy = any(line.rstrip().endswith(" sympy") for line in trace.splitlines())
        rows.append([f"backprop {flag}", f"{wall:.3f}", "yes" if sympy else "no",
                     "met" if wall < 0.2 and not sympy else "NOT met"])
    table(["command", "seconds", "imports sympy", "target < 0.2 s"], rows, "(d) start-up")


# --- (e) check: marking a student's answers ------------------------------------------------

CHECKS = [("seed000_sparse_sigmoid", "seed000_sparse_sigmoid"),
          ("seed003_q12_numeric_pass", "seed003_q12_numeric_pass")]


def check(runs: int) -> None:
    """`backprop check` on the seeds' own hand answers, whole process: an autograder runs it
    once per submission (target < 0.5 s), next to `backprop solve` of the same problem."""
    rows = []
    for problem, answers in CHECKS:
        spec = PROBLEMS / f"{problem}.yaml"
        marked = median_run([*BACKPROP, "check", str(spec), str(PROBLEMS / "answers" / f"{answers}.yaml"),
                             "--format", "json"], max(runs, 5))[0]
        solved = median_run([*BACKPROP, "solve", str(spec)], max(runs, 5))[0]
        rows.append([problem, f"{marked:.3f}", f"{solved:.3f}", "met" if marked < 0.5 else "NOT met"])
    table(["problem", "check s", "solve s", "target < 0.5 s"], rows, "(e) check (issue 16)")


# --- (f) a course kit -------------------------------------------------------------------------

KIT_SPEC = PROBLEMS / "seed004_numeric_batch_row.yaml"
KIT_COUNT = 200


def timed(command: list[str], cwd=None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of it and its children, exit status) of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    return (time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
            os.waitstatus_to_exitcode(status))


def course_kit(runs: int, jobs: int = 2) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = [*BACKPROP, "variants", str(KIT_SPEC), "--count", str(KIT_COUNT), "--seed", "1",
                "--jobs", str(jobs)]
        plain = [timed([*base, "-o", str(Path(folder) / f"v{k}")]) for k in range(runs)]
        books = [timed([*base, "--latex", "-o", str(Path(folder) / f"b{k}")]) for k in range(runs)]
        wall = statistics.median(r[0] for r in plain)
        more = statistics.median(r[0] for r in books) - wall
        cpu = statistics.median(r[1] for r in plain)
        ok = all(r[2] == 0 for r in plain + books)
        rows.append([f"{KIT_COUNT} variants (YAML + JSON), --jobs {jobs}", f"{wall:.2f}",
                     f"{1000 * wall / KIT_COUNT:.1f} ms ({1000 * cpu / KIT_COUNT:.1f} ms CPU)",
                     "met" if wall < 20 and ok else "NOT met"])
        rows.append(["the two booklets' LaTeX, more", f"{more:.2f}",
                     f"{1000 * more / KIT_COUNT:.1f} ms", "met" if more < 10 and ok else "NOT met"])
        if shutil.which("latexmk") and shutil.which("pdflatex"):
            for name in ("questions", "key"):
                tex = timed(["latexmk", "-pdf", "-norc", "-no-shell-escape", "-halt-on-error",
                             "-interaction=nonstopmode", f"{name}.tex"], cwd=Path(folder) / "b0")
                rows.append([f"TeX: {name}.tex (one latexmk run)", f"{tex[0]:.2f}",
                             f"{1000 * tex[0] / KIT_COUNT:.1f} ms", "" if tex[2] == 0 else "FAILED"])
    table(["part", "seconds", "per variant", "target"], rows,
          f"(f) course kit: {KIT_SPEC.stem}, median of {runs} runs (targets: 20 s, 10 s more)")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # Asked of a child: importing torch here would raise this process's peak memory, and
    # Linux carries a process's peak across fork and exec into every child measured.
    found = subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"],
                           capture_output=True, text=True)
    torch_version = found.stdout.strip() if found.returncode == 0 else "not installed"
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, torch {torch_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 3)))
    parser.add_argument("--timeout", type=float, default=float(os.environ.get("BENCH_TIMEOUT", 300)))
    parser.add_argument("--quick", action="store_true", help="skip (a), the examples")
    parser.add_argument("--only", choices=("a", "b", "c", "d", "e", "f"), action="append")
    args = parser.parse_args()
    only = set(args.only or "abcdef") - ({"a"} if args.quick else set())
    has_torch = torch_available()
    print(f"machine: {machine()}")
    baseline = "torch_reference.py" if has_torch else "python -c 'import sympy' (no torch)"
    print(f"backprop: {' '.join(BACKPROP)}; baseline: {baseline}")
    if "d" in only:
        startup(args.runs)
    if "e" in only:
        check(args.runs)
    largest = examples(args.runs, has_torch) if "a" in only else None
    if "b" in only:
        with tempfile.TemporaryDirectory() as folder:
            scaling(Path(folder), args.runs, args.timeout, has_torch, SERIES)
            latex_16_16_4(Path(folder), args.runs)
    if "c" in only:
        pdf(largest or PROBLEMS / "softmax_classifier.yaml", args.runs)
    if "f" in only:
        course_kit(args.runs)


if __name__ == "__main__":
    main()
