"""`backprop variants`: N variants of a spec, each drawn, checked and solved.

Variant k's attempt t draws its numbers from its own stream, numpy's
Generator(PCG64(SeedSequence(seed, spawn_key=(k, t)))), so the files depend on the spec,
the count and the seed only, not on how the work is split across processes (--jobs).
A variant that fails a check (checks.py) is redrawn with its next attempt, at most
MAX_TRIES times; one that is alike an earlier variant too, in variant order.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ..api import Solution, make_settings
from ..errors import BackpropError, SpecError
from ..pipeline import solve_text
from ..quantities import quantities
from ..yamlload import load_yaml
from . import checks
from .asked import asked, entries
from .draw import Rule, draw, grid, read_rules
from .numbers import given_numbers, substitute, without_block

MAX_TRIES = 200
MAX_COUNT = 10_000


@dataclass(frozen=True)
class Plan:
    name: str  # the spec's file name, for the variants' first line
    text: str  # the spec without its variants: block
    given: tuple  # numbers.Given
    grids: tuple  # per given number: draw.grid(), or its own text (not redrawn)
    seed: int
    count: int
    booklets: bool = False  # also each variant's LaTeX for the booklets (booklet.py)
    paper: str = "a4"


@dataclass
class Variant:
    slot: int  # 0-based
    attempt: int
    numbers: tuple
    spec: str  # the variant's YAML
    solution: str  # its solve JSON
    rejected: list = field(default_factory=list)  # reasons of the attempts before
    questions_tex: str = ""  # with Plan.booklets: its question sheet and key, LaTeX bodies
    key_tex: str = ""


def plan(text: str, source: str, seed: int, count: int, booklets: bool = False,
         paper: str = "a4") -> Plan:
    """Read the spec and its variants: block; the spec must solve as written."""
    if not 1 <= count <= MAX_COUNT:
        raise SpecError(f"--count is from 1 to {MAX_COUNT}", field="--count")
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    result = solve_text(text, source)  # every error of the spec, with its line
    doc = load_yaml(text)
    plain = without_block(text, "variants")
    given = given_numbers(plain)
    symbolic = [a["key"] for a in asked(json.loads(Solution(result, make_settings()).render("json")))
                if any(not isinstance(v, (int, float)) for _, v in entries(a))]
    if symbolic and symbolic[0].startswith("derivatives."):
        raise SpecError("a calculus problem's variants move its point, and this one has none: "
                        "give it with at:, like at: {x: 1, y: 2}", field="variants").located(source)
    if symbolic:
        raise SpecError(f"variants are numeric problems, and {symbolic[0]} is a formula here "
                        f"(a null value keeps a symbol); give every value a number",
                        field="variants").located(source)
    try:
        rules, others = read_rules(doc.data.get("variants"), {g.name for g in given})
        for name in _labels(doc.data):  # a class or a probability is the problem's, not a number
            rules.setdefault(name, Rule(fixed=True))
        grids = tuple(grid(g, rules.get(g.name, others)) or g.text for g in given)
    except SpecError as exc:  # at the line of the field it names (variants.w1.range)
        mark = doc.mark(tuple((exc.field or "variants").split(".")))
        if mark is not None:
            exc.line, exc.column = mark.line, mark.column
        raise exc.located(source) from None
    if all(isinstance(g, str) for g in grids):
        raise SpecError("nothing to vary: every given number is fixed or 0; give ranges in "
                        "variants:", field="variants").located(source)
    import os

    return Plan(os.path.basename(source), plain, tuple(given), grids, seed, count, booklets, paper)


#: the losses whose targets are labels (a class, 0 or 1, a probability): fixed by default
_CLASSIFICATION = ("bce", "cross_entropy")


def _labels(data: dict) -> list[str]:
    """The targets a draw keeps, unless variants: names them: a classification loss's."""
    from ..vocab.losses import lookup

    loss = data.get("loss")
    name = loss.get("type") if isinstance(loss, dict) else loss
    found = lookup(name) if isinstance(name, str) else None
    if found is None or found.name not in _CLASSIFICATION:
        return []
    targets = data.get("targets") or ["y"]
    return [t for t in targets if isinstance(t, str)]


def rng(seed: int, slot: int, attempt: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(slot, attempt))))


