"""YAML text in, a validated, frozen problem out: the one place that tells the forms apart.

    base.py      the Reader's field-aware checks, limits and types every form shares
    spelling.py  how the source writes fields (a file's at:, derive's --at), for messages
    notation.py  the `notation:` block every form takes (the course's symbols) -> Notation
    graph.py     `nodes:`    -> GraphProblem
    network.py   `network:`  -> NetworkProblem (the layered form)
    calculus.py  `function:` -> CalculusProblem

Each form's module imports only base.py and notation.py; this module imports them all and dispatches, so
no form reader imports another (or this one). Nothing here imports SymPy.
"""

from __future__ import annotations

from ..errors import SpecError, clip
from ..suggest import did_you_mean
from ..yamlload import Document, load_yaml
from . import base
from .base import MAX_SAMPLES, NAME, RESERVED, FormulaText, Optimizer, _kind
from .calculus import CalculusProblem, read_calculus
from .graph import (GRAPH_KEYS, NAMED_LOSSES, _SAFE_COMMANDS, GraphProblem, LossSpec,
                    check_symbol_latex, read_graph)
from .network import Layer, NetworkProblem, Sample, read_network
from .spelling import FILE, Spelling

#: The key that makes a problem of each form, in the order a conflict is reported.
FORMS = {"function": read_calculus, "network": read_network, "nodes": read_graph}


class Reader(base.Reader):
    """base.Reader, which can also read a whole problem of any form."""

    def problem(self):
        top = self.doc.data
        if not isinstance(top, dict):
            self.fail((), f"a problem file must be a mapping of keys (title, inputs, params, "
                          f"nodes, ...), not {_kind(top)}")
        forms = [key for key in FORMS if key in top]
        if len(forms) > 1:
            first, second = forms[:2]
            self.fail((second,), f"a problem has one of 'function:' (derivatives), 'network:' "
                                 f"(layers) and 'nodes:' (a graph), not both '{first}:' and "
                                 f"'{second}:'; keep one, or split the file in two")
        if forms and forms[0] != "nodes":
            return FORMS[forms[0]](self)
        for key in top:  # 'functions:' or 'netwrok:' is a typo of another form's key
            if key not in GRAPH_KEYS and did_you_mean(key, ("function", "network")):
                self.fail((key,), f"unknown key '{clip(key)}' in the problem"
                                  f"{did_you_mean(key, ('function', 'network'))}")
        return read_graph(self)


def read_problem(doc: Document, source: str, spelling: Spelling = FILE):
    """The problem `doc` describes, of whichever form; SpecError names the field and line,
    in the words of `spelling` (a file's unless told)."""
    return Reader(doc, source, spelling).problem()


def load_problem(text: str | bytes, source: str = "<spec>"):
    """Read a spec; raise SpecError (naming `source`, the field and line) if it is wrong."""
    try:
        return read_problem(load_yaml(text), source)
    except SpecError as exc:
        raise exc.located(source) from None


__all__ = ["CalculusProblem", "FormulaText", "GraphProblem", "Layer", "LossSpec",
           "MAX_SAMPLES", "NAME", "NAMED_LOSSES", "NetworkProblem", "Optimizer", "RESERVED",
           "Reader", "Sample", "Spelling", "_SAFE_COMMANDS", "check_symbol_latex", "load_problem",
           "read_problem"]
