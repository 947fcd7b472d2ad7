"""Expressions to numbers: exact where the arithmetic allows, else PRECISION digits; never
hanging (bounds.py checks first), keeping digits near saturation, and saying what is
wrong, and where, when a value is undefined.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import arith, bounds
from .errors import EvaluationError, clip
from .functions import sigmoid, softplus

PRECISION = arith.PRECISION
MAX_SYMBOLIC_PARTS = 20_000  # a symbolic value written out (the JSON formula, a step's value)


def evaluate(expr: sp.Expr, env: dict, what: str = "a value", where=None,
             output: sp.Symbol | None = None) -> sp.Expr:
    """`expr` with `env` (Symbol -> number) put in: a Rational where the arithmetic is
    exact, else a Float of PRECISION digits; the expression itself while symbols remain.

    `where` (anything with `field` and `line`, like a graph Node) is named in errors;
    `output`, the network's output, lets a message about a loss say what bce needs.
    """
    if expr.is_Float and expr._prec == arith.BITS and expr.is_finite:
        return expr  # already computed (an update's value): evalf would give it back
    fast = arith.value(expr, env)  # the commonest values, without SymPy's arithmetic
    if fast is not None:
        return fast
    return evaluate_with_sympy(expr, env, what, where, output)


def evaluate_with_sympy(expr: sp.Expr, env: dict, what: str = "a value", where=None,
                        output: sp.Symbol | None = None) -> sp.Expr:
    """evaluate() by SymPy alone, bounds checked first: every value arith does not take,
    and the reference its tests compare it with."""
    try:
        exact = bounds.check(expr, env)
    except bounds.OutOfRange as exc:
        raise _failure(f"{what} cannot be computed: {show(exc.part)} {exc.reason}; check the "
                       f"sizes of the weights and inputs", where) from None
    if not exact:  # exact fractions would grow too large: compute with decimals instead
        env = {s: sp.Float(v, PRECISION) if isinstance(v, sp.Rational) else v
               for s, v in env.items()}
    try:
        # A deep nest, log(log(...(w*x))): its numbers put in level by level (see below).
        value = innermost_first(expr, env, PRECISION + 20) if _nesting(expr) > DEEP_NEST \
            else expr.xreplace(env)
    except (TypeError, KeyError):
        # SymPy's automatic simplification of some nests of closed forms fails inside its
        # assumptions (log(log(σ(r))**-2): "Invalid comparison of non-real log(σ(r))"):
        # put in the forms' values as decimals instead
        env = {s: v.evalf(PRECISION) if v.is_number and not v.is_Rational else v
               for s, v in env.items()}
        value = expr.xreplace(env)
    if output is not None:  # a loss: a log its factor 0 took out is undefined all the same
        dropped = _dropped_log(expr, env, value, output)
        if dropped:
            raise _error(what, dropped, where)
    if value.is_Rational:
        return value
    if not value.is_number:
        return value
    if not value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        result = stable(value).evalf(PRECISION)
        if (result.is_Float and result.is_finite) or result.is_Rational:
            return result
    raise _error(what, why_undefined(expr, env, output), where)


def sized(expr: sp.Expr, what: str, where=None) -> sp.Expr:
    """`expr`, unless written out it would have more than MAX_SYMBOLIC_PARTS parts.

    A symbolic value is a tree whose branches are shared (each adjoint is built from the
    ones before it); written out, a dense network's is exponentially long, and SymPy's own
    walks over it (printing, substituting) take as long. Checked as each value is made."""
    if expr.is_number:
        return expr
    sizes: dict = {}
    stack = [expr]
    while stack:  # sizes bottom-up, once per shared branch
        node = stack[-1]
        pending = [a for a in node.args if id(a) not in sizes]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        sizes[id(node)] = 1 + sum(sizes[id(a)] for a in node.args)
        if sizes[id(node)] > MAX_SYMBOLIC_PARTS:
            raise _failure(f"{what} is a formula of more than {MAX_SYMBOLIC_PARTS} parts, too "
                           f"long to write out; give numbers to some of the parameters or "
                           f"inputs that are null (symbolic)", where)
    return expr


def innermost_first(expr: sp.Expr, values: dict, digits: int) -> sp.Expr:
    """`expr` at `values` (every symbol), each function application replaced by its value
    as soon as its argument is known, innermost first, each distinct one once, at
    `digits`; exact where no function needs a decimal (relu(1/2), x**2 + 1).
    Not xreplace then evalf: SymPy simplifies each level of an exact nest as it is made
    (log(log(1/2)) = log(log(2)) + iπ, with assumptions queries on the whole nest below),
    and its evalf of a nest retries an outer level at a higher precision, evaluating every
    inner level again each time: log(log(...(x))) ten deep, or a derivative with the nest
    in each factor, took minutes. Here a nest costs one evaluation per level."""
    done: dict = {}

    def walk(expr):
        if expr.is_Atom:
            return values.get(expr, expr)
        if expr in done:
            return done[expr]
        args = tuple(walk(a) for a in expr.args)
        value = expr.func(*args) if args != expr.args else expr
        if isinstance(value, sp.Function) and value.is_number:
            value = value.evalf(digits)
        done[expr] = value
        return value

    return walk(expr)


DEEP_NEST = 8  # function applications inside each other; the examples have at most 4


def _nesting(expr: sp.Expr) -> int:
    """How many function applications are inside each other in `expr`, at most."""
    depth: dict = {}
    for part in sp.postorder_traversal(expr):
        if part.is_Atom:
            continue
        inner = max((depth.get(a, 0) for a in part.args), default=0)
        depth[part] = inner + isinstance(part, sp.Function)
    return depth.get(expr, 0)


def exact(value: sp.Expr) -> sp.Expr:
    """A computed number as an exact fraction (a Float's binary value), so that SymPy does
    not round what is built from it: sigma(r) stays sigma(r) until it is evaluated. Not
    for a Float far from 1 in size (e^-1e8 would be a fraction of 144 million bits)."""
    if value.is_Float and abs(value._mpf_[2]) < bounds.MAX_EXACT_BITS:
        return sp.Rational(value)
    return value


def stable(value: sp.Expr) -> sp.Expr:
    """Rewrite the forms that lose every digit when a unit saturates, with the same value:
    c*sigmoid(a) - c -> -c*sigmoid(-a), c*tanh(a)**2 - c -> -c/cosh(a)**2,
    log(sigmoid(a)) -> -softplus(-a). So bce at sigmoid(800) is 800, not log 0."""
    if value.is_Atom:
        return value
    args = tuple(stable(a) for a in value.args)
    if args != value.args:
        value = value.func(*args, evaluate=False) if isinstance(value, sp.Function) \
            else value.func(*args)
    if isinstance(value, sp.log) and isinstance(value.args[0], sigmoid):
        return -softplus(-value.args[0].args[0])
    if value.is_Add:
        constant, rest = value.as_coeff_Add()
        if constant != 0:
            for term in sp.Add.make_args(rest):
                c, factor = term.as_coeff_Mul()
                if c != -constant:
                    continue
                others = value - term - constant
                if isinstance(factor, sigmoid):
                    return stable(others + -c * sigmoid(-factor.args[0]))
                if factor.is_Pow and factor.exp == 2 and isinstance(factor.base, sp.tanh):
                    return others + -c / sp.cosh(factor.base.args[0]) ** 2
    return value


#: What to change, said after a value that is undefined for the data and parameters given
#: (an Undefined's `change`; calculus/point.py leaves it out, as there only the point can change).
CHANGE = "change the data, the parameters or the formula so that it is"
ADVICE = (f"; {CHANGE} not 0", f": {CHANGE} positive", f"; {CHANGE} 0 or more")


@dataclass(frozen=True)
class Undefined:
    """Why a value has no real value, in parts, so that whoever knows better can replace a
    part (point.py keeps only `what`; layered/compile.py gives cross_entropy's own advice)."""

    what: str  # 'undefined: log(1 - yhat) is the logarithm of 0'
    cause: str | None = None  # 'log', 'division' or 'root'
    rule: str = ""  # what the function needs, or what the loss needs: '; log needs ...'
    change: str = ""  # what to change: one of ADVICE

    def __str__(self) -> str:
        return self.what + self.rule + self.change


def why_undefined(expr: sp.Expr, env: dict, output: sp.Symbol | None = None) -> Undefined:
    """'undefined: log(1 - yhat) is the logarithm of 0 ...': the innermost part of `expr`
    that has no real value at `env`, in words, with what to do about it."""
    for part in sp.postorder_traversal(expr):
        if isinstance(part, sp.log):
            inside = _value(part.args[0], env)
            if inside is not None and inside <= 0:
                return _log_problem(part, inside, expr, env, output)
        if part.is_Pow and part.exp.is_number and part.exp < 0:
            below = _value(part.base, env)
            if below is not None and below == 0:
                return Undefined(f"undefined: a division by zero, as {show(part.base)} = 0 here",
                                 "division", change=ADVICE[0])
        if part.is_Pow and part.exp.is_number and not part.exp.is_integer:
            base = _value(part.base, env)
            if base is not None and base < 0:
                return Undefined(f"not a real number: {show(part.base)} = {_short(base)} is "
                                 f"negative, and its square root (or power {part.exp}) is not real",
                                 "root", change=ADVICE[2])
    return Undefined("not a finite real number at these values (a division by zero, or the log "
                     "or square root of a number that is not positive)")


def show(expr: sp.Expr) -> str:
    """An expression as a formula in the spec's own words, short enough for a message."""
    if expr.is_Number:
        return _short(expr)
    text = sp.sstr(expr).replace("Abs(", "abs(")
    return clip(text, 60)


def _value(expr: sp.Expr, env: dict):
    try:
        value = evaluate(expr, env)
    except EvaluationError:
        return None
    return value if value.is_number and value.is_comparable else None


def _short(value) -> str:
    if value.is_Integer:
        return str(value)
    try:
        return f"{float(value):.5g}"
    except OverflowError:
        return sp.sstr(sp.Float(value, 5))


def _log_problem(part: sp.log, inside, expr: sp.Expr, env: dict, output) -> Undefined:
    what = "0" if inside == 0 else f"a negative number ({show(part.args[0])} = {_short(inside)})"
    hint = _log_hint(part, expr, env, output)
    what = f"undefined: {show(part)} is the logarithm of {what}"
    if hint:
        return Undefined(what, "log", rule=f"; {hint}")
    return Undefined(what, "log", rule="; log needs a positive number", change=ADVICE[1])


def _dropped_log(expr: sp.Expr, env: dict, value: sp.Expr, output) -> Undefined | None:
    """A log in a loss whose argument is 0 or negative here although `value` came out
    fine: bce at y = 1 has the term (1 - y) log(1 - yhat), and SymPy takes 0 * log(-1.4)
    for 0, so an output of 2.4 would give a loss of -log(2.4) < 0. The loss is undefined
    all the same (and so is its gradient), so it is refused, like a log of 0."""
    kept = value.atoms(sp.log) if isinstance(value, sp.Basic) else set()
    for part in sp.postorder_traversal(expr):
        if not isinstance(part, sp.log):
            continue
        inside = part.args[0].xreplace(env)
        if not inside.is_number:
            continue
        if not inside.is_Number:  # sigma(r), tanh(r): checked only where a factor 0 took it out
            if any(kept_log.args[0] == inside for kept_log in kept):
                continue
            inside = stable(inside).evalf(30)
            if not inside.is_comparable or inside >= 0:  # 0 here is rounding, not a real 0
                continue
        if inside <= 0:
            return _log_problem(part, inside, expr, env, output)
    return None


def _log_hint(part: sp.log, expr: sp.Expr, env: dict, output) -> str:
    """What a loss that takes the log of the network's output needs, with the output's
    value here and what to change. `output` is the output (the last one, in a layered
    network: its outputs yhat[1], yhat[2], ... are recognised by name)."""
    if output is None:
        return ""
    stem = output.name.split("[")[0]
    outputs = [s for s in part.free_symbols if s == output or s.name.split("[")[0] == stem
               and "[" in s.name]
    if not outputs:
        return ""
    out = outputs[0]
    layered = "[" in out.name
    shown = _value(out, env)
    now = "" if shown is None or part.args[0] == out else \
        f", but the output layer gives {out} = {_short(shown)}" if layered else \
        f", but here {out} = {_short(shown)}"
    takes_one_minus = any(isinstance(p, sp.log) and out in p.free_symbols
                          and p.args[0] != out for p in sp.preorder_traversal(expr))
    if takes_one_minus:  # bce: log(yhat) and log(1 - yhat)
        fix = ("use a sigmoid output layer, or another loss such as squared_error" if layered
               else f"compute {out} with sigmoid, like {out}: sigmoid(...), or use another "
                    f"loss such as squared_error")
        return (f"a loss like bce, which takes the log of {out} and of 1 - {out}, needs "
                f"{out} strictly between 0 and 1{now}: {fix}")
    if layered:  # cross_entropy: layered/compile.py says what the network needs
        return ""
    return (f"a loss that takes the log of {out} needs {out} above 0{now}: compute it "
            f"with sigmoid, or use another loss such as squared_error")


def _error(what: str, why: Undefined, where) -> EvaluationError:
    """'{what} is {why}', with why's parts kept apart on the error: the advice, what caused it."""
    return EvaluationError(f"{what} is {why.what}{why.rule}", advice=why.change, cause=why.cause,
                           field=getattr(where, "field", None), line=getattr(where, "line", None))


def _failure(message: str, where) -> EvaluationError:
    return EvaluationError(message, field=getattr(where, "field", None),
                           line=getattr(where, "line", None))
