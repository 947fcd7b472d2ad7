"""The safe formula parser: text in, SymPy out, nothing ever executed.

Python's own parser (`ast`) reads the text into a tree; every node is checked against a
whitelist (formula_syntax.py, which the spec stage uses alone) and turned into SymPy
objects directly. `eval`, `sympify` and `parse_expr` are never called on spec text.
Sizes are capped *before* SymPy sees anything, so `9**9**9` is refused instead of
computed.

Each formula gives two trees: `expr`, the canonical SymPy expression used for all
computing, and `display`, the same formula unevaluated, in the order it was written
(`x1*w1` stays "x1 w1", `0.5` stays a decimal), used only for printing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from . import functions
from .formula_syntax import ALIASES, ARITIES, Checks, FormulaError, read
from .vocab import activations

__all__ = ["ALIASES", "DEFAULT_ARGUMENTS", "FUNCTIONS", "Formula", "FormulaError", "parse_formula"]

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
    "max": (functions.maximum, ARITIES["max"]),
    "min": (functions.minimum, ARITIES["min"]),
}
assert tuple(FUNCTIONS) == activations.formula_functions() == tuple(ARITIES)
assert all(FUNCTIONS[name][1] == ARITIES[name] for name in ARITIES)

#: The default of an activation's optional last argument: leaky_relu's slope α.
DEFAULT_ARGUMENTS = {a.name: sp.Rational(a.parameter[1].numerator, a.parameter[1].denominator)
                     for a in activations.in_formulas() if a.parameter is not None}


@dataclass(frozen=True)
class Formula:
    text: str
    expr: sp.Expr
    display: sp.Expr


def parse_formula(text: str, names: dict[str, sp.Symbol]) -> Formula:
    """Parse `text`, allowing only the names in `names` and the whitelisted functions."""
    tree, text = read(text)
    builder = _Builder(text, names)
    expr, display = builder.build(tree.body)
    return Formula(text=text, expr=expr, display=display)


def _not_real(expr) -> bool:
    """Whether SymPy knows `expr` is not real. Asking evaluates a number, and a function of
    exp(1e30) overflows there in mpmath (as a hash seed may order the queries): too large
    to tell here, it is left to the numeric stage, which bounds it first and says so."""
    try:
        return bool(expr.is_number and expr.is_real is False or expr.has(sp.I))
    except OverflowError:
        return False


class _Builder(Checks):
    """SymPy from a tree, node by node: each node passes formula_syntax's check of its kind
    (in the order a walk of the syntax alone would check it) and then the checks that need
    its value."""

    def build(self, node: ast.AST):
        self.kind(node)
        expr, display = getattr(self, "_" + type(node).__name__)(node)
        if _not_real(expr):  # sqrt(-9**x) = 3**x i
            self.fail("this is not a real number (a square root or fractional power of a "
                      "negative number): take the root of a number that is 0 or more", node)
        if expr.has(sp.zoo, sp.nan, sp.oo):
            self.fail("this is undefined: a division by zero, or 0 raised to a power that "
                      "can be negative", node)
        return expr, display

    # leaves ---------------------------------------------------------------
    def _Constant(self, node: ast.Constant):
        decimal, digits = self.constant(node)
        exact = Fraction(decimal)
        expr = sp.Rational(exact.numerator, exact.denominator)
        if isinstance(node.value, float):
            # Printed as the decimal the user wrote, not as a fraction.
            return expr, sp.Float(str(decimal), max(15, digits))
        return expr, expr

    def _Name(self, node: ast.Name):
        self.name(node)
        symbol = self.names[node.id]
        return symbol, symbol

    # operators ------------------------------------------------------------
    def _UnaryOp(self, node: ast.UnaryOp):
        expr, display = self.build(node.operand)
        self.unary(node)
        if isinstance(node.op, ast.USub):
            if display.is_Number:
                return -expr, -display
            return -expr, sp.Mul(-1, display, evaluate=False)
        return expr, display

    def _BinOp(self, node: ast.BinOp):
        self.binary(node)
        op = node.op
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
        self.call(node)
        name = node.func.id
        function, arities = FUNCTIONS[name]
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
