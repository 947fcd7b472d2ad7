"""Expressions to text: a LaTeX printer (SymPy's, specialised) and a linear Unicode one.

Both take the same settings: `names` (Symbol -> graph.Name), `values` (Symbol -> number:
print the number in place of the symbol, in parentheses when negative) and `digits`.
Numbers that are values print as rounded decimals; exact constants inside a general
formula (the 1/2 of a half squared error) print as fractions.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter, _between_two_numbers_p
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.printer import Printer

from .. import functions
from ..vocab import activations
from .numbers import shown

_SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
#: How a function is written, (LaTeX, Unicode): the activations' from vocab/activations.py
#: (softmax too: a layer's, which formulas call through the calculus form), then log.
_FUNCTION_NAMES = {**{a.function: a.symbol for a in activations.in_formulas()},
                   activations.ACTIVATIONS["softmax"].function: activations.ACTIVATIONS["softmax"].symbol,
                   sp.log: ("\\log", "log"),
                   functions.maximum: ("\\max", "max"), functions.minimum: ("\\min", "min")}
#: The derivative of max or min in one argument: [a = max(a, b)], the selection it is of.
_SHARES = {functions.max_share: functions.maximum, functions.min_share: functions.minimum}


_HEADS = sorted({re.escape(a.symbol[0]) for a in activations.ACTIVATIONS.values()}
                | {re.escape("\\log"), re.escape("\\max"), re.escape("\\min")},
                key=len, reverse=True)
#: A function's name, its prime and subscript if any, then \\left( (not after a letter:
#: \\sigma, not \\sigmax)
_CALL = re.compile(rf"(?:{'|'.join(_HEADS)})(?![A-Za-z])'?(?:_\{{[^{{}}]*\}})?\\left\(")


#: A value that is a fraction with a larger denominator (197/2400) is written as a decimal,
#: like its neighbours; a small one (1/3, 5/6) stays exact.
SMALL_DENOMINATOR = 12


def _as_decimal(r: sp.Rational) -> bool:
    """Whether a value is written as a decimal: a finite one, or a fraction whose
    denominator is past SMALL_DENOMINATOR."""
    return _is_terminating(r) or r.q > SMALL_DENOMINATOR


def _is_terminating(r: sp.Rational) -> bool:
    """Whether r is a finite decimal: its denominator is 2^i 5^j. (A computed value's
    exact binary fraction has a denominator like 2^300: shifted out at once.)"""
    q = int(r.q)
    q >>= (q & -q).bit_length() - 1
    while q % 5 == 0:
        q //= 5
    return q == 1


#: Classes printed by their own method (none has a `_latex` method of its own, the first
#: thing Printer._print looks for).
_DIRECT = {sp.Symbol: "_print_Symbol", sp.Float: "_print_Float", sp.Integer: "_print_Integer",
           sp.Rational: "_print_Rational", sp.Mul: "_print_Mul", sp.Add: "_print_Add"}


#: Between a function's name and its \\left( bracket: TeX sets \\left(...\\right) as an
#: inner atom, a thin space after the σ before it, σ (z); an empty opening atom first
#: makes it σ(z), as \\sigma(z) is set, in every style (\\! would overlap in a subscript).
APPLY = "\\mathopen{}"


def tight_calls(tex: str) -> str:
    """LaTeX written elsewhere (the layered form's σ′\\left(z\\right)) with no gap after
    the name of a function, an activation's or log, applied with \\left(."""
    return _CALL.sub(lambda m: m.group(0).replace("\\left(", APPLY + "\\left("), tex)


def folded_surds(expr, decimals: bool):
    """A value's product whose coefficient holds a surd, 0.001952·√85290·γ (what a batch-norm
    layer's √(σ² + ε) leaves in a symbolic line), with the coefficient one decimal, 0.57007·γ:
    a value's numbers are decimals, and √85290 is no number a reader knows."""
    if not decimals:
        return expr
    numbers = [a for a in expr.args if a.is_number]
    if not any(a.is_Pow and a.base.is_Rational and a.exp.is_Rational and not a.exp.is_Integer
               for a in numbers):
        return expr
    coefficient = sp.Mul(*numbers).evalf(30)
    rest = [a for a in expr.args if not a.is_number]
    return sp.Mul(coefficient, *rest, evaluate=False) if rest else coefficient


class MathLatexPrinter(LatexPrinter):
    _default_settings = {**LatexPrinter._default_settings,
                         "names": {}, "values": {}, "digits": 5, "decimals": False}

    def __init__(self, settings=None):
        settings = dict(settings or {})
        settings.setdefault("order", "none")
        if settings.get("values"):
            settings.setdefault("mul_symbol", "dot")
        super().__init__(settings)

    def _print(self, expr, **kwargs) -> str:
        """Printer._print, with the commonest classes sent straight to their methods: it
        searches each expression's classes by name, a third of a network's printing."""
        method = _DIRECT.get(type(expr))
        if method is None:
            return super()._print(expr, **kwargs)
        self._print_level += 1
        try:
            return getattr(self, method)(expr, **kwargs)
        finally:
            self._print_level -= 1

    # numbers ---------------------------------------------------------------
    def number(self, value) -> str:
        s = shown(value, self._settings["digits"])
        text = s.mantissa if s.exponent is None else f"{s.mantissa} \\times 10^{{{s.exponent}}}"
        return ("-" if s.negative else "") + text

    def _print_Float(self, expr):
        return self.number(expr)

    def _print_Rational(self, expr):
        if self._settings["decimals"] and _as_decimal(expr):
            return self.number(expr)
        return super()._print_Rational(expr)

    def _print_Integer(self, expr):
        if self._settings["decimals"] and abs(expr.p) >= 10**15:
            return self.number(expr)  # a value: 1 \times 10^{300}, at the digits asked for
        return str(expr.p)

    def _print_Symbol(self, expr, style="plain"):
        value = self._settings["values"].get(expr)
        if value is not None and (value.is_number or value != expr):
            if not value.is_number:  # a sample's own symbol, x_1^(2)
                return self._print(value)
            text = self.number(value)
            return f"\\left({text}\\right)" if text.startswith("-") else text
        names = self._settings["names"]
        if expr in names:
            return names[expr].latex
        return super()._print_Symbol(expr, style)

    def _print_Pow(self, expr):
        """A derivative's symbol raised to a power, (∂L/∂w)², in brackets: a bare
        fraction with an exponent reads as the exponent of its denominator."""
        base = expr.base
        if base.is_Symbol and base not in self._settings["values"] \
                and base in self._settings["names"] and "\\frac" in self._settings["names"][base].latex:
            return f"\\left({self._print(base)}\\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _print_Mul(self, expr):
        if expr.is_Mul:  # (sympy's _print_Pow sends a power here too)
            expr = folded_surds(expr, self._settings["decimals"])
            if not expr.is_Mul:
                return self._print(expr)
        # (1/m)(a + b) as \frac{1}{m}\left(a + b\right), not one tall fraction
        args = expr.args
        if len(args) == 2 and args[0].is_Rational and args[0].p == 1 and args[0].q > 1 \
                and not args[1].is_Atom and not self._settings["values"]:
            inner = self._print(args[1])
            if args[1].is_Add:
                inner = f"\\left({inner}\\right)"
            return f"\\frac{{1}}{{{args[0].q}}} {inner}"
        if args[0] in (sp.S.Half, -sp.S.Half) and len(args) > 1:
            # a half is \frac{1}{2} before the rest, with the numbers put in too (the
            # terminal's ½(2.89 + 3.61)), never a fraction over the whole product
            rest = sp.Mul._from_args(args[1:]) if len(args) > 2 else args[1]
            inner = self._print(rest)
            if rest.is_Add:
                inner = f"\\left({inner}\\right)"
            elif self._settings["values"] and inner[:1] in "0123456789":  # ½ · 1.8, not ½1.8
                inner = f"\\cdot {inner}"
            return ("- " if args[0] < 0 else "") + f"\\frac{{1}}{{2}} {inner}"
        if all(a.is_Symbol for a in args):
            return self._symbols_product(args)
        if self._settings["decimals"] and args[0].is_Rational and not args[0].is_Integer \
                and abs(args[0].p) != 1 and _as_decimal(args[0]) and len(args) > 1:
            # 4.6 η, as the terminal writes it, not \frac{23 η}{5}: a value's coefficient
            # is a decimal like the numbers it came from
            rest = sp.Mul._from_args(args[1:]) if len(args) > 2 else args[1]
            inner = self._print(rest)
            if rest.is_Add:
                inner = f"\\left({inner}\\right)"
            return self.number(args[0]) + " " + inner
        return super()._print_Mul(expr)

    def _symbols_product(self, args) -> str:
        """A product of plain symbols (w a, δ · a, the bulk of a dense layer's lines),
        exactly as LatexPrinter._print_Mul writes it, without its general machinery (the
        minus sign, fraction(), bracket checks are all no-ops for symbols): that was most
        of the JSON output's printing time for a 64-64-10 network."""
        separator = self._settings["mul_symbol_latex"]
        numbersep = self._settings["mul_symbol_latex_numbers"]
        tex = last = ""
        for term in args:
            term_tex = self._print(term)
            if _between_two_numbers_p[0].search(last) and _between_two_numbers_p[1].match(term_tex):
                tex += numbersep
            elif tex:
                tex += separator
            tex += term_tex
            last = term_tex
        return tex

    def _as_ordered_terms(self, expr, order=None):
        terms = list(super()._as_ordered_terms(expr, order=order))
        return _positive_first(terms)

    def _print_Add(self, expr, order=None):
        """LatexPrinter._print_Add, but a symbol or a product of symbols (the w a terms of
        a dense unit's sum) is known to have no minus sign and to need no brackets: asking
        SymPy was most of the time of printing a wide layer's forward line."""
        tex = ""
        for i, term in enumerate(self._as_ordered_terms(expr, order=order)):
            plain = _plain(term)
            if i and not plain and _negated_plain(term):  # − η ∂L/∂w: no brackets either
                tex += " - " + self._print(-term)
                continue
            if i == 0:
                pass
            elif not plain and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if not plain and self._needs_add_brackets(term):
                term_tex = r"\left(%s\right)" % term_tex
            tex += term_tex
        return tex

    # functions -------------------------------------------------------------
    def _argument(self, a) -> str:
        """A function argument: a substituted negative number needs no extra brackets."""
        if a in self._settings["values"]:
            return self.number(self._settings["values"][a])
        return self._print(a)

    def _function(self, name: str, args, exp=None) -> str:
        inner = ", ".join(self._argument(a) for a in args)
        head = name if exp is None else f"{name}^{{{exp}}}"
        return f"{head}{APPLY}\\left({inner}\\right)"

    def _print_Function(self, expr, exp=None):
        """An activation as its table entry writes it (σ, ReLU, tanh); other functions as
        SymPy does."""
        written = _FUNCTION_NAMES.get(type(expr))
        if written is None:
            return super()._print_Function(expr, exp)
        return self._function(written[0], expr.args, exp)

    def _print_leaky_relu(self, expr, exp=None):
        x, alpha = expr.args
        name = _FUNCTION_NAMES[type(expr)][0]
        return self._function(f"{name}_{{{self._print(alpha)}}}", [x], exp)

    def _print_step(self, expr, exp=None):
        return f"\\left[{self._argument(expr.args[0])} > 0\\right]"

    def _print_max_share(self, expr, exp=None):
        selection = _SHARES[type(expr)](*expr.arguments, evaluate=False)
        return f"\\left[{self._print(expr.arguments[expr.index - 1])} = {self._print(selection)}\\right]"

    _print_min_share = _print_max_share

    def _print_softmax(self, expr, exp=None):
        name = _FUNCTION_NAMES[type(expr)][0]
        return self._function(f"{name}_{{{expr.args[0]}}}", expr.args[1:], exp)

    def _print_log(self, expr, exp=None):
        return self._function("\\log", expr.args, exp)


class UnicodePrinter(Printer):
    """One-line Unicode math for the terminal: x₁w₁ + x₂w₂, σ(z₁), 2(ŷ − y)."""

    printmethod = "_unicode"
    _default_settings = {"names": {}, "values": {}, "digits": 5, "decimals": False, "order": None}

    def number(self, value) -> str:
        s = shown(value, self._settings["digits"])
        text = s.mantissa
        if s.exponent is not None:
            text += "·10" + str(s.exponent).translate(_SUPER)
        return ("−" if s.negative else "") + text

    def paren(self, expr, level: int, strict: bool = False) -> str:
        text = self._print(expr)
        prec = precedence(expr)
        if prec < level or (strict and prec <= level) or (text.startswith("−") and level > PRECEDENCE["Add"]):
            return f"({text})"
        return text

    def emptyPrinter(self, expr):
        return str(expr)

    def _print_Symbol(self, expr):
        values = self._settings["values"]
        if expr in values and values[expr] != expr:
            if not values[expr].is_number:  # a sample's own symbol, x_1^(2)
                return self._print(values[expr])
            text = self.number(values[expr])
            return f"({text})" if text.startswith("−") else text
        names = self._settings["names"]
        return names[expr].unicode if expr in names else expr.name

    def _print_Integer(self, expr):
        if self._settings["decimals"] and abs(expr.p) >= 10**15:
            return self.number(expr)  # a value: 1·10³⁰⁰, at the digits asked for
        return ("−" if expr < 0 else "") + str(abs(expr.p))

    def _print_Rational(self, expr):
        if self._settings["decimals"] and _as_decimal(expr):
            return self.number(expr)
        sign = "−" if expr < 0 else ""
        return f"{sign}{abs(expr.p)}/{expr.q}"

    def _print_Float(self, expr):
        return self.number(expr)

    def _print_Half(self, expr):
        return self._print_Rational(expr)

    def _print_Add(self, expr):
        terms = _positive_first(list(expr.args))
        out = ""
        for i, term in enumerate(terms):
            text = self._print(term) if not term.is_Add else f"({self._print(term)})"
            if i == 0:
                out = text
            elif text.startswith("−"):
                out += " − " + text[1:]
            else:
                out += " + " + text
        return out

    def _print_Mul(self, expr):
        if expr.is_Mul:  # (sympy's _print_Pow sends a power here too)
            expr = folded_surds(expr, self._settings["decimals"])
            if not expr.is_Mul:
                return self._print(expr)
        args = list(expr.args)
        sign = ""
        if args and args[0] == -1 and len(args) > 1:
            sign, args = "−", args[1:]
        elif args and args[0].is_Number and args[0] < 0 and len(args) > 1:
            sign, args = "−", [-args[0]] + args[1:]
        numerator, denominator = [], []
        for a in args:
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                denominator.append(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp, evaluate=False))
            elif a.is_Rational and not a.is_Integer and a.p == 1 and \
                    (not self._settings["decimals"] or a.q == 2):  # a half is ½, even in numbers
                denominator.append(sp.Integer(a.q))
            else:
                numerator.append(a)
        if denominator == [sp.Integer(2)] and numerator:
            # ½(ℓ⁽¹⁾ + ℓ⁽²⁾) and ½(ŷ − y)², as written by hand; ½(2.89 + 3.61) with the
            # numbers put in: one way of writing a half in the whole solution
            product = self._product(numerator)
            # ½ · 1.8, not ½1.8, which reads as a mixed number
            digit = self._settings["values"] and product[:1] in "0123456789"
            return sign + "½" + (" · " if digit else "") + product
        text = self._product(numerator) if numerator else "1"
        if denominator:
            below = self._product(denominator)
            # _product already bracketed a sum; a product below the line needs brackets too
            if len(denominator) > 1 or "/" in below or \
                    PRECEDENCE["Mul"] <= precedence(denominator[0]) < PRECEDENCE["Pow"]:
                below = f"({below})"  # a/(1/b), not a/1/b
            if len(numerator) > 1:
                text = f"({text})"
            text = f"{text}/{below}"
        return sign + text

    def _product(self, factors) -> str:
        substituting = bool(self._settings["values"])
        out = ""
        for i, f in enumerate(factors):
            text = self.paren(f, PRECEDENCE["Mul"])
            if i == 0:
                out = text
                continue
            previous = out[-1]
            ascii_digits = "0123456789"  # not str.isdigit: that is True for subscripts too
            dotted = substituting or "/" in text or "/" in out or text[0] in ascii_digits \
                or (previous in ascii_digits and not text.startswith("(")) or text[0] in "−∂"
            word = re.match(r"^[A-Za-zσ]{2,}\(", text) and not dotted  # y log(ŷ), not ylog(ŷ)
            out += (" · " if dotted else " " if word else "") + text
        return out

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp == sp.Rational(1, 2):
            text = self._print(base)
            # √x and √0.25, but √(3.0647·10⁻⁸): a power of ten outside reads as a factor
            return f"√{text}" if base.is_Atom and not any(c in text for c in "·/−") else f"√({text})"
        if exp.is_Number and exp < 0:
            return self._print_Mul(sp.Mul(1, expr, evaluate=False))
        base_text = self.paren(base, PRECEDENCE["Pow"], strict=True)
        if not base_text.startswith("(") and ("·" in base_text or "/" in base_text):
            base_text = f"({base_text})"  # (1·10⁻⁵)³ and (1/3)², not 1·10⁻⁵³ and 1/3²
        elif not base_text.startswith("(") and base_text[-1] in "⁾]":
            base_text = f"({base_text})"  # a sample's own (ŷ⁽²⁾)², not ŷ⁽²⁾²
        if exp.is_Integer and exp > 0:
            return base_text + str(exp.p).translate(_SUPER)
        return f"{base_text}^{self.paren(exp, PRECEDENCE['Pow'], strict=True)}"

    def _argument(self, a) -> str:
        """A function argument: a substituted negative number needs no extra brackets."""
        if a in self._settings["values"]:
            return self.number(self._settings["values"][a])
        return self._print(a)

    def _call(self, name: str, args) -> str:
        return f"{name}({', '.join(self._argument(a) for a in args)})"

    def _print_Function(self, expr):
        for kind, (_, uni) in _FUNCTION_NAMES.items():
            if isinstance(expr, kind):
                return self._call(uni, expr.args)
        return self._call(type(expr).__name__, expr.args)

    def _print_leaky_relu(self, expr):
        x, alpha = expr.args
        return f"{_FUNCTION_NAMES[type(expr)][1]}_{self._print(alpha)}({self._argument(x)})"

    def _print_step(self, expr):
        return f"[{self._argument(expr.args[0])} > 0]"

    def _print_max_share(self, expr):
        selection = _SHARES[type(expr)](*expr.arguments, evaluate=False)
        return f"[{self._print(expr.arguments[expr.index - 1])} = {self._print(selection)}]"

    _print_min_share = _print_max_share

    def _print_softmax(self, expr):
        return self._call(f"{_FUNCTION_NAMES[type(expr)][1]}_{expr.args[0]}", expr.args[1:])

    def _print_exp(self, expr):
        arg = expr.args[0]
        if arg.is_Atom or (arg.is_Mul and len(arg.args) == 2 and arg.args[0] == -1 and arg.args[1].is_Atom):
            return f"e^{self._print(arg)}"
        return f"exp({self._print(arg)})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"

    def _print_Heaviside(self, expr):
        return f"[{self._print(expr.args[0])} > 0]"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Pi(self, expr):
        return "π"


