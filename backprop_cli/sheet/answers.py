"""What the homework asks (answers.py's Answers) laid out: each asked derivative worked
(AskedWork), and the Answers table that ends the key (AnswerRows). Computes nothing."""

from __future__ import annotations

import sympy as sp

from . import model as m


def asked_blocks(solution) -> tuple[tuple, tuple]:
    """(AskedWorks, AnswerRows) of a solution; both empty when the spec has no `ask:`
    (the default answers are for programs: the JSON's `answers`)."""
    answers = getattr(solution, "answers", ())
    if not any(a.asked for a in answers):
        return (), ()
    works = tuple(_work(a) for a in answers if a.work is not None)
    rows = tuple(m.AnswerRow(a.label, a.symbol, _table_value(a)) for a in answers)
    return works, rows


def _work(a) -> m.AskedWork:
    asked = a.work
    lines, note = [], None
    for sample, one, shaped in asked.samples:
        if asked.form in ("graph", "typed"):
            worked = one.lines if asked.form == "typed" else one
            lines += [m.Worked(line.lhs, (line.rule, line.written), line.written, line.values,
                               line.value, show_value=True, sample=sample, phase="backward")
                      for line in worked]
            if asked.form == "typed" and (len(one.shown) > 1 or len(one.shown[0]) > 1):
                lines.append(m.MatrixLine((_named(one.name),), ((_mat(one.shown),),)))
                note = note or one.note
        else:
            lines += _chain_lines(one, shaped)
    if asked.summed:
        note = ("The sum over the samples" + (r", each scaled by $\frac{1}{m}$"
                                              if asked.scale is not None else ""),
                "The sum over the samples" + (", each scaled by 1/m" if asked.scale is not None else ""))
        lines.append(m.MatrixLine((_named(asked.symbol),), ((_mat(_rows(asked.value)),),)))
    elif asked.batch:
        note = ("One row per sample" + (r", each scaled by $\frac{1}{m}$, as the loss is the mean"
                                        if asked.scale is not None else ""),
                "One row per sample" + (", each scaled by 1/m, as the loss is the mean"
                                        if asked.scale is not None else ""))
        lines.append(m.MatrixLine((_named(asked.symbol),), ((_mat(_rows(asked.value)),),)))
    return m.AskedWork(a.label, a.text, a.symbol, tuple(lines), note)


def _depth(value) -> int:
    return 1 + _depth(value[0]) if isinstance(value, (list, tuple)) and value else 0


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, (list, tuple)) else [value]


def _table_value(a):
    """A value as the table shows it, a vector or a matrix: a map's, kernel's or
    Jacobian's (conv, batchnorm, rnn) the rows its worked line shows (a map's rows, its
    channels one under the other; a Jacobian's A entries by B's), one sample's map a row
    where there is a row per sample. The answer's value itself (JSON) keeps its shape."""
    value, work = a.value, a.work
    if work is not None and work.form == "typed" and len(work.samples) == 1 and not work.batch:
        return [list(r) for r in work.samples[0][1].shown]
    if _depth(value) <= 2:
        return value
    if work is not None and work.batch:  # one row per sample
        return [_flat(v) for v in value]
    entries, width = _flat(value), _last(value)
    return [entries[i:i + width] for i in range(0, len(entries), width)]


def _last(value) -> int:
    while isinstance(value[0], (list, tuple)):
        value = value[0]
    return len(value)


def _chain_lines(chain, value) -> list:
    """∂A/∂B = ∂A/∂T · ∂T/∂S ⋯ = [..][..] = [..], and for a weight ∂A/∂W = (∂A/∂z)ᵀ a."""
    out = []
    if chain.factors:
        names = []
        for i, (name, _) in enumerate(chain.factors):
            names += ([m.Op("·")] if i else []) + [_named(name)]
        numbers = []
        for i, (_, rows) in enumerate(chain.factors):
            numbers += [_mat(rows)]
        product = _product(chain)
        lhs = chain.middle if chain.outer is not None else chain.name
        forms = [tuple(names)] + ([tuple(numbers)] if len(chain.factors) > 1 else []) + \
            [(_mat(product),)]
        if len(chain.factors) == 1:
            forms = [tuple(names), (_mat(chain.factors[0][1]),)]
            if chain.factors[0][0] == lhs:  # ∂h₁/∂z = [..], not ∂h₁/∂z = ∂h₁/∂z = [..]
                forms = forms[1:]
        out.append(m.MatrixLine((_named(lhs),), tuple(forms)))
    if chain.outer is not None:
        column, (latex, unicode, row) = chain.outer
        middle = chain.middle
        out.append(m.MatrixLine((_named(chain.name),), (
            (m.Named(f"\\left({middle[0]}\\right)", f"({middle[1]})", transpose=True),
             m.Named(latex, unicode)),
            (_mat(column), _mat(row)),
            (_mat(_rows(value) if value is not None else chain.result),))))
    elif not chain.factors:
        out.append(m.MatrixLine((_named(chain.name),), ((_mat(chain.result),),)))
    elif chain.factors and tuple(map(tuple, chain.result)) != _product(chain):
        # B is part of the last tensor: its columns of the product
        out.append(m.MatrixLine((_named(chain.name),), ((_mat(_rows(value) if value is not None
                                                             else chain.result),),)))
    return out


def _product(chain) -> tuple:
    result = sp.Matrix(chain.factors[0][1])
    for _, rows in chain.factors[1:]:
        result = result * sp.Matrix(rows)
    return tuple(tuple(result[i, j] if result[i, j].is_number else sp.factor_terms(result[i, j])
                       for j in range(result.cols)) for i in range(result.rows))


def _rows(value) -> tuple:
    """A value as rows of a matrix: a scalar 1×1, a vector one row."""
    if not isinstance(value, (list, tuple)):
        return ((value,),)
    if value and isinstance(value[0], (list, tuple)):
        if value[0] and isinstance(value[0][0], (list, tuple)):  # a tensor: rows flattened
            return tuple(tuple(x for row in block for x in row) for block in value)
        return tuple(tuple(r) for r in value)
    return (tuple(value),)


def _named(symbol: tuple) -> m.Named:
    return m.Named(symbol[0], symbol[1])


def _mat(rows) -> m.Mat:
    return m.Mat(tuple(tuple(r) for r in rows))
