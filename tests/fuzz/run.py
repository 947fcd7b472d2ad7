"""The big fuzz: generated specs of all three forms through `python -m backprop_cli solve`,
each in its own process under the limits an autograder would set, every run recorded.

    python tests/fuzz/run.py --count 10000 --seed 1 --jobs 2 [--out fuzz-out]

Not part of the test suite (tests/test_fuzz.py is its CI-sized sibling). Each spec is
numbered; spec i is drawn from batch i // BATCH, a hypothesis search seeded with
(seed, batch), so a run is deterministic by seed and resumes where it stopped: results
are appended to OUT/results.jsonl and a spec already there is not run again.

A run fails when it exits 1 (an internal error), prints a traceback, dies by a signal,
uses more than 10 s of CPU or 1 GB of memory (RLIMIT_CPU and RLIMIT_AS are set a little
above, so a runaway is stopped rather than waited for), or exits 2 with a message that
is not one line starting 'error:'. Each failure is saved as OUT/failures/<i>-<form>.yaml
with the command and the output in OUT/failures/<i>-<form>.txt.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strategies import Case, case  # noqa: E402

BATCH = 50
CPU_LIMIT = 10  # seconds: the bound
MEMORY_LIMIT = 1 << 30  # bytes of resident memory: the bound
ADDRESS_SPACE = 3 << 29  # 1.5 GB of address space: stops a runaway a little above the bound
NEW_WORKER = 3  # a worker's exit status: it went over MEMORY_LIMIT, start another
WALL_LIMIT = 60  # a process that waits without computing (a hang on input) is killed here


def batch(seed_value: int, number: int) -> list[Case]:
    """The BATCH cases of batch `number`: the same for the same seed and hypothesis."""
    found: list[Case] = []

    @seed(seed_value * 1_000_003 + number)
    @settings(max_examples=BATCH, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case())
    def collect(drawn):
        found.append(drawn)

    collect()
    while len(found) < BATCH:  # hypothesis may stop early; pad so numbering stays fixed
        found.append(found[len(found) % max(len(found), 1)])
    return found[:BATCH]


def _limits():
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT + 1, CPU_LIMIT + 3))
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_one(index: int, drawn: Case, workdir: Path) -> dict:
    path = workdir / f"spec-{index}.yaml"
    path.write_bytes(drawn.text.encode("utf-8", "surrogatepass"))
    command = [sys.executable, "-m", "backprop_cli", "solve", str(path), *drawn.options]
    out_path, err_path = workdir / f"out-{index}", workdir / f"err-{index}"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                preexec_fn=_limits, start_new_session=True, cwd=workdir)
        timer = threading.Timer(WALL_LIMIT, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
    stdout = out_path.read_bytes()
    stderr = err_path.read_bytes()
    for p in (path, out_path, err_path):
        p.unlink()
    code = proc.returncode
    record = {"index": index, "form": drawn.form, "status": code,
              "cpu": round(usage.ru_utime + usage.ru_stime, 3), "wall": round(wall, 3),
              "rss_mb": round(usage.ru_maxrss / 1024, 1), "options": list(drawn.options),
              "message": stderr.decode("utf-8", "replace").strip()[-400:]}
    record["problems"] = problems(record, stdout, stderr)
    if record["problems"]:
        record["text"] = drawn.text
        record["command"] = _command(drawn)
        record["stdout_tail"] = stdout.decode("utf-8", "replace")[-2000:]
    return record


def run_batch(cases: list[tuple[int, Case]], workdir: Path) -> list[dict]:
    """--fast: the cases of a batch in one worker process (`run.py --worker`), which runs
    each through `main` in process: no interpreter and SymPy start-up per spec. The worker
    has the same address-space limit; each spec gets CPU_LIMIT + 1 s of CPU (a profiling
    timer ends it), and its peak memory is the worker's (a batch's first spec that pushes
    it over 1 GB is the one flagged). A worker killed by a signal marks the spec it was
    running, and a new worker goes on with the rest."""
    records: list[dict] = []
    todo = list(cases)
    while todo:
        jobs = workdir / f"jobs-{todo[0][0]}.json"
        jobs.write_text(json.dumps([[i, c.form, c.text, list(c.options)] for i, c in todo]),
                        "utf-8", errors="surrogatepass")
        proc = subprocess.Popen([sys.executable, __file__, "--worker", str(jobs)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, preexec_fn=_worker_limits,
                                start_new_session=True, cwd=workdir, text=True)
        running = None
        # A spec stuck inside one long C call (GMP, a SymPy polynomial) never sees the
        # profiling timer: a spec that says nothing for WALL_LIMIT s is killed from here.
        timer = threading.Timer(WALL_LIMIT, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        for line in proc.stdout:
            timer.cancel()
            timer = threading.Timer(WALL_LIMIT, lambda: os.killpg(proc.pid, signal.SIGKILL))
            timer.start()
            item = json.loads(line)
            if "start" in item:
                running = item["start"]
            else:
                running = None
                records.append(item)
        code = proc.wait()
        timer.cancel()
        jobs.unlink()
        by_index = dict(todo)
        done = {r["index"] for r in records}
        if running is not None:  # the worker died in this spec
            drawn = by_index[running]
            name = signal.Signals(-code).name if code < 0 else f"exit {code}"
            records.append({"index": running, "form": drawn.form, "status": code, "cpu": -1,
                            "wall": -1, "rss_mb": -1, "options": list(drawn.options),
                            "message": f"the worker died: {name}",
                            "problems": [f"worker died ({name})"], "text": drawn.text,
                            "command": _command(drawn), "stdout_tail": ""})
            done.add(running)
        todo = [(i, c) for i, c in todo if i not in done]
        if running is None and todo and code != NEW_WORKER:  # it stopped without saying why
            raise RuntimeError(f"the worker exited {code} before spec {todo[0][0]}")
    return records


def _worker_limits():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _command(drawn: Case) -> str:
    return " ".join(["python", "-m", "backprop_cli", "solve", "SPEC", *drawn.options])


def worker(jobs_path: str) -> int:
    """Run the jobs in `jobs_path` in this process, one JSON line per result on stdout."""
    from click.testing import CliRunner

    from backprop_cli.cli import main as cli_main

    class OverTime(BaseException):
        pass

    def over_time(signum, frame):
        raise OverTime()

    signal.signal(signal.SIGPROF, over_time)
    try:
        runner = CliRunner(mix_stderr=False)
    except TypeError:
        runner = CliRunner()
    report = sys.stdout
    for index, form, text, options in json.loads(Path(jobs_path).read_text("utf-8")):
        print(json.dumps({"start": index}), file=report, flush=True)
        drawn = Case(form, text, tuple(options))
        path = Path(f"spec-{index}.yaml")
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        start, wall = time.process_time(), time.monotonic()
        signal.setitimer(signal.ITIMER_PROF, CPU_LIMIT + 1)
        try:
            result = runner.invoke(cli_main, ["solve", str(path), *options])
            code, stdout, stderr = result.exit_code, result.stdout_bytes, result.stderr_bytes
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                code, stderr = 1, stderr + f"\nTraceback: {result.exception!r}".encode()
        except OverTime:
            code, stdout, stderr = -signal.SIGXCPU, b"", b"over the CPU limit"
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        cpu = time.process_time() - start
        path.unlink()
        record = {"index": index, "form": form, "status": code, "cpu": round(cpu, 3),
                  "wall": round(time.monotonic() - wall, 3),
                  "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "options": list(options),
                  "message": stderr.decode("utf-8", "replace").strip()[-400:]}
        record["problems"] = problems(record, stdout, stderr)
        if record["problems"]:
            record.update(text=text, command=_command(drawn),
                          stdout_tail=stdout.decode("utf-8", "replace")[-2000:])
        print(json.dumps(record), file=report, flush=True)
        if record["rss_mb"] * (1 << 20) > MEMORY_LIMIT:
            return NEW_WORKER  # the peak stays: the next spec gets a fresh process
    return 0


def problems(record: dict, stdout: bytes, stderr: bytes) -> list[str]:
    found = []
    code, text = record["status"], stderr.decode("utf-8", "replace")
    if code == 1:
        found.append("exit 1")
    if code < 0:
        found.append(f"signal {signal.Signals(-code).name}")
    if record["cpu"] > CPU_LIMIT:
        found.append(f"cpu {record['cpu']} s")
    if record["rss_mb"] * (1 << 20) > MEMORY_LIMIT:
        found.append(f"memory {record['rss_mb']} MB")
    if "Traceback" in text:
        found.append("traceback")
    if code == 2 and (len(text.strip().splitlines()) != 1 or not text.startswith("error:")):
        found.append("status 2 without a one-line message")
    if code == 2 and stdout:
        found.append("status 2 with output on stdout")
    if code not in (0, 1, 2) and code >= 0:
        found.append(f"exit {code}")
    if code == 0 and _format(record["options"]) == "json":
        try:  # the JSON is a public contract: strict JSON, no NaN or Infinity
            json.loads(stdout, parse_constant=_refuse_constant)
        except ValueError as exc:
            found.append(f"invalid JSON: {str(exc)[:80]}")
    return found


def _format(options: list[str]) -> str:
    fmt = "text"
    for k, option in enumerate(options):
        if option in ("--format", "-f") and k + 1 < len(options):
            fmt = options[k + 1]
        elif option == "--latex":
            fmt = "latex"
    return fmt


def _refuse_constant(name: str):
    raise ValueError(f"{name} in the JSON")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"))
    parser.add_argument("--start", type=int, default=0, help="the first spec number to run")
    parser.add_argument("--fast", action="store_true",
                        help="run each batch in one worker process (see run_batch)")
    args = parser.parse_args()
    out = args.out
    (out / "failures").mkdir(parents=True, exist_ok=True)
    results_path = out / f"results-seed{args.seed}.jsonl"
    done = set()
    if results_path.exists():
        for line in results_path.read_text().splitlines():
            done.add(json.loads(line)["index"])
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="backprop-fuzz-") as tmp, \
            open(results_path, "a") as results, ThreadPoolExecutor(args.jobs) as pool:
        workdir = Path(tmp)
        for number in range(args.start // BATCH, (args.start + args.count + BATCH - 1) // BATCH):
            first = number * BATCH
            todo = [(first + k, c) for k, c in enumerate(batch(args.seed, number))
                    if args.start <= first + k < args.start + args.count and first + k not in done]
            if args.fast:
                halves = [todo[k::args.jobs] for k in range(args.jobs)]
                ran = [r for part in pool.map(lambda p: run_batch(p, workdir), halves)
                       for r in part]
            else:
                ran = pool.map(lambda t: run_one(t[0], t[1], workdir), todo)
            for record in ran:
                with lock:
                    if record["problems"]:
                        stem = out / "failures" / f"s{args.seed}-{record['index']}-{record['form']}"
                        stem.with_suffix(".yaml").write_text(record["text"], "utf-8",
                                                             errors="surrogatepass")
                        stem.with_suffix(".txt").write_text(
                            f"{record['command']}\n{record['problems']}\nstatus {record['status']}"
                            f" cpu {record['cpu']} s rss {record['rss_mb']} MB\n--- stderr\n"
                            f"{record['message']}\n--- stdout (tail)\n{record['stdout_tail']}\n")
                        print(f"FAIL {record['index']} {record['form']} {record['problems']}: "
                              f"{record['message'][-200:]}", flush=True)
                    results.write(json.dumps({k: v for k, v in record.items()
                                              if k not in ("text", "stdout_tail")}) + "\n")
                    results.flush()
            print(f"batch {number} done ({first + BATCH} specs)", flush=True)
    summary(results_path)
    return 0


def summary(results_path: Path) -> None:
    records = [json.loads(line) for line in results_path.read_text().splitlines()]
    by = Counter((r["form"], r["status"]) for r in records)
    print(f"\n{len(records)} specs run ({results_path})")
    for form in ("graph", "network", "calculus"):
        counts = {status: n for (f, status), n in sorted(by.items()) if f == form}
        print(f"  {form:9} {sum(counts.values()):6}  by exit status: {counts}")
    failing = [r for r in records if r["problems"]]
    print(f"failures: {len(failing)}  {Counter(p for r in failing for p in r['problems'])}")
    groups: dict[str, list] = {}
    for r in failing:  # one line per distinct failure: its kind and message, numbers out
        message = re.sub(r"^error: [^:]*(, line \d+)?(, column \d+)?", "error: SPEC", r["message"])
        shape = re.sub(r"[-+]?\d[\d.e+-]*", "N", message)[:90]
        key = f"{r['form']} {r['problems'][0]}: {shape}"
        groups.setdefault(key, []).append(r["index"])
    for key, indexes in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(indexes):5} x {key}  (#{', #'.join(map(str, indexes[:6]))})")
    for key, what in (("cpu", "CPU s"), ("rss_mb", "max RSS MB"), ("wall", "wall s")):
        top = sorted(records, key=lambda r: -r[key])[:5]
        print(f"largest {what}: " + ", ".join(f"#{r['index']} {r['form']} {r[key]} "
                                              f"(exit {r['status']})" for r in top))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        sys.exit(worker(sys.argv[2]))
    if len(sys.argv) > 1 and sys.argv[1] == "--summary":
        for name in sys.argv[2:]:
            summary(Path(name))
        sys.exit(0)
    sys.exit(main())
