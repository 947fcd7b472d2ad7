"""What is a formula, decided from its shape alone: no SymPy here.

Python's own parser (`ast`) reads the text into a tree; every node is checked against a
whitelist: numbers, the names allowed, + - * / **, and calls of the listed functions with
the right number of arguments. Sizes are capped before anything is built. The spec stage
checks a formula with `check` alone, so that what is not a formula (injection, a syntax
error, an unknown function, a string) is reported before its words are taken for
variables; `formula.py` builds SymPy from the same checks, node by node, in the same
order, adding only what needs the values (a division by zero, a power too large).
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from decimal import Decimal, InvalidOperation

from .errors import clip
from .suggest import did_you_mean, foreign
from .vocab import activations

MAX_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 40
MAX_LITERAL_DIGITS = 30

#: name -> allowed argument counts: the activations a formula calls
#: (vocab/activations.py), then the elementary functions.
ARITIES = {
    **{a.name: a.arguments for a in activations.in_formulas()},
    **{name: (1,) for name in activations.ELEMENTARY},
    **{name: tuple(range(2, activations.MAX_SELECTED + 1)) for name in activations.SELECTIONS},
}

#: Other spellings of the listed functions, and what to write instead.
ALIASES = {
    **{alias: name for alias, name in activations.aliases().items()
       if activations.ACTIVATIONS[name].in_formulas},
    "ln": "log", "Max": "max", "Min": "min", "maximum": "max", "minimum": "min",
    "amax": "max", "amin": "min", "fmax": "max", "fmin": "min",
    # (not 'did you mean max?', which is near in letters only)
    "softmax": "each output out with exp, like exp(z1)/(exp(z1) + exp(z2))",
    "fabs": "abs", "Abs": "abs", "pow": "powers with ** (x**2)",
}

_FORBIDDEN = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "indexing ('[...]')",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "'if ... else'",
    ast.List: "lists",
    ast.Tuple: "tuples (a stray comma?)",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.JoinedStr: "strings",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "':='",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.Await: "'await'",
    ast.Slice: "slices",
    ast.FormattedValue: "strings",
}

_ALLOWED = (ast.Constant, ast.Name, ast.UnaryOp, ast.BinOp, ast.Call)
_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


class FormulaError(ValueError):
    """A formula that cannot be accepted; `column` is 0-based within the text. A formula too
    large has `cause` 'size' and the graph form's `advice` (split it into nodes), which
    another form replaces with its own."""

    def __init__(self, message: str, column: int | None = None, *, advice: str = "",
                 cause: str | None = None):
        self.reason = message
        self.advice = advice
        self.cause = cause
        self.message = f"{message}; {advice}" if advice else message
        super().__init__(self.message)
        self.column = column


def check(text: str, names) -> None:
    """Raise FormulaError if `text` is not a formula in `names` and the listed functions."""
    tree, text = read(text)
    _Walker(text, names).walk(tree.body)


def read(text: str) -> tuple[ast.Expression, str]:
    """The syntax tree of `text` (stripped) and the text, its size within the limits."""
    if not isinstance(text, str):
        raise FormulaError("a formula must be text")
    text = text.strip()
    if not text:
        raise FormulaError("the formula is empty; write one, like sigmoid(w1*x1 + b)")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}: "
                           f"split it into shorter ones (several nodes)")
    try:
        with warnings.catch_warnings():
            # Python warns on stderr about text like '1if' before parsing it: not our message.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        column = (exc.offset - 1) if exc.offset else None
        raise FormulaError(f"this is not a valid formula{_syntax_hint(text)}", column) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply") from None
    _check_size(tree)
    if "^" in text:
        # Python reads ^ as xor; nobody means that in a network formula.
        raise FormulaError("write powers as '**', not '^'", text.index("^"))
    return tree, text


def _syntax_hint(text: str) -> str:
    if "^" in text:
        return " (write powers as '**', not '^')"
    if text.count("(") != text.count(")"):
        return (f" (the parentheses do not match: {text.count('(')} '(' and "
                f"{text.count(')')} ')')")
    if re.search(r"[\w.)]\s+[\w(]", text):
        return " (is a '*' missing between two terms? write x1*w1, not x1 w1)"
    reserved = [w for w in re.findall(r"[A-Za-z_]\w*", text) if keyword.iskeyword(w)]
    if reserved:
        return (f" ('{reserved[0]}' is a reserved word of Python, not a name; "
                f"rename it, like {reserved[0]}_1)")
    return " (write it like sigmoid(w1*x1 + w2*x2 + b), with * for every product)"


def _check_size(tree: ast.AST) -> None:
    count = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"the formula has more than {MAX_NODES} parts",
                               advice="split it into nodes", cause="size")
        if depth > MAX_DEPTH:
            raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep",
                               advice="split it into several nodes", cause="size")
        # A level is an operation (a call, a sum, a power): f(g(x)) is 2 deep, as a person
        # counts, not its names, contexts and operators, which are AST nodes too.
        stack.extend((child, depth + (isinstance(child, ast.expr)
                                      and not isinstance(child, (ast.Name, ast.Constant))))
                     for child in ast.iter_child_nodes(node))


def _suggest(name: str, candidates) -> str:
    if candidates is ARITIES and name in ALIASES:
        return f"; write {ALIASES[name]}"
    return did_you_mean(name, candidates)


class Checks:
    """The check of each kind of node. A walk over the tree calls them in the order the
    formula is read: a node's own kind, then (UnaryOp) its operand before its operator,
    (BinOp) its operator before its operands, (Call) the function before its arguments;
    formula.py's builder calls the same ones where it builds that node."""

    def __init__(self, text: str, names):
        self.text = text
        self.names = names

    def fail(self, message: str, node: ast.AST):
        raise FormulaError(message, getattr(node, "col_offset", None))

    def kind(self, node: ast.AST) -> None:
        if not isinstance(node, _ALLOWED):
            what = _FORBIDDEN.get(type(node), f"'{type(node).__name__}' expressions")
            self.fail(f"{what} cannot be used in a formula (only numbers, declared names, "
                      f"+ - * / ** and the listed functions)", node)

    def constant(self, node: ast.Constant) -> tuple[Decimal, int]:
        """The number as written, exactly, and how many digits it has."""
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if isinstance(value, (str, bytes)):
                self.fail(f"text in quotes ({clip(repr(value), 30)}) is not a number or a "
                          f"name; write names without quotes, like x1*w1", node)
            self.fail(f"{value!r} is not a number or a declared name", node)
        source = ast.get_source_segment(self.text, node) or repr(value)
        digits = sum(ch.isdigit() for ch in source)
        if digits > MAX_LITERAL_DIGITS:
            self.fail(f"the number {source[:20]}... has more than {MAX_LITERAL_DIGITS} digits; "
                      f"write a shorter one (a constant in a formula is at most "
                      f"1e{MAX_LITERAL_DIGITS})", node)
        try:
            decimal = Decimal(source.replace("_", ""))
        except (InvalidOperation, ValueError):
            self.fail(f"cannot read the number {source!r}", node)
        if decimal and abs(decimal.adjusted()) > MAX_LITERAL_DIGITS:
            self.fail(f"the number {source} is too large or too small (at most 1e{MAX_LITERAL_DIGITS})", node)
        return decimal, digits

    def name(self, node: ast.Name) -> None:
        if node.id in self.names:
            return
        if node.id in ARITIES:
            self.fail(f"'{node.id}' is a function; call it as {node.id}(...)", node)
        hint = _suggest(node.id, self.names) or \
            f"; declare it first, like params: {{{clip(node.id)}: 0.5}} or inputs: [{clip(node.id)}]"
        self.fail(f"unknown name '{clip(node.id)}'{foreign(node.id)}{hint} "
                  f"(a formula may use the names declared under inputs, targets and "
                  f"params, and the nodes above it)", node)

    def unary(self, node: ast.UnaryOp) -> None:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            self.fail("only '+' and '-' may stand before a term", node)

    def binary(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.BitXor):
            self.fail("write powers as '**', not '^'", node)
        if not isinstance(node.op, _OPERATORS):
            self.fail("only + - * / ** are allowed between terms", node)

    def call(self, node: ast.Call) -> None:
        """After a callee that is not a name has been walked (it says what is wrong with
        x.f(), (lambda: 1)(), ...): the function's name and its arguments."""
        if not isinstance(node.func, ast.Name):
            self.fail(f"only the listed functions may be called, by name, like sigmoid(z) "
                      f"(known: {', '.join(ARITIES)})", node)
        name = node.func.id
        if name not in ARITIES:
            self.fail(f"unknown function '{clip(name)}'{_suggest(name, ARITIES)} "
                      f"(known: {', '.join(ARITIES)})", node)
        if node.keywords:
            self.fail(f"{name}() takes no keyword arguments", node)
        arities = ARITIES[name]
        if len(node.args) not in arities:
            wanted = " or ".join(str(a) for a in arities)
            example = f"{name}(z) or {name}(z, 0.1)" if len(arities) > 1 else f"{name}(w1*x1 + b)"
            if len(arities) > 2:  # max, min
                wanted = f"from {arities[0]} to {arities[-1]}"
                example = f"{name}(a, b) or {name}(a, b, c)"
            self.fail(f"{name}() takes {wanted} argument{'s' if arities[-1] > 1 else ''}, "
                      f"not {len(node.args)}: write it like {example}", node)


class _Walker(Checks):
    def walk(self, node: ast.AST) -> None:
        self.kind(node)
        if isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Name):
            self.name(node)
        elif isinstance(node, ast.UnaryOp):
            self.walk(node.operand)
            self.unary(node)
        elif isinstance(node, ast.BinOp):
            self.binary(node)
            self.walk(node.left)
            self.walk(node.right)
        else:
            if not isinstance(node.func, ast.Name):
                self.walk(node.func)
            self.call(node)
            for arg in node.args:
                self.walk(arg)