def _plain(term) -> bool:
    """A symbol or a product of symbols: no minus sign to extract, no brackets in a sum."""
    return term.is_Symbol or (term.is_Mul and all(a.is_Symbol for a in term.args))


def _negated_plain(term) -> bool:
    """−1 times symbols (the − η ∂L/∂w of an update), unevaluated: SymPy would extract
    the minus sign and print the product of symbols, unbracketed."""
    args = term.args
    return term.is_Mul and len(args) > 1 and args[0] is sp.S.NegativeOne and \
        all(a.is_Symbol for a in args[1:])


def _positive_first(terms):
    """x − y rather than −y + x: start a sum with a term that has no minus sign."""
    for i, term in enumerate(terms):
        if _plain(term) or not term.could_extract_minus_sign():
            return [term] + terms[:i] + terms[i + 1:]
    return terms


_LATEX_PRINTERS: dict = {}  # (id of names, has values, other settings) -> a printer


def latex(expr, **settings) -> str:
    """`expr` in LaTeX. A printer is made once per set of settings and reused with each
    call's `values`: making one (SymPy's settings checks) was a fifth of the printing
    time of a network's worked lines."""
    values = settings.pop("values", None) or {}
    try:
        key = (id(settings.get("names")), bool(values),
               tuple(sorted((k, v) for k, v in settings.items() if k != "names")))
        printer = _LATEX_PRINTERS.get(key)
    except TypeError:  # an unhashable setting: a printer of its own
        return MathLatexPrinter({**settings, "values": values}).doprint(expr)
    if printer is None:
        if len(_LATEX_PRINTERS) > 64:
            _LATEX_PRINTERS.clear()
        printer = _LATEX_PRINTERS[key] = MathLatexPrinter({**settings, "values": values})
    printer._settings["values"] = values
    return printer.doprint(expr)


def unicode(expr, **settings) -> str:
    return UnicodePrinter(settings).doprint(expr)
