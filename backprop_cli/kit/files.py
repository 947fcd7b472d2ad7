"""The kit's files on disk: a variants folder written, and read back for the exports."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import SpecError

_VARIANT = re.compile(r"variant-(\d+)\.(yaml|json)$")


def write_file(path: Path, data: bytes) -> None:
    """Atomically: a reader never sees half a file, an interrupted run leaves none."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None


def variant_name(slot: int, count: int) -> str:
    return f"variant-{slot + 1:0{max(3, len(str(count)))}d}"


def write_variants(text, source: str, count: int, seed: int, folder: str, jobs: int = 1,
                   booklets: str | None = None, paper: str = "a4") -> list[str]:
    """Draw, check, solve and write; the lines to tell the user. `booklets`: "pdf" (the
    question and key booklets, compiled) or "latex" (their LaTeX only)."""
    from .variants import make_all, plan

    chosen = plan(text, source, seed, count, booklets=bool(booklets), paper=paper)
    made, why = make_all(chosen, jobs)
    out = Path(folder)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    names = {variant_name(v.slot, count) for v in made}
    for old in out.iterdir():  # an earlier, larger run's variants would be taken as ours
        match = _VARIANT.match(old.name)
        if match and old.stem not in names:
            old.unlink()
    for v in made:
        name = variant_name(v.slot, count)
        write_file(out / f"{name}.yaml", v.spec.encode("utf-8"))
        write_file(out / f"{name}.json", v.solution.encode("utf-8"))
    lines = [f"wrote {count} variant{'s' if count != 1 else ''} of {chosen.name} (seed {seed}) "
             f"to {folder}: {variant_name(0, count)}.yaml/.json ... "
             f"{variant_name(count - 1, count)}.yaml/.json"]
    redrawn = sum(why.values())
    if redrawn:
        lines.append(f"redrew {redrawn} draw{'s' if redrawn != 1 else ''}: " + "; ".join(
            f"{n} with {reason}" for reason, n in why.most_common()))
    else:
        lines.append("redrew none: every first draw was fair")
    if re.search(r"\d", _notes(chosen.text)):
        lines.append("note: the spec's notes: write numbers, and every variant keeps its notes as "
                     "written; check that they do not give away the original numbers")
    if booklets:
        from .booklet import booklet_files

        for name, data in booklet_files(made, paper, pdf=booklets == "pdf"):
            write_file(out / name, data)
        what = "questions.pdf and key.pdf (and their .tex)" if booklets == "pdf" else \
            "questions.tex and key.tex"
        lines.append(f"wrote {what} to {folder}: {count} variants each, every variant from a "
                     f"new page numbered from 1")
    return lines


def _notes(text: str) -> str:
    import yaml

    data = yaml.safe_load(text)
    return str(data.get("notes") or "") if isinstance(data, dict) else ""


def read_folder(folder: str) -> list[tuple[str, str, dict]]:
    """(name, spec text, solve JSON) of each variant in a folder, in order."""
    import json

    path = Path(folder)
    found = sorted(p for p in path.glob("variant-*.json") if _VARIANT.match(p.name))
    if not found:
        raise SpecError(f"{folder} holds no variant-*.json; write them with backprop variants")
    out = []
    for p in found:
        spec = p.with_suffix(".yaml")
        out.append((p.stem, spec.read_text("utf-8") if spec.exists() else "",
                    json.loads(p.read_text("utf-8"))))
    return out
