"""The public Python API: solve a problem, read its quantities, render it.

    import backprop_cli as bp
    sol = bp.solve("problems/seed001_relu_two_samples.yaml")
    sol.quantity("gradients.w3").value     # 51/10
    print(sol.to_text())                    # what `backprop solve` prints
    sol                                     # in Jupyter: the worked solution

`source` is a path, YAML text or a dict; every form (graph, layered, calculus) gives the
same `Solution`. Bad input raises `SpecError` (with `field` and `line`), the error the
command line prints. The command line is built on this module.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from .errors import BackpropError, SpecError
from .quantities import Quantity, quantities
from .settings import Settings

#: What `solve` accepts as keyword settings (the rest of Settings is chosen per output).
SOLVE_SETTINGS = ("digits", "view")


def solve(source, **settings) -> "Solution":
    """Solve a problem given as a path, YAML text (str or bytes) or a dict.

    Settings: digits (1-15, significant digits shown, default 5), view (layered problems:
    "matrix", "scalar" or "both"). An unknown setting is a TypeError.
    """
    chosen = make_settings(**settings)
    from .pipeline import solve_text

    if isinstance(source, dict):
        result = _solve_data(source)
    else:
        name, text = read_source(source)
        result = solve_text(text, name)
    return Solution(result, chosen)


def make_settings(**settings) -> Settings:
    """Settings from keywords, checked once: an unknown name or a bad value is an error."""
    unknown = sorted(set(settings) - {f.name for f in dataclasses.fields(Settings)})
    if unknown:
        raise TypeError(f"unknown setting {', '.join(map(repr, unknown))}; the settings are "
                        f"{', '.join(f.name for f in dataclasses.fields(Settings))}")
    chosen = Settings(**settings)
    if not isinstance(chosen.digits, int) or isinstance(chosen.digits, bool) \
            or not 1 <= chosen.digits <= 15:
        raise ValueError(f"digits must be a whole number from 1 to 15, not {chosen.digits!r}")
    if chosen.view not in ("matrix", "scalar", "both"):
        raise ValueError(f"view must be 'matrix', 'scalar' or 'both', not {chosen.view!r}")
    if chosen.paper not in ("a4", "letter"):
        raise ValueError(f"paper must be 'a4' or 'letter', not {chosen.paper!r}")
    if not isinstance(chosen.width, int) or chosen.width < 20:
        raise ValueError(f"width must be a whole number of columns, 20 or more, not {chosen.width!r}")
    return chosen


def read_source(source) -> tuple[str, bytes | str]:
    """(name for messages, text) of a path, '-' (standard input) or YAML text."""
    from .pipeline import read_spec

    if isinstance(source, bytes):
        return "<spec>", source
    if isinstance(source, os.PathLike):
        return read_spec(os.fspath(source))
    if not isinstance(source, str):
        raise TypeError(f"solve() takes a path, YAML text or a dict, not {type(source).__name__}")
    if source == "-" or (_looks_like_path(source) and not _looks_like_yaml(source)):
        return read_spec(source)
    return "<spec>", source


def _looks_like_yaml(text: str) -> bool:
    return "\n" in text or ": " in text or text.lstrip().startswith("{") or text.endswith(":")


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and (Path(text).suffix in (".yaml", ".yml", ".json")
                                 or os.path.exists(text))


def _solve_data(data: dict):
    """A dict goes through the same reader as a file: written as YAML and read back, so
    0.1 is 1/10 as typed and every check applies. Its errors have a field but no line."""
    import yaml

    from .pipeline import solve_text

    text = yaml.safe_dump(_plain(data, ()), sort_keys=False, allow_unicode=True)
    try:
        return solve_text(text, "<dict>")
    except BackpropError as exc:
        exc.line = exc.column = None
        raise


def _plain(value, path: tuple):
    """Python and NumPy values as YAML's plain types."""
    if hasattr(value, "tolist") and callable(value.tolist):  # a NumPy array or scalar
        value = value.tolist()
    if isinstance(value, dict):
        return {key: _plain(v, path + (key,)) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, path + (i,)) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    where = ".".join(map(str, path)) or "the spec"
    raise SpecError(f"{type(value).__name__} is not a value a spec can hold; write a number, "
                    f"text, a list or a mapping", field=where)


class Solution:
    """A solved problem of any form: its quantities, and the worked solution as text,
    LaTeX, JSON or PDF. Values come from the engine once; rendering never computes."""

    def __init__(self, result, settings: Settings | None = None):
        self._result = result
        self.settings = settings or Settings()
        self._quantities: list[Quantity] | None = None
        self._answers: tuple | None = None

    @property
    def kind(self) -> str:
        """'graph', 'network' (the layered form) or 'calculus'."""
        return getattr(self._result, "kind", "graph")

    @property
    def warnings(self) -> tuple:
        return tuple(self._result.warnings)

    def quantities(self) -> list[Quantity]:
        """Every quantity, in the order the worked solution shows them (see quantities.py)."""
        if self._quantities is None:
            self._quantities = quantities(self._result)
        return list(self._quantities)

    @property
    def answers(self) -> tuple:
        """What the problem asks for (`ask:`), in order; without `ask:` the loss and every
        gradient. Each has name (as asked), key, label, text and value (see answers.py)."""
        from .answers import answers_of

        if self._answers is None:
            self._answers = answers_of(self._result)
        return self._answers

    def quantity(self, key: str) -> Quantity:
        """The quantity at `key` ('loss', 'gradients.w1', 'samples.2.z1', ...)."""
        for q in self.quantities():
            if q.key == key:
                return q
        from .suggest import did_you_mean

        keys = [q.key for q in self.quantities()]
        raise KeyError(f"no quantity {key!r}{did_you_mean(key, keys)}")

    def render(self, fmt: str, **settings) -> str:
        """The worked solution as 'text', 'json' or 'latex' (or 'markdown' and 'mathjax',
        what a notebook shows)."""
        from .pipeline import render

        chosen = make_settings(**{**dataclasses.asdict(self.settings), **settings}) \
            if settings else self.settings
        return render(self._result, fmt, chosen)

    def to_text(self, *, color: bool = False, width: int | None = None) -> str:
        """What `backprop solve` prints in a terminal of `width` columns (default 100)."""
        return self.render("text", color=color, **({"width": width} if width else {}))

    def to_latex(self, fragment: bool = False) -> str:
        """A LaTeX document, or with fragment=True the body to \\input into your own."""
        return self.render("latex", fragment=fragment)

    def to_json(self) -> dict:
        """The JSON contract (README, 'JSON output') as a dict."""
        import json

        return json.loads(self.render("json"))

    def to_pdf(self) -> bytes:
        """The LaTeX document compiled to PDF (needs TeX Live; raises TexError)."""
        from .render.pdf import build_pdf

        return build_pdf(self.to_latex())

    def _repr_markdown_(self) -> str:
        """Jupyter: the worked solution, section by section, lines as display math."""
        return self.render("markdown")

    def _repr_latex_(self) -> str:
        """Jupyter (or anything with MathJax): the worked solution as one block of math."""
        return self.render("mathjax")

    def __repr__(self) -> str:
        count = len(self.quantities())
        return f"<backprop Solution ({self.kind} form): {count} quantities>"
