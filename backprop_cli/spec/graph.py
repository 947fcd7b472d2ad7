"""The graph form (`nodes:`): YAML -> a frozen GraphProblem, every name declared once.

Named nodes, each a formula over earlier names; the formulas stay text (graph.py parses
them), with the field and line they were written at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from ..errors import clip
from ..texchars import split_math
from ..suggest import did_you_mean
from ..yamlload import Flag, field_name
from ..vocab.losses import LOSSES, Loss, graph_refusal, lookup
from . import budget
from .groups import Group, group_call, read_group, read_targets
from .ask import read_ask
from .sums import sample_count
from .notation import DEFAULT as DEFAULT_NOTATION, Notation, read_notation
from .base import (MAX_NAMES, MAX_NODES, MAX_SAMPLES, NAME, FormulaText, Optimizer, Regularization,
                   Reader, _kind)

#: The losses the graph form (one scalar output) takes by name: vocab/losses.py.
NAMED_LOSSES = tuple(name for name, loss in LOSSES.items() if loss.graph == name)

# Commands allowed in `symbols:` overrides: accents, fonts and Greek letters, nothing that
# reads files, defines macros or changes catcodes.
_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
          "nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma "
          "Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell").split()
_SAFE_COMMANDS = set(_GREEK) | {"hat", "bar", "tilde", "vec", "dot", "ddot", "mathbf", "mathrm",
                                "mathit", "mathcal", "boldsymbol", "prime", "widehat", "widetilde",
                                "overline", "text", "partial", "nabla", "operatorname"}
#: The commands that take an argument: \\hat x, \\mathbf{W}; without one TeX stops.
_TAKES_ARGUMENT = {"hat", "bar", "tilde", "vec", "dot", "ddot", "mathbf", "mathrm", "mathit",
                   "mathcal", "boldsymbol", "widehat", "widetilde", "overline", "text",
                   "operatorname"}
#: What notes' math may use beyond a symbol's: signs of formulas, none with an argument.
_FORMULA_SIGNS = {"times", "cdot", "odot", "otimes", "le", "ge", "leq", "geq", "ne", "neq",
                  "approx", "sim", "in", "to", "sum", "prod", "log", "exp", "top", "infty",
                  "ldots", "cdots", "quad", "ell", "mid", "circ", "leftarrow", "rightarrow",
                  "gets", "tanh", "sin", "cos", "max", "min", "det"}
#: ... and, with arguments, a fraction and a root (\\frac{a}{b}, \\sqrt{x}).
_FORMULA_MACROS = {"frac", "sqrt"}
_SAFE_LATEX = re.compile(r"^(?:\\[A-Za-z]+|\\[,; ]|[A-Za-z0-9 _^{}(),.'+\-*/|=<>\[\]])*$")


@dataclass(frozen=True)
class LossSpec:
    field: str
    line: int | None
    formula: FormulaText | None = None  # loss: (yhat - y)**2
    type: str | None = None  # loss: {type: bce, output: yhat, target: y}
    output: str | None = None
    target: str | tuple | None = None  # cross_entropy: the names, one per class or the index


@dataclass(frozen=True)
class GraphProblem:
    """The graph form: named nodes, each a formula over earlier names."""

    source: str
    title: str | None
    notes: str | None
    inputs: tuple[str, ...]
    targets: tuple[str, ...]
    params: tuple[tuple[str, Fraction | None], ...]
    nodes: tuple[tuple[str, FormulaText], ...]
    loss: LossSpec | None
    data: tuple[tuple[tuple[str, Fraction | None], ...], ...]
    reduction: str
    optimizer: Optimizer | None
    symbols: tuple[tuple[str, str], ...]
    notation: Notation = DEFAULT_NOTATION  # how the solution writes the loss, the rate, ...
    regularization: Regularization | None = None
    #: nodes over several nodes, p: softmax(s1, s2, s3) (spec/groups.py), by node name
    groups: tuple[tuple[str, Group], ...] = ()
    #: samples: m, the data general (x⁽ⁱ⁾) and the loss, gradients and step written in Σᵢ
    samples: str | None = None
    ask: tuple | None = None  # spec/ask.py: what the homework asks for; None: the default


_EXAMPLES = {"inputs": "inputs: [x1, x2] (the names each sample gives)",
             "nodes": "nodes: {yhat: sigmoid(w1*x1 + w2*x2)} (the quantities to compute)"}
_DEFAULT_TARGET = ("'y' is the name of the target when 'targets:' is not given; rename this "
                   "one, or list the targets yourself (like targets: [t], or targets: [] "
                   "for none)")

GRAPH_KEYS = ("title", "notes", "inputs", "targets", "params", "nodes", "loss", "data",
              "reduction", "optimizer", "symbols", "notation", "regularization", "samples", "ask",
              "upstream", "variants")  # variants: read by kit/draw.py, not by solve


def read_graph(reader: Reader) -> GraphProblem:
    """Validate the graph form; the dispatcher (spec/__init__.py) has chosen it."""
    return _GraphReader(reader.doc, reader.source, reader.spelling).problem()


class _GraphReader(Reader):
    def problem(self) -> GraphProblem:
        top = self.doc.data
        self.unknown_keys((), top, GRAPH_KEYS, "the problem")
        for required in ("inputs", "nodes"):
            if required not in top:
                self.fail((), f"the problem needs '{required}:', like {_EXAMPLES[required]}")

        title = self.text(("title",), top["title"]) if top.get("title") is not None else None
        notes = self.text(("notes",), top["notes"]) if top.get("notes") is not None else None
        if notes is not None:
            check_notes_math(notes, lambda msg: self.fail(("notes",), msg))
        declared: dict[str, tuple] = {}

        def declare(path, value, what):
            name = self.name(path, value, what)
            if name in declared and declared[name] == ("targets", 0) and "targets" not in top:
                self.fail(path, _DEFAULT_TARGET)
            if name in declared:
                self.fail(path, f"'{name}' is already declared at {field_name(declared[name])}; "
                                f"each name is declared once, so rename one of them")
            declared[name] = tuple(path)
            if len(declared) > MAX_NAMES:
                self.fail(path, f"more than {MAX_NAMES} names")
            return name

        inputs = tuple(declare(("inputs", i), v, "an input")
                       for i, v in enumerate(self.sequence(("inputs",), top["inputs"], "inputs")))
        # a layer exercise (upstream:) has no target unless it says so: y may be its output
        layer_exercise = top.get("upstream") is not None
        if "targets" not in top and "y" in declared and not layer_exercise:
            self.fail(declared["y"], _DEFAULT_TARGET)
        raw_targets = top.get("targets", [] if layer_exercise else ["y"])
        targets = tuple(declare(("targets", i), v, "a target")
                        for i, v in enumerate(self.sequence(("targets",), raw_targets, "targets")))
        raw_params = self.mapping(("params",), top.get("params") or {}, "params")
        params = tuple((declare(("params", k), k, "a parameter"),
                        self.number(("params", k), v, allow_null=True))
                       for k, v in raw_params.items())
        raw_nodes = self.mapping(("nodes",), top["nodes"], "nodes")
        if not raw_nodes:
            self.fail(("nodes",), "needs at least one node, like  yhat: sigmoid(w1*x1 + b)")
        if len(raw_nodes) > MAX_NODES:
            self.fail(("nodes",), f"has {len(raw_nodes)} nodes; the limit is {MAX_NODES}")
        nodes, groups = [], {}
        for k, v in raw_nodes.items():
            call = group_call(v) if isinstance(v, str) and not isinstance(v, Flag) else None
            if call is not None:
                groups[k] = read_group(self, ("nodes", k), self.name(("nodes", k), k, "a node"),
                                       *call, declared)
                for component in groups[k].components:
                    declare(("nodes", k), component, "a node")
            nodes.append((declare(("nodes", k), k, "a node"), self.formula(("nodes", k), v)))
        nodes = tuple(nodes)

        loss = self.loss(top, declared) if top.get("loss") is not None else None
        samples = self.general_samples(top, declared, loss)
        data = self.data(top, inputs, targets, loss is not None)
        loss = self.group_loss(loss, groups, nodes, targets, data, declared)
        if top.get("upstream") is not None:
            loss, data, targets = self.upstream(top, declare, dict(nodes), data, targets, loss)
        reduction = top.get("reduction", "sum" if top.get("upstream") is not None else "mean")
        if top.get("upstream") is not None and reduction != "sum":
            self.fail(("reduction",), "with upstream: the loss is g times the output summed over "
                                      "the samples; leave 'reduction:' out")
        if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
            shown = f"'{clip(reduction)}'" if isinstance(reduction, str) else _kind(reduction)
            self.fail(("reduction",), f"must be 'mean' or 'sum', not {shown}")
        optimizer = self.optimizer(top) if top.get("optimizer") is not None else None
        if optimizer is not None and loss is None:
            self.fail(("optimizer",), "an optimizer needs a loss to minimise; add 'loss:'")
        self.steps_with_numbers(optimizer, _first_symbol(top, params, data, inputs, targets))
        self.batch_fits(optimizer, len(data))
        steps = optimizer.steps if optimizer is not None else 0
        symbolic = sum(1 for sample in data if any(v is None for _, v in sample))
        work = budget.graph_work(len(data), len(nodes), len(params), steps,
                                 [budget.parts(text.text) for _, text in nodes], symbolic)
        if budget.over(work):
            where = ("data",) if len(data) > 1 else ("optimizer", "steps") if steps > 1 \
                else ("nodes",)
            several = f" ({symbolic} with a symbolic value, counted 3 times)" if symbolic else ""
            self.fail(where, f"{len(data)} sample{'s' * (len(data) != 1)}{several} x {1 + steps} "
                             f"pass{'es' * (steps > 0)} x ({len(nodes)} nodes and the loss, "
                             f"{len(params)} parameters) = {budget.describe(work)}: use fewer "
                             f"samples, optimizer steps or nodes")
        symbols = self.symbols(top, declared) if top.get("symbols") is not None else ()
        regularization = None
        if top.get("regularization") is not None:
            if loss is None:
                self.fail(("regularization",), "a penalty is added to the loss; add 'loss:'")
            regularization = self.regularization(top, [name for name, _ in params], layered=False,
                                                 optimizer=optimizer)
        return GraphProblem(source=self.source, title=title, notes=notes, inputs=inputs,
                            targets=targets, params=params, nodes=nodes, loss=loss, data=data,
                            reduction=reduction, optimizer=optimizer, symbols=symbols,
                            notation=read_notation(self, top),
                            regularization=regularization, groups=tuple(groups.items()),
                            samples=samples, ask=read_ask(self, top))
    def upstream(self, top, declare, nodes: dict, data, targets, loss) -> tuple:
        """upstream: {yhat: 0.5} (or one number per sample), a layer exercise's given
        gradient ∂L/∂yhat: a target g of each sample, and the loss g*yhat summed."""
        path = ("upstream",)
        if loss is not None:
            self.fail(path, "a layer exercise gives the upstream gradient instead of a loss; "
                            "remove 'loss:' or 'upstream:'")
        given = self.mapping(path, top["upstream"], "upstream", like="upstream: {yhat: 0.5}")
        if len(given) != 1:
            self.fail(path, "gives the gradient of one output node, like upstream: {yhat: 0.5}")
        node, values = next(iter(given.items()))
        if node not in nodes:
            self.fail(path + (node,), f"'{clip(node)}' is not a node"
                      + (did_you_mean(node, list(nodes)) or f" (the nodes: {', '.join(nodes)})"))
        at = path + (node,)
        values = values if isinstance(values, list) else [values]
        if len(values) != len(data):
            self.fail(at, f"has {len(values)} value{'s' * (len(values) != 1)} for {len(data)} "
                          f"sample{'s' * (len(data) != 1)}; give one number per sample")
        numbers = [self.number(at + (i,) if len(values) > 1 else at, v, allow_null=True)
                   for i, v in enumerate(values)]
        g = declare(at, "g" if "g" not in nodes and "g" not in targets and
                    not any(n == "g" for s in data for n, _ in s) else f"g_{node}", "a target")
        line = self.line(at)
        formula = FormulaText(f"{g}*{node}", self.spelling.field(path), line)
        data = tuple(sample + ((g, value),) for sample, value in zip(data, numbers))
        return LossSpec(field="upstream", line=line, formula=formula), data, targets + (g,)

    def loss(self, top, declared=None) -> LossSpec:
        """loss: a named loss, {type: ..., output: ..., target: ...}, or a formula;
        `declared` (the names so far) tells a misspelt named loss from a formula."""
        value = top["loss"]
        mark = self.doc.mark(("loss",))
        line = mark.line if mark else None
        if isinstance(value, str) and not isinstance(value, Flag) and value in NAMED_LOSSES \
                and value not in (declared or ()):  # a node called cross_entropy is that node
            return LossSpec(field="loss", line=line, type=value)
        if isinstance(value, dict):
            self.unknown_keys(("loss",), value, ("type", "output", "target"), "loss")
            kind = value.get("type")
            if "type" not in value:
                self.fail(("loss",), f"needs 'type:', one of {', '.join(NAMED_LOSSES)}")
            if not isinstance(kind, str) or kind not in NAMED_LOSSES:
                shown = clip(kind) if isinstance(kind, str) else _kind(kind)
                meant = self.meant(("loss", "type"), kind) if isinstance(kind, str) else None
                hint = (f"; write {meant.graph}" if meant is not None else
                        did_you_mean(kind, NAMED_LOSSES) if isinstance(kind, str) else "")
                self.fail(("loss", "type"), f"unknown loss type '{shown}'{hint} "
                                            f"(known: {', '.join(NAMED_LOSSES)})")
            output = self.name(("loss", "output"), value["output"], "output") if "output" in value else None
            target = value.get("target")
            if isinstance(target, list) and kind == "cross_entropy":  # one target per class
                target = tuple(self.name(("loss", "target", i), t, "target")
                               for i, t in enumerate(target))
            elif target is not None:
                target = self.name(("loss", "target"), target, "target")
                target = (target,) if kind == "cross_entropy" else target
            return LossSpec(field="loss", line=line, type=kind, output=output, target=target)
        if isinstance(value, str) and NAME.match(value) and declared is not None \
                and value not in declared:
            # A single word that is no declared name: meant as one of the named losses.
            meant = self.meant(("loss",), value)
            hint = f"; write {meant.graph}" if meant is not None else \
                did_you_mean(value, NAMED_LOSSES)
            self.fail(("loss",), f"unknown loss '{clip(value)}'{hint} (the named losses are "
                                 f"{', '.join(NAMED_LOSSES)}; or write a formula like "
                                 f"(yhat - y)**2)")
        return LossSpec(field="loss", line=line, formula=self.formula(("loss",), value))

    def general_samples(self, top, declared, loss) -> str | None:
        """samples: m (a symbol) instead of data: one sample of symbols, summed over m."""
        count = top.get("samples")
        if count is None:
            return None
        sample_count(self, count, declared, "the problem", "the problem's 'i'",
                     hint="; for numbers write the samples in data:")
        if top.get("data") is not None:
            self.fail(("data",), "samples: m makes the data general (x⁽ⁱ⁾, y⁽ⁱ⁾); remove data:, "
                                 "or samples:")
        if loss is None:
            self.fail(("samples",), "samples: m sums the loss over the samples; add 'loss:'")
        if top.get("regularization") is not None:
            self.fail(("samples",), "samples: m does not take regularization: yet; remove one")
        optimizer = top.get("optimizer")
        if isinstance(optimizer, dict) and (optimizer.get("type", "sgd") != "sgd" or
                                            optimizer.get("steps", 1) != 1 or
                                            set(optimizer) - {"type", "lr", "steps"}):
            self.fail(("optimizer",), "with samples: m the step is written in general: plain "
                                      "sgd, one step (type: sgd, lr:)")
        return count

    def group_loss(self, loss: LossSpec | None, groups: dict, nodes, targets, data, declared):
        """A loss over a softmax node: cross_entropy, with its targets checked against every
        sample (spec/groups.py); any other named loss takes one output, and cross_entropy
        a softmax node."""
        if loss is None or loss.type is None:
            return loss
        output = loss.output or nodes[-1][0]
        group = groups.get(output)
        if loss.type == "cross_entropy":
            if group is None:
                self.fail(("loss",) if loss.output is None else ("loss", "output"),
                          f"cross_entropy is −Σₖ yₖ log pₖ over a softmax node's outputs, and "
                          f"{output} is one number: make the output a softmax node, like "
                          f"p: softmax(s1, s2, s3), or for a single sigmoid output write bce "
                          f"(binary cross-entropy)")
            chosen = read_targets(self, loss, group, targets, data, declared)
            return LossSpec(field=loss.field, line=loss.line, type=loss.type, output=output,
                            target=chosen)
        if group is not None:
            self.fail(("loss",), f"{loss.type} takes one output, and {output} is a {group.kind} "
                                 f"of {len(group.components)}: write cross_entropy, or the loss as "
                                 f"a formula of {', '.join(group.components)}")
        return loss

    def meant(self, path, written: str) -> Loss | None:
        """The loss `written` names (another library's name, or one the graph form writes
        otherwise: mse is the squared error with one output), or None; a loss with no
        meaning for one output (cross_entropy) is refused here, saying what to write."""
        loss = lookup(written)
        if loss is None or written.lower() in NAMED_LOSSES:
            return None
        if loss.graph is None:
            self.fail(path, graph_refusal(clip(written), loss))
        return loss

    def data(self, top, inputs, targets, needs_targets: bool):
        if "data" not in top or top["data"] is None:
            # No data: one sample, every input and target a symbol.
            return (tuple((n, None) for n in inputs + (targets if needs_targets else ())),)
        samples = self.sequence(("data",), top["data"], "data")
        if not samples:
            self.fail(("data",), "needs at least one sample, like  - {x1: 1, y: 0}")
        if len(samples) > MAX_SAMPLES:
            self.fail(("data",), f"has {len(samples)} samples; the limit is {MAX_SAMPLES}")
        wanted = inputs + (targets if needs_targets else ())
        allowed = inputs + targets
        result = []
        for i, sample in enumerate(samples):
            path = ("data", i)
            sample = self.mapping(path, sample, f"data[{i}]")
            for key in sample:
                if key not in allowed:
                    hint = did_you_mean(key, allowed) or \
                        f" (inputs: {', '.join(inputs) or 'none'}; targets: {', '.join(targets) or 'none'})"
                    self.fail(path + (key,), f"'{clip(key)}' is not an input or a target{hint}")
            missing = [n for n in wanted if n not in sample]
            if missing:
                self.fail(path, f"sample {i + 1} has no value for {', '.join(missing)}; every "
                                f"sample gives every input" + (" and target" if needs_targets else "")
                                + f": add it, like {missing[0]}: 0.5 (or {missing[0]}: null for "
                                  f"a symbol)")
            result.append(tuple((n, self.number(path + (n,), sample[n], allow_null=True))
                                for n in allowed if n in sample))
        return tuple(result)
    def symbols(self, top, declared) -> tuple:
        path = ("symbols",)
        value = self.mapping(path, top["symbols"], "symbols")
        result = []
        for name, latex in value.items():
            if name not in declared:
                self.fail(path + (name,), f"'{clip(name)}' is not a declared name"
                          + (did_you_mean(name, declared) or
                             "; symbols: gives LaTeX for the inputs, targets, params and nodes"))
            latex = self.text(path + (name,), latex)
            check_symbol_latex(latex, lambda msg: self.fail(path + (name,), msg))
            result.append((name, latex))
        return tuple(result)


def _first_symbol(top, params, data, inputs, targets) -> tuple | None:
    """The path of the first symbolic (null) value a step works with, () for data left
    out (every input a symbol), or None when every one is a number."""
    for name, value in params:
        if value is None:
            return ("params", name)
    if top.get("data") is None:
        return ()
    for i, sample in enumerate(data):
        for name, value in sample:
            if value is None:
                return ("data", i, name)
    return None


def check_notes_math(notes: str, fail) -> None:
    """The inline math of notes, `$...$`, through the checks of symbols: (a formula's signs
    too, and up to 300 characters each); `\\$` is a dollar sign."""
    parts = split_math(notes)
    if parts is None:
        fail("has a $ that opens math no $ closes; write $...$ around math, or \\$ for a "
             "dollar sign")
    for is_math, latex in parts:
        if is_math:
            check_symbol_latex(latex, fail, what="math in notes", limit=300, signs=True)


def check_symbol_latex(latex: str, fail, what: str = "a symbol", limit: int = 100,
                       signs: bool = False) -> None:
    """Allow letters, sub/superscripts, accents and Greek; refuse anything else."""
    if not latex.strip():
        fail(f"the LaTeX for {what} is empty; write one like '\\hat{{y}}'"
             + (", or leave the name out" if what == "a symbol" else ""))
    if len(latex) > limit:
        fail(f"the LaTeX for {what} is longer than {limit} characters"
             + ("; a symbol needs a few, like '\\hat{y}'" if what == "a symbol" else ""))
    if "^^" in latex:  # TeX's ^^5c is a backslash in disguise
        fail(f"{latex!r} contains '^^', which TeX reads as a character code; write ^{{...}}")
    if not _SAFE_LATEX.match(latex):
        fail(f"{latex!r} contains characters not allowed in {what} "
             f"(use letters, digits, _ ^ {{ }} and commands like \\hat, \\alpha)")
    for command in re.findall(r"\\([A-Za-z]+)", latex):
        if command not in _SAFE_COMMANDS and not (signs and command in _FORMULA_SIGNS | _FORMULA_MACROS):
            fail(f"the LaTeX command \\{command} is not allowed in {what} "
                 f"(allowed: accents like \\hat, fonts like \\mathbf, Greek letters"
                 + (", signs like \\times, \\le)" if signs else ")"))
    depth = 0
    for ch in latex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            break
    if depth != 0:
        fail(f"the braces in {latex!r} do not match; close every {{ with a }}")
    problem = _math_problem(latex)
    if problem:
        fail(f"{latex!r} would stop LaTeX: {problem}")


_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)


def _math_problem(latex: str) -> str | None:
    """What TeX would stop at in `latex` as math, or None: a _ or ^ with nothing after
    it, two of them on one base (x_1_2), an accent or font with no argument (\\hat)."""
    tokens = _TOKEN.findall(latex)
    used: set = set()  # the scripts the current base already has

    def start(i: int) -> int:
        while i < len(tokens) and tokens[i] == " ":
            i += 1
        return i

    def argument(i: int, of_command: bool = False) -> int | None:
        """The index after the argument starting at token i, or None if there is none (a
        command's argument that is itself a command needs braces: \\operatorname{\\partial})."""
        i = start(i)
        if i >= len(tokens) or tokens[i] in ("}", "_", "^", "'"):
            return None
        if tokens[i] == "{":
            depth = 0
            for j in range(i, len(tokens)):
                depth += {"{": 1, "}": -1}.get(tokens[j], 0)
                if depth == 0:
                    return j + 1
            return None
        if tokens[i].startswith("\\") and (of_command or tokens[i][1:] in _TAKES_ARGUMENT):
            return None  # \\hat\\mathbf x: \\hat takes \\mathbf alone; braces are needed
        return i + 1

    stack: list = []  # per open brace: (the scripts of the base outside, a script's group?)
    script_group = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "{":
            stack.append((used, script_group))
            used, script_group = set(), False
            i += 1
            continue
        if token == "}":
            outside, was_script = stack.pop() if stack else (set(), False)
            used = outside if was_script else set()  # {x_1} is a base; x_{1} keeps x's _
            i += 1
            continue
        if token in ("_", "^"):
            if token == "^" and "'" in used and tokens[i - 1] != "'":
                return "a superscript after a prime must follow it directly, like x'^2"
            if token in used:
                return (f"two {token} on one symbol; group them, like x{token}{{1,2}} or "
                        f"{{x{token}1}}{token}2")
            after = argument(i + 1)
            if after is None:
                return f"{token} needs something after it, like x{token}{{1}} (in braces when it is a command)"
            used = used | {token}
            if tokens[start(i + 1)] == "{":  # look inside the group too
                script_group, i = True, start(i + 1)
            else:
                i = after
            continue
        if token == "'":  # a prime is a superscript: x'^2 is fine, x^2' is two
            if "^" in used:
                return "a prime after a superscript (x^2'); write the prime first, like x'^2"
            used = used | {"'"}
            i += 1
            continue
        if token == "\\frac":  # two arguments; what is inside them is read as groups
            first = argument(i + 1, of_command=True)
            if first is None or argument(first, of_command=True) is None:
                return "\\frac needs two arguments in braces, like \\frac{1}{2}"
            used, i = set(), i + 1
            continue
        if token.startswith("\\") and (token[1:] in _TAKES_ARGUMENT or token == "\\sqrt"):
            after = argument(i + 1, of_command=True)
            if after is None:
                return f"{token} needs an argument in braces, like {token}{{y}}"
            if token == "\\text" and any(t.startswith("\\") for t in tokens[i + 1:after]):
                return "\\text takes plain text, no commands; write \\text{in} or \\partial alone"
            used = set()
            i = start(i + 1) if tokens[start(i + 1)] == "{" else after
            continue
        if token != " ":
            used = set()
        i += 1
    return None

