"""The project's printers (render/printers.py), taught two habits of hand-written calculus.

- A product as SymPy stores it is printed with its sums last: σ(z)(1 − σ(z)), not
  (1 − σ(z))σ(z); an integer coefficient is written against what follows: 8x, 2(2x + 3y).
- A product the engine wrote out to show a rule, or any product of a formula as the user
  wrote it (`written=True`, for the `display` trees of formula.py) (an unevaluated Mul, like 2(2x + 3y) · 2
  or the quotient rule's (1 · (x + y) − x · 1)/(x + y)²) keeps its factors and their
  order, with a dot wherever juxtaposition would be ambiguous.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence

from .printers import MathLatexPrinter, UnicodePrinter, _is_terminating



def _written(expr) -> bool:
    """An unevaluated product the engine built to show a rule (SymPy would store it otherwise).

    Mul(1, x**-n), the base printer's own way of asking for a fraction, is not one."""
    if not expr.is_Mul:
        return False
    args = expr.args
    if len(args) == 2 and args[0] is sp.S.One and args[1].is_Pow and args[1].exp.is_negative:
        return False
    return sp.Mul(*args).args != args


def _sums_last(expr):
    """The factors of a stored product, numbers first and sums last, as people write them."""
    args = list(expr.args)
    late = [a for a in args if a.is_Add or (a.is_Pow and a.base.is_Add and a.exp.is_positive)]
    early = [a for a in args if a not in late]
    return early + late


def _starts_a_name(text: str) -> bool:
    """2x, 8η, 3σ(z), 2(x + y), 2√x: what a number can be written against."""
    return text[0].isalpha() or text[0] in "(√|["


def _coefficient(factor) -> bool:
    """A number written against what follows it: 2(2x + 3y), 0.3σ(x), not 1(x + y).
    (A fraction is never juxtaposed: its text has a '/', which always gets a dot.)"""
    return factor.is_Number and abs(factor) != 1


def _negation(expr) -> bool:
    return expr.is_Mul and len(expr.args) == 2 and expr.args[0] == -1


def _split(factors):
    """Written factors -> (sign, numerator, denominator); x**-1 goes below the line."""
    sign = ""
    if factors and factors[0] == -1 and len(factors) > 1 and not factors[1].is_Number:
        sign, factors = "-", factors[1:]  # −(1 − s₁), but (−1) · 1 stays a product
    def low(f):
        return f.is_Pow and f.exp.is_Number and f.exp.is_negative

    if len(factors) > 1 and low(factors[0]) and not any(low(f) for f in factors[1:]):
        return sign, factors, []  # 1/σ(z) · σ(z)(1 − σ(z)): a leading reciprocal stays in place
    above = [f for f in factors if not low(f)]
    below = [f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False)
             for f in factors if low(f)]
    return sign, above, below


class _Handwritten:
    """What both calculus printers do alike: a product the user wrote is written as they
    wrote it; any other product goes to the printer's own `_print_product`."""

    def _print_Mul(self, expr):
        # SymPy's LaTeX printer hands x**-1 to _print_Mul as it is: not a product here
        if self._settings["values"] or not expr.is_Mul:
            return super()._print_Mul(expr)
        if self._settings["written"] or _written(expr):
            return self._written(expr)
        return self._print_product(expr)

    def _plain_product(self, expr):
        """The base printer's product (from a subclass, super() would come back here)."""
        return super()._print_Mul(expr)