def make(plan: Plan, slot: int, start: int = 0) -> Variant:
    """Variant `slot`: its first attempt from `start` on that passes every check."""
    rejected = []
    for attempt in range(start, start + MAX_TRIES):
        stream = rng(plan.seed, slot, attempt)
        numbers = tuple(draw(stream, list(plan.grids)))
        spec = _header(plan, slot) + substitute(plan.text, list(plan.given), list(numbers))
        reason, solution, result = _judge(plan, spec, numbers, stream)
        if reason is None:
            variant = Variant(slot, attempt, numbers, spec, solution, rejected)
            if plan.booklets:  # here, in the worker that has the solution in hand
                from .booklet import bodies

                variant.questions_tex, variant.key_tex = bodies(result, solution, plan.paper)
            return variant
        rejected.append(reason)
    counts = Counter(rejected).most_common()
    raise SpecError(f"variant {slot + 1}: no fair numbers in {MAX_TRIES} draws ("
                    + ", ".join(f"{n} with {why}" for why, n in counts)
                    + "); widen or move the ranges in variants:"
                    + (", or scale the problem (larger inputs or weights)"
                       if any("1e-4" in why for why in rejected) else ""), field="variants")


def _header(plan: Plan, slot: int) -> str:
    return (f"# variant {slot + 1} of {plan.count} of {plan.name}, seed {plan.seed} "
            f"(backprop variants)\n")


def _judge(plan: Plan, spec: str, numbers: tuple, stream) -> tuple:
    """(why the variant is not fair or None, its solve JSON, the engine's solution)."""
    try:
        result = solve_text(spec, "<variant>")
    except BackpropError as exc:
        return f"numbers the problem refuses ({type(exc).__name__})", None, None
    reason = checks.unfair(result)
    if reason:
        return reason, None, None
    solution = Solution(result, make_settings()).render("json")
    questions = asked(json.loads(solution))
    answers = [e for a in questions for e in entries(a)]
    reason = checks.tiny(answers) or \
        checks.unstable(answers, _moved(plan, numbers, {a["key"] for a in questions}, stream))
    return reason, solution, result


def _moved(plan: Plan, numbers: tuple, keys: set, stream) -> dict:
    """The entries of the asked quantities (`keys`) with every drawn number moved by
    checks.RELATIVE: entry key -> number."""
    signs = stream.choice([-1, 1], size=len(numbers))
    step = Decimal(str(checks.RELATIVE))
    # a fixed number (a class label, a target kept as written) is exact, not a rounding
    moved = [n if isinstance(grid, str) else format(Decimal(n) * (1 + step * int(s)), "f")
             for n, s, grid in zip(numbers, signs, plan.grids)]
    try:
        result = solve_text(substitute(plan.text, list(plan.given), moved), "<variant>")
    except BackpropError:
        return {}
    out = {}
    for q in quantities(result):
        if q.key in keys:
            for key, value in entries({"key": q.key, "value": q.value}):
                try:
                    out[key] = float(value)
                except TypeError:  # a formula: no number to compare
                    pass
    return out


# -- all of them -------------------------------------------------------------------------------

_PLAN: Plan | None = None


def _init(p: Plan) -> None:
    """A worker: the plan, and the default signal handlers (the command's own would turn
    the pool's ending of its workers into an `Interrupted` traceback in each)."""
    import signal

    global _PLAN
    _PLAN = p
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool


def _make_slot(slot: int) -> Variant:
    return make(_PLAN, slot)


def make_all(p: Plan, jobs: int = 1) -> tuple[list[Variant], Counter]:
    """Every variant, in order, none alike another; and why draws were redrawn."""
    if jobs > 1 and p.count > 1:
        import multiprocessing

        pool = multiprocessing.get_context("fork").Pool(jobs, _init, (p,))
        try:
            made = pool.map(_make_slot, range(p.count), chunksize=max(1, p.count // (4 * jobs)))
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    else:
        made = [make(p, slot) for slot in range(p.count)]
    seen: dict = {}
    why: Counter = Counter()
    for i, variant in enumerate(made):
        while variant.numbers in seen:  # alike an earlier one: its next fair draw
            again = make(p, variant.slot, variant.attempt + 1)
            again.rejected = variant.rejected + ["numbers alike an earlier variant"] + again.rejected
            variant = again
        seen[variant.numbers] = variant.slot
        made[i] = variant
        why.update(variant.rejected)
    return made, why
