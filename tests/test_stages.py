"""Data flows one way (README, Layout): no module imports a later stage, lazily or not, and
no two modules import each other. Read from the source with `ast`, so an import inside a
function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backprop_cli"

#: The stages in order, each the modules (by prefix) that belong to it. A module may import
#: its own stage and earlier ones.
STAGES = [
    ("base", ["errors", "suggest", "settings", "yamlload", "texchars", "functions", "arith",
              "bounds", "numeric", "signals", "selection"]),
    ("tables", ["vocab"]),
    ("formula syntax", ["formula_syntax"]),  # what is a formula, without SymPy: spec uses it
    ("spec", ["spec", "spec.notation", "layered.spec"]),
    ("build", ["formula", "graph", "layered.compile", "layered.conv", "layered.batchnorm",
               "layered.rnn", "calculus.naming", "calculus.rules",
               "calculus.softmax", "calculus.magnitude", "calculus.solution", "calculus.sums"]),
    ("solve", ["engine", "sums", "optimize", "layered.solve", "calculus.point", "calculus.stages",
               "calculus.engine", "derivatives", "derivatives_base", "derivatives_typed"]),  # derivatives: any ∂A/∂B asked for (ask:)
    ("lay out", ["quantities", "answers", "sheet", "layered.matrix"]),
    ("render", ["render"]),
    ("pipeline", ["pipeline"]),
    ("api", ["api"]),
    ("check", ["check"]),  # marking a student's numbers: solves through the api
    ("kit", ["kit"]),  # course kits: variants, booklets, exports (issue 17)
    ("command line", ["cli", "output", "__main__", ""]),  # "": the package's own __init__ (lazy API)
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def stage(module: str) -> int:
    """The stage of a module: the longest prefix that names one."""
    best = None
    for rank, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if module == prefix or (prefix and module.startswith(prefix + ".")):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank)
    assert best is not None, f"backprop_cli.{module} belongs to no stage: add it to STAGES"
    return best[1]


def imports(module: str) -> set[str]:
    """The package's modules that `module` imports anywhere in its source."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = [p for p in package if p]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("backprop_cli"):
                target = node.module[len("backprop_cli."):] if "." in node.module else ""
            else:
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}" if target else alias.name
                found.add(full if full in MODULES else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("backprop_cli."):
                    found.add(alias.name[len("backprop_cli."):])
    return {m for m in found if m in MODULES and m != module}


@pytest.mark.parametrize("module", sorted(MODULES), ids=lambda m: m or "__init__")
def test_no_module_imports_a_later_stage(module):
    later = [(m, STAGES[stage(m)][0]) for m in sorted(imports(module)) if stage(m) > stage(module)]
    assert not later, f"{module} ({STAGES[stage(module)][0]}) imports a later stage: {later}"


def test_no_import_cycles():
    graph = {m: imports(m) for m in MODULES}
    seen, path, cycles = set(), [], []

    def visit(m):
        if m in path:
            cycles.append(path[path.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        path.append(m)
        for n in sorted(graph[m]):
            visit(n)
        path.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, cycles


def test_the_check_sees_lazy_imports():
    """pipeline imports the renderers inside a function; the check must see them."""
    assert "render.text" in imports("pipeline") and "sheet" in imports("pipeline")