class CalculusUnicodePrinter(_Handwritten, UnicodePrinter):
    _default_settings = {**UnicodePrinter._default_settings, "written": False}

    def _print_product(self, expr):
        factors = _sums_last(expr)
        head = factors[0]
        if self._settings["decimals"] and head.is_Rational and not head.is_Integer \
                and _is_terminating(head) and len(factors) > 1:
            rest = factors[1:]
            rest_text = self._product(rest) if len(rest) > 1 else self.paren(rest[0], PRECEDENCE["Mul"])
            if _starts_a_name(rest_text) and "/" not in rest_text:  # 0.5x, 0.1(1 + x)
                return self.number(head) + rest_text
        elif head.is_Rational and abs(head.p) != 1 and len(factors) > 1:
            rest = factors[1:]
            rest_text = self._product(rest) if len(rest) > 1 else self.paren(rest[0], PRECEDENCE["Mul"])
            if _starts_a_name(rest_text) and "/" not in rest_text:
                below = f"/{head.q}" if head.q != 1 else ""
                return ("−" if head < 0 else "") + str(abs(head.p)) + rest_text + below
        return self._plain_product(sp.Mul(*factors, evaluate=False))

    def _written(self, expr):
        sign, above, below = _split(list(expr.args))
        if below and len(above) == 1 and _negation(above[0]):
            sign, above = ("" if sign else "-"), [above[0].args[1]]  # −x/2, not (−x)/2
        # each factor printed once: printing one twice doubled the work at every level of
        # a written quotient, and x / x / ... / x (21 levels) took minutes
        if not below:
            text = self._chain(above) if above else "1"
        elif len(above) == 1:
            text = self.paren(above[0], PRECEDENCE["Pow"])
        else:
            text = f"({self._chain(above)})" if above else "1"
        if below:
            under = self.paren(below[0], PRECEDENCE["Pow"]) if len(below) == 1 \
                else f"({self._chain(below)})"
            text = f"{text}/{under}"
        return ("−" if sign else "") + text

    def _chain(self, factors) -> str:
        """Factors in their order: juxtaposed (2x, x₁w₁, y log(ŷ)) unless that is ambiguous."""
        out = previous = ""
        for i, f in enumerate(factors):
            text = self.paren(f, PRECEDENCE["Mul"])
            if text.startswith("−") and i > 0:
                text = f"({text})"
            if i == 0:
                out = previous = text
                continue
            dotted = text[0] in "0123456789−∂" or "/" in text or "/" in out \
                or "^" in previous  # e^z · x, not e^zx
            # a product the engine wrote (not the user): only a number or a single symbol is
            # written against what follows (2x, ηx₁); 3u · y and (y − σ(z)) · x₀ keep the dot
            if not self._settings["written"] and not (_coefficient(factors[i - 1])
                                                      or factors[i - 1].is_Symbol):
                dotted = True
            if f.is_Number:
                dotted = True  # (−1) · (−1), never (−1)(−1)
            dotted = dotted or (out[-1] in "0123456789" and not (i == 1 and _coefficient(factors[0])))
            if i == 1 and _coefficient(factors[0]) and not _starts_a_name(text):
                dotted = True
            word = re.match(r"^[A-Za-zσ]{2,}\(", text) and not dotted
            out += " · " if dotted else " " if word else ""
            out += text
            previous = text
        return out


class CalculusLatexPrinter(_Handwritten, MathLatexPrinter):
    _default_settings = {**MathLatexPrinter._default_settings, "written": False}

    def _print_product(self, expr):
        if expr.args[0] is sp.S.One:  # the base printer asking for a fraction: leave it be
            return self._plain_product(expr)
        return self._plain_product(sp.Mul(*_sums_last(expr), evaluate=False))

    def _print_Add(self, expr, order=None):
        """A sum the engine wrote keeps its terms: 1 · y + (−1) · 1, not 1 y − 1."""
        if self._settings["values"] or self._settings["written"] or expr.func(*expr.args) == expr:
            return super()._print_Add(expr, order)
        out = ""
        for i, term in enumerate(expr.args):
            text = self._print(term)
            if term.is_Add:
                text = f"\\left({text}\\right)"
            if i == 0:
                out = text
            elif text.startswith("-"):
                out += " - " + text[1:].lstrip()
            else:
                out += " + " + text
        return out

    def _written(self, expr):
        sign, above, below = _split(list(expr.args))
        if not below:
            text = self._chain(above) if above else "1"
        else:  # each factor printed once (see the terminal printer)
            top = self._print(above[0]) if len(above) == 1 else \
                (self._chain(above) if above else "1")
            bottom = self._print(below[0]) if len(below) == 1 else self._chain(below)
            text = f"\\frac{{{top}}}{{{bottom}}}"
        return ("- " if sign else "") + text

    def _chain(self, factors) -> str:
        out = ""
        for i, f in enumerate(factors):
            text = self._print(f)
            if f.is_Pow and f.exp.is_Number and f.exp.is_negative:  # 1/σ(z), kept in its place
                below = f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False)
                text = f"\\frac{{1}}{{{self._print(below)}}}"
            elif precedence(f) < PRECEDENCE["Mul"] or (text.startswith("-") and (i > 0 or len(factors) > 1)):
                text = f"\\left({text}\\right)"
            if i == 0:
                out = text
            elif text[0].isdigit() or text.startswith("\\frac") or text.startswith("-") \
                    or out.startswith("\\frac{1}") and i == 1 \
                    or f.is_Number \
                    or not self._settings["written"] and not (_coefficient(factors[i - 1])
                                                              or factors[i - 1].is_Symbol):
                out += " \\cdot " + text
            else:
                out += " " + text
        return out


def latex(expr, **settings) -> str:
    return CalculusLatexPrinter(settings).doprint(expr)


def unicode(expr, **settings) -> str:
    return CalculusUnicodePrinter(settings).doprint(expr)
