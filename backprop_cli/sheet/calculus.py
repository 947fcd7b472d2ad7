"""A calculus-form solution laid out as a Worksheet: the definitions and functions given,
the partial derivatives with their rules (or the outer and inner ones and the chain
rule), the assembled gradient or Jacobian, its value at the point, the update.

Nothing is computed here: the calculus engine's Lines become worked lines as they are.
"""

from __future__ import annotations

from ..calculus.solution import CalculusSolution, Line
from .model import (ChainProduct, Differentiate, LearningRate, Note, Result, Section, Softmax,
                    Warning, Worked, Worksheet)

ZEROS = Note("The other partial derivatives are 0: those formulas do not contain the variable.",
             "The other partial derivatives are $0$: those formulas do not contain the variable.")


def build_calculus_sheet(solution: CalculusSolution) -> Worksheet:
    worked = tuple(sections(solution))
    return Worksheet(form="calculus", title=solution.title, notes=solution.notes,
                     warnings=tuple(Warning(w, (w,)) for w in solution.warnings),
                     given=given(solution), sections=worked, names=solution.names,
                     steps=tuple((s.title, b) for s in worked for b in s.blocks
                                 if isinstance(b, Worked)),
                     solution=solution)


def worked(line: Line) -> Worked:
    # decimals: a user who writes 0.0015 reads 0.0015 back, not 3/2000 (1/3 stays 1/3)
    substituted = line.substituted if line.substituted is not None \
        and line.substituted.free_symbols & set(line.values) else None
    return Worked(lhs=line.lhs, forms=tuple(line.forms), substituted=substituted,
                  values=line.values if substituted is not None else {}, value=line.value,
                  relation=line.relation, rule=line.rule, written=line.written, decimals=True,
                  said=line.said)


def given(solution: CalculusSolution) -> tuple:
    out = [worked(line) for line in solution.defines + solution.functions]
    out += [Softmax(tuple(o), tuple(a)) for o, a in solution.softmax]
    out.append(Differentiate(tuple(solution.wrt),
                             tuple(solution.point.values) if solution.point is not None else ()))
    if solution.update is not None:
        out.append(LearningRate(solution.update.symbol, solution.update.lr))
    return tuple(out)


def sections(solution: CalculusSolution) -> list[Section]:
    out = []
    if solution.chain is not None:
        out.append(_derivatives("Outer derivatives (in the inner variables)", solution.chain.outer))
        if solution.chain.inner_lines:
            out.append(_derivatives("Inner derivatives", solution.chain.inner_lines))
        out.append(Section("Chain rule", tuple(worked(line) for line in solution.chain.lines)))
    else:
        out.append(_derivatives("Partial derivatives", solution.partials))
    title = "Jacobian" if not solution.gradient else "Gradient" if len(solution.wrt) > 1 else "Derivative"
    if solution.chain is not None:
        chain = solution.chain
        result = ChainProduct(solution.label, tuple(solution.components), tuple(chain.inner),
                              tuple(solution.wrt), chain.outer_matrix, chain.inner_matrix,
                              chain.product, solution.jacobian, solution.gradient, chain.deeper)
    else:
        result = Result(solution.label, solution.jacobian, solution.gradient)
    if solution.sums is None:  # with samples: m the Σ lines assemble the gradient instead
        out.append(Section(title, (result,)))
    if solution.point is not None:
        point = solution.point
        at = tuple(n for _, n in point.values) if solution.variables == solution.wrt else ()
        out.append(Section("At the point", tuple(worked(line) for line in point.inner + point.lines)
                           + (Result(solution.label, point.matrix, solution.gradient, True, at),)))
    if solution.update is not None:
        out.append(Section("Gradient-descent step", tuple(worked(line) for line in solution.update.lines)))
    if solution.sums is not None:
        out.extend(_over_samples(solution))
    return out


def _over_samples(solution: CalculusSolution) -> list[Section]:
    """samples: m: the loss over the m samples and its gradient in Σᵢ, then the update."""
    sums = solution.sums
    names = solution.names
    data = ", ".join(names[s].unicode for s in sums.data)
    data_tex = ", ".join(f"${names[s].latex}$" for s in sums.data)
    m, f = names[sums.count], names[solution.components[0]]
    how = "the mean" if sums.reduction == "mean" else "the sum"
    note = Note(f"Over {m.unicode} samples: {data} are sample i's own ({names[sums.data[0]].unicode}⁽ⁱ⁾), "
                f"and the loss is {how} of {f.unicode}⁽ⁱ⁾ over i = 1, …, {m.unicode}.",
                f"Over ${m.latex}$ samples: {data_tex} are sample $i$'s own "
                f"(${names[sums.data[0]].latex}^{{(i)}}$), and the loss is {how} of "
                f"${f.latex}^{{(i)}}$ over $i = 1, \\ldots, {m.latex}$.")
    if sums.one_hot:  # why the gradients simplify
        ys = sums.one_hot[0]
        total = " + ".join(names[y].unicode for y in ys)
        note = Note(note.text + f" The targets {', '.join(names[y].unicode for y in ys)} are one-hot: "
                    f"{total} = 1 in every sample, which simplifies each gradient.",
                    note.latex + f" The targets {', '.join(f'${names[y].latex}$' for y in ys)} are "
                    f"one-hot: ${' + '.join(names[y].latex for y in ys)} = 1$ in every sample, "
                    f"which simplifies each gradient.")
    out = [Section("Over the samples", (note,) + tuple(worked(line) for line in sums.lines))]
    if sums.update:
        out.append(Section("Gradient-descent step", tuple(worked(line) for line in sums.update)))
    return out


def _derivatives(title: str, lines) -> Section:
    """The partial derivatives worth a line: a formula without the variable gives 0, which
    the matrix shows; listing a dozen of them would bury the rest."""
    kept = tuple(line for line in lines if line.rule != ("independent",))
    if not kept:
        return Section(title, tuple(worked(line) for line in lines))
    return Section(title, tuple(worked(line) for line in kept) + ((ZEROS,) if len(kept) < len(lines) else ()))
