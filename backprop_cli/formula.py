"""The safe formula parser: text in, SymPy out, nothing ever executed.

Python's own parser (`ast`) reads the text into a tree; every node is checked against a
whitelist and turned into SymPy objects directly. `eval`, `sympify` and `parse_expr` are
never called on spec text. Sizes are capped *before* SymPy sees anything, so `9**9**9`
is refused instead of computed.

Each formula gives two trees: `expr`, the canonical SymPy expression used for all
computing, and `display`, the same formula unevaluated, in the order it was written
(`x1*w1` stays "x1 w1", `0.5` stays a decimal), used only for printing.
"""

from __future__ import annotations

import ast
import keyword
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import sympy as sp

from .errors import clip
from .suggest import did_you_mean
from .vocab import activations

MAX_LENGTH = 2000
MAX_NODES = 500
MAX_DEPTH = 40
MAX_LITERAL_DIGITS = 30
MAX_EXPONENT = 64
MAX_POWER_BITS = 4096  # a power of two numbers may have at most this many bits

#: name -> (SymPy function, allowed argument counts): the activations a formula calls
#: (vocab/activations.py), then SymPy's own.
FUNCTIONS = {
    **{a.name: (a.function, a.arguments) for a in activations.in_formulas()},
    "exp": (sp.exp, (1,)),
    "log": (sp.log, (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "abs": (sp.Abs, (1,)),
}
assert tuple(FUNCTIONS) == activations.formula_functions()

#: The default of an activation's optional last argument: leaky_relu's slope α.
DEFAULT_ARGUMENTS = {a.name: sp.Rational(a.parameter[1].numerator, a.parameter[1].denominator)
                     for a in activations.in_formulas() if a.parameter is not None}

#: Other spellings of the listed functions, and what to write instead.
ALIASES = {
    **{alias: name for alias, name in activations.aliases().items()
       if activations.ACTIVATIONS[name].in_formulas},
    "ln": "log", "max": "relu (relu(x) is max(x, 0))", "Max": "relu (relu(x) is max(x, 0))",
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


@dataclass(frozen=True)
class Formula:
    text: str
    expr: sp.Expr
    display: sp.Expr


def parse_formula(text: str, names: dict[str, sp.Symbol]) -> Formula:
    """Parse `text`, allowing only the names in `names` and the whitelisted functions."""
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
        hint = " (write powers as '**', not '^')" if "^" in text else ""
        if not hint and text.count("(") != text.count(")"):
            hint = (f" (the parentheses do not match: {text.count('(')} '(' and "
                    f"{text.count(')')} ')')")
        if not hint and re.search(r"[\w.)]\s+[\w(]", text):
            hint = " (is a '*' missing between two terms? write x1*w1, not x1 w1)"
        reserved = [w for w in re.findall(r"[A-Za-z_]\w*", text) if keyword.iskeyword(w)]
        if not hint and reserved:
            hint = (f" ('{reserved[0]}' is a reserved word of Python, not a name; "
                    f"rename it, like {reserved[0]}_1)")
        if not hint:
            hint = " (write it like sigmoid(w1*x1 + w2*x2 + b), with * for every product)"
        raise FormulaError(f"this is not a valid formula{hint}", column) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("the formula is nested too deeply") from None
    _check_size(tree)
    if "^" in text:
        # Python reads ^ as xor; nobody means that in a network formula.
        raise FormulaError("write powers as '**', not '^'", text.index("^"))
    builder = _Builder(text, names)
    expr, display = builder.build(tree.body)
    return Formula(text=text, expr=expr, display=display)


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
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _suggest(name: str, candidates) -> str:
    if candidates is FUNCTIONS and name in ALIASES:
        return f"; write {ALIASES[name]}"
    return did_you_mean(name, candidates)


class _Builder:
    def __init__(self, text: str, names: dict[str, sp.Symbol]):
        self.text = text
        self.names = names

    def fail(self, message: str, node: ast.AST):
        raise FormulaError(message, getattr(node, "col_offset", None))

    def build(self, node: ast.AST):
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            what = _FORBIDDEN.get(type(node), f"'{type(node).__name__}' expressions")
            self.fail(f"{what} cannot be used in a formula (only numbers, declared names, "
                      f"+ - * / ** and the listed functions)", node)
        expr, display = method(node)
        if expr.is_number and expr.is_real is False:
            self.fail("this is not a real number (a square root or fractional power of a "
                      "negative number): take the root of a number that is 0 or more", node)
        if expr.has(sp.zoo, sp.nan, sp.oo):
            self.fail("this is undefined: a division by zero, or 0 raised to a power that "
                      "can be negative", node)
        return expr, display

    # leaves ---------------------------------------------------------------
    def _Constant(self, node: ast.Constant):
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
        exact = Fraction(decimal)
        expr = sp.Rational(exact.numerator, exact.denominator)
        if isinstance(value, float):
            # Printed as the decimal the user wrote, not as a fraction.
            return expr, sp.Float(str(decimal), max(15, digits))
        return expr, expr

    def _Name(self, node: ast.Name):
        symbol = self.names.get(node.id)
        if symbol is None:
            if node.id in FUNCTIONS:
                self.fail(f"'{node.id}' is a function; call it as {node.id}(...)", node)
            hint = _suggest(node.id, self.names) or \
                f"; declare it first, like params: {{{clip(node.id)}: 0.5}} or inputs: [{clip(node.id)}]"
            self.fail(f"unknown name '{clip(node.id)}'{hint} "
                      f"(a formula may use the names declared under inputs, targets and "
                      f"params, and the nodes above it)", node)
        return symbol, symbol

    # operators ------------------------------------------------------------
    def _UnaryOp(self, node: ast.UnaryOp):
        expr, display = self.build(node.operand)
        if isinstance(node.op, ast.USub):
            if display.is_Number:
                return -expr, -display
            return -expr, sp.Mul(-1, display, evaluate=False)
        if isinstance(node.op, ast.UAdd):
            return expr, display
        self.fail("only '+' and '-' may stand before a term", node)

    def _BinOp(self, node: ast.BinOp):
        op = node.op
        if isinstance(op, ast.BitXor):
            self.fail("write powers as '**', not '^'", node)
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
            self.fail("only + - * / ** are allowed between terms", node)
        left, left_d = self.build(node.left)
        right, right_d = self.build(node.right)
        if isinstance(op, ast.Add):
            return left + right, _flat(sp.Add, left_d, right_d)
        if isinstance(op, ast.Sub):
            return left - right, _flat(sp.Add, left_d, _negate(right_d))
        if isinstance(op, ast.Mult):
            return left * right, _flat(sp.Mul, left_d, right_d)
        if isinstance(op, ast.Div):
            if right == 0:
                self.fail("this divides by zero (the divisor is 0 whatever the values); "
                          "change the formula", node)
            return left / right, sp.Mul(left_d, sp.Pow(right_d, -1, evaluate=False), evaluate=False)
        # Pow: cap numeric exponents before SymPy computes anything.
        if right.is_Number and (abs(right) > MAX_EXPONENT or (right.is_Rational and right.q > MAX_EXPONENT)):
            self.fail(f"the exponent {right} is too large: use a power of at most "
                      f"{MAX_EXPONENT}", node.right)
        if left == 0 and right.is_Number and right <= 0:
            self.fail("0 raised to a non-positive power is undefined", node)
        if left.is_number and right.is_number:
            # Each exponent is small, but (a**64)**64 nests: bound the size of the result.
            if left.is_Rational:
                bits = int(left.p).bit_length() + int(left.q).bit_length()
            else:
                size = abs(left.evalf(15))
                bits = abs(float(sp.log(size, 2).evalf(15))) + 1 if size.is_finite and size != 0 else 0
            if right.is_comparable and bits * abs(float(right)) > MAX_POWER_BITS:
                self.fail("this power is too large to compute", node)
        result = left**right
        if result.is_Pow and result.exp.is_Number and abs(result.exp) > MAX_EXPONENT**2:
            self.fail(f"the combined exponent {result.exp} is too large", node)
        return result, sp.Pow(left_d, right_d, evaluate=False)

    def _Call(self, node: ast.Call):
        if not isinstance(node.func, ast.Name):
            self.build(node.func)  # says what is wrong with x.f(), (lambda: 1)(), ...
            self.fail(f"only the listed functions may be called, by name, like sigmoid(z) "
                      f"(known: {', '.join(FUNCTIONS)})", node)
        name = node.func.id
        if name not in FUNCTIONS:
            self.fail(f"unknown function '{clip(name)}'{_suggest(name, FUNCTIONS)} "
                      f"(known: {', '.join(FUNCTIONS)})", node)
        if node.keywords:
            self.fail(f"{name}() takes no keyword arguments", node)
        function, arities = FUNCTIONS[name]
        if len(node.args) not in arities:
            wanted = " or ".join(str(a) for a in arities)
            example = f"{name}(z) or {name}(z, 0.1)" if len(arities) > 1 else f"{name}(w1*x1 + b)"
            self.fail(f"{name}() takes {wanted} argument{'s' if arities[-1] > 1 else ''}, "
                      f"not {len(node.args)}: write it like {example}", node)
        built = [self.build(arg) for arg in node.args]
        args = [b[0] for b in built]
        shown = [b[1] for b in built]
        if name in DEFAULT_ARGUMENTS and len(args) < arities[-1]:
            args.append(DEFAULT_ARGUMENTS[name])
            shown.append(DEFAULT_ARGUMENTS[name])
        if function is sp.log and args[0].is_Number and args[0] <= 0:
            self.fail(f"log({args[0]}) is undefined: the logarithm needs a positive number", node)
        if function is sp.sqrt and args[0].is_Number and args[0] < 0:
            self.fail(f"sqrt({args[0]}) is not a real number: the square root needs a number "
                      f"that is 0 or more", node)
        return function(*args), function(*shown, evaluate=False)


def _negate(display: sp.Expr) -> sp.Expr:
    if display.is_Number:
        return -display
    return sp.Mul(-1, display, evaluate=False)


def _flat(kind, left: sp.Expr, right: sp.Expr) -> sp.Expr:
    """Unevaluated `kind(left, right)`, flattened so `a*b*c` prints without extra brackets."""
    args = []
    for part in (left, right):
        if type(part) is kind and not _is_negation(part):
            args.extend(part.args)
        else:
            args.append(part)
    return kind(*args, evaluate=False)


def _is_negation(expr: sp.Expr) -> bool:
    return expr.is_Mul and len(expr.args) == 2 and expr.args[0] == -1
