"""A Worksheet in the terminal: Unicode math, worked lines aligned on their '=' and
wrapped at the width, matrices drawn in brackets, colour only on a TTY.

One method per kind of block (`_<Block>`), the way SymPy's printers have one per class.
Nothing is computed: every value is the worksheet's.
"""

from __future__ import annotations

import textwrap

import click

from ..sheet import model as m
from . import boxes
from .boxes import pad, width
from .lines import split_text
from .pieces import convention, describe, form_box, form_cuts, form_text, lone_symbol, standing
from ..settings import Settings
from ..texchars import math_as_text, split_math
from .worked import printed, printer


def render_text(sheet: m.Worksheet, settings: Settings) -> str:
    return "\n".join(_Text(sheet, settings).lines()) + "\n"


def notes_text(notes: str) -> str:
    """Notes in the terminal: their `$...$` math as written, without the dollars, its
    Greek letters as letters (\\sigma is σ); \\$ is a dollar sign."""
    parts = split_math(notes)
    if parts is None:
        return notes
    return "".join(math_as_text(p) if is_math else p for is_math, p in parts)


class Style:
    def __init__(self, color: bool):
        self.color = color

    def _s(self, text, **kw):
        return click.style(text, **kw) if self.color else text

    def title(self, text):
        return self._s(text, bold=True)

    def heading(self, text):
        return self._s(text, bold=True, fg="cyan")

    def value(self, text):
        return self._s(text, bold=True)

    def warn(self, text):
        return self._s(text, fg="yellow")

    def dim(self, text):
        return self._s(text, dim=True)


class _Text:
    def __init__(self, sheet: m.Worksheet, settings: Settings):
        self.sheet = sheet
        self.settings = settings
        self.style = Style(settings.color)
        self.names = sheet.names
        self.digits = settings.digits
        self.show = printer(sheet.form, "unicode")

    def u(self, expr, **settings) -> str:
        return self.show(expr, names=self.names, **settings)

    def lines(self) -> list[str]:
        s, sheet = self.style, self.sheet
        title = sheet.title or ("Questions" if sheet.questions else "Worked solution")
        heading = textwrap.wrap(title, self.settings.width, break_on_hyphens=False) or [title]
        out = [s.title(line) for line in heading] + [s.title("=" * max(map(width, heading)))]
        if sheet.notes:
            out += textwrap.wrap(notes_text(sheet.notes), self.settings.width, break_on_hyphens=False)
        out += [s.warn(f"warning: {w.text}") for w in sheet.warnings]
        out += ["", s.heading("Given"), ""]
        out += self.blocks(sheet.given)
        for section in sheet.sections:
            out += self.section(section)
        out += self.blocks(sheet.summary)
        out += self.asked(sheet.asked, sheet.answers)
        if sheet.questions:
            out += self.questions(sheet.questions)
        return out

    def questions(self, questions) -> list[str]:
        """A question sheet's questions, each with a line (or a matrix of lines) to answer on."""
        out = ["", self.style.heading("Questions")]
        for q in questions:
            out += ["", f"  {q.label}. " + (f"Compute {q.text}." if q.text else "Compute:")]
            blank = [["________"] * (q.shape[1] if len(q.shape) == 2 else 1)
                     for _ in range(q.shape[0] if q.shape else 1)]
            if len(q.shape) == 1:
                blank = [["________"] * q.shape[0]]
            room = _matrix(blank) if q.shape else ["____________"]
            lhs = f"     {q.lhs.unicode} = "
            out += [(lhs if i == (len(room) - 1) // 2 else " " * width(lhs)) + row
                    for i, row in enumerate(room)]
        return out

    def asked(self, works, rows) -> list[str]:
        """What the homework asks (ask:), after the rest: text_answers.py."""
        from .text_answers import asked_text

        return asked_text(self, works, rows)

    def section(self, section: m.Section) -> list[str]:
        out = ["", self.style.heading(section.title)]
        if section.level == 0:  # a part: its blocks have titles of their own
            return out + self.blocks(section.blocks)
        if section.subtitle:  # continued under the first at the width (a map's many entries)
            rows = self.listing("  (", [f"{self.u(s)} = {self.u(v, decimals=True)}"
                                        for s, v in section.subtitle])
            out += rows[:-1] + [rows[-1] + ")"]
        out.append("")
        return out + self.blocks(section.blocks)

    def pairs(self, pairs) -> str:
        return ", ".join(f"{self.u(s)} = {self.u(v, decimals=True)}" for s, v in pairs)

    def blocks(self, blocks) -> list[str]:
        """Each block by its own method; consecutive worked lines aligned together."""
        out, run = [], []
        for block in blocks:
            if isinstance(block, m.Worked):
                run.append(block)
                continue
            if run:
                out += self.worked(run)
                run = []
            out += getattr(self, f"_{type(block).__name__}")(block)
        if run:
            out += self.worked(run)
        return out

    # worked lines ------------------------------------------------------------------------
    def worked(self, lines) -> list[str]:
        """`lhs = a = b`, the left sides aligned, long lines broken before an '=', each rule
        in a column to the right (or on its own line when there is no room)."""
        shown = [printed(line, self.sheet.form, self.names, self.digits, "unicode") for line in lines]
        lhs_width = max((width(p.lhs) for p in shown), default=0)
        limit = self.settings.width
        rows = [(self.wrap(p, lhs_width), p.rule) for p in shown]
        column = max((width(r[0][-1]) for r in rows), default=0) + 3
        out = []
        for wrapped, rule in rows:
            out.extend(wrapped[:-1])
            last = wrapped[-1]
            if not rule:
                out.append(last)
            elif column + width(rule) <= limit:
                out.append(pad(last, column) + self.style.dim(rule))
            else:
                out += [last] + [self.style.dim(row) for row in self.prose(f"({rule})", " " * (lhs_width + 5))]
        return out

    def wrap(self, p, lhs_width: int) -> list[str]:
        head = f"  {pad(p.lhs, lhs_width)} {p.relation} "
        indent = " " * (width(head) - 2)
        # the calculus form's definitions are not results: a lone right side stays plain
        alone = self.sheet.form != "calculus"
        rows, current = [], head
        limit = self.settings.width
        for i, part in enumerate(p.rhs):
            last = i == len(p.rhs) - 1 and (len(p.rhs) > 1 or alone)
            text = self.style.value(part) if last else part
            if i == 0:
                current += text
            elif width(current) + 3 + width(part) > limit:
                rows.append(current)
                current = f"{indent}= {text}"
            else:
                current += f" = {text}"
            if width(current) > limit:  # one right side wider than the terminal: cut its sums
                cut = self.cut(current, limit, indent + "    ")
                rows += cut[:-1]
                current = cut[-1]
        rows.append(current)
        return rows

    @staticmethod
    def cut(row: str, limit: int, indent: str) -> list[str]:
        """A row too wide for the terminal, cut before its top-level + and − (outside
        brackets), each continued row under `indent`, the operator first."""
        pieces = split_text(row)
        out = [pieces[0]]
        for piece in pieces[1:]:
            if width(out[-1]) + 1 + width(piece) <= limit:
                out[-1] += " " + piece
            else:
                out.append(indent + piece)
        if max(width(r) for r in out) <= limit:
            return out
        # a term still too wide: cut the sum inside its brackets, a little further in
        deeper = []
        for row in out:
            inner = split_text(row, 1) if width(row) > limit else [row]
            deeper.append(inner[0])
            deeper += [indent + "  " + piece for piece in inner[1:]]
        # a product still too wide (a sample-marked name times a long derivative): cut it
        # before its last ' · ' outside brackets that fits, the factor a little further in
        out = []
        for row in deeper:
            depth, places = 0, []
            for k, ch in enumerate(row):
                depth += (ch in "([") - (ch in ")]")
                if depth == 0 and row.startswith(" · ", k) and width(row[:k]) <= limit:
                    places.append(k)
            if width(row) > limit and places and places[-1] > len(indent) + 4:
                out += [row[:places[-1]], indent + "    " + row[places[-1] + 1:]]
            else:
                out.append(row)
        return out

    # the graph form's given part and summary ---------------------------------------------------
    def _Definitions(self, block: m.Definitions) -> list[str]:
        out = [f"  {self.u(lhs)} = {self.u(rhs)}" for lhs, rhs in block.equations]
        if block.loss is not None:
            each = " for each sample" if block.several else ""  # as the LaTeX says it
            out.append(f"  {self.u(block.loss[1])} = {self.u(block.loss[2])}{each}")
        return out

    def _Parameters(self, block: m.Parameters) -> list[str]:
        out = []
        values = [(self.u(p), self.u(v, decimals=True, digits=self.digits))
                  for p, v in block.values if v is not None]
        if values:
            out += self.listing("  ", [f"{n} = {v}" for n, v in values])
        symbolic = [self.u(p) for p, v in block.values if v is None]
        if symbolic:
            out.append("  symbolic parameters: " + ", ".join(symbolic))
        return out

    def _Samples(self, block: m.Samples) -> list[str]:
        # a number, or the symbol a sample's own symbolic entry is written as (y = y⁽¹⁾)
        known = [(k, [(s, v) for s, v in given if v.is_number or v != s]) for k, given in block.samples]
        if len(known) == 1:
            return self.listing("  ", self.pairs(known[0][1]).split(", ")) if known[0][1] else []
        return [row for k, given in known
                for row in self.listing(f"  sample {k}: ", self.pairs(given).split(", "))]

    def listing(self, head: str, items) -> list[str]:
        """`head` and items separated by commas, continued under the first at the width."""
        rows, indent = [head], " " * width(head)
        for i, item in enumerate(items):
            text = item + ("," if i < len(items) - 1 else "")
            if rows[-1].strip() and width(rows[-1]) + 1 + width(text) > self.settings.width:
                rows.append(indent + text)
            else:
                rows[-1] += ("" if rows[-1] == head else " ") + text
        return rows

    def _Training(self, block: m.Training) -> list[str]:
        eta = self.u(block.symbol) if block.symbol is not None else "η"
        settings = "".join(f", {self.u(s)}" if v == s else f", {self.u(s)} = {self.u(v, decimals=True)}"
                           for s, v in block.settings)
        rate = eta if not block.lr.is_number else f"{eta} = {self.u(block.lr, decimals=True)}"
        kept = " (kept as symbols)" if not block.lr.is_number else ""
        adam = "; t in the bias corrections is the step number" if "Adam" in block.method else ""
        return self.prose(f"learning rate {rate}{settings}{kept}, "
                          f"{block.steps} step{'s' if block.steps != 1 else ''} of {block.method}"
                          + (f", {block.batch} sample{'s' if block.batch != 1 else ''} per step in "
                             f"order, cycling" if block.batch else "") + adam) + self.penalty(block.penalty)

    def penalty(self, penalty: tuple) -> list[str]:
        """The given part's line on regularization: the penalty and its strengths."""
        if not penalty:
            return []
        symbol, formula, strengths = penalty
        values = ", ".join(f"{self.u(s)} (a symbol)" if v == s else f"{self.u(s)} = {self.u(v, decimals=True)}"
                           for s, v in strengths)
        return self.prose(f"penalty {self.u(symbol)} = {self.u(formula)}, {values}, added to the loss "
                          f"once per step")

    def _GradientTable(self, block: m.GradientTable) -> list[str]:
        s = self.style
        rows = [(self.u(p), self.u(v, digits=self.digits, decimals=True) if v.is_number else "",
                 self.u(g, digits=self.digits, decimals=True)) for p, v, g in block.rows]
        out = ["", s.heading(gradients_heading(block)), ""]
        pw = max(max(width(r[0]) for r in rows), len("parameter"))
        vw = max(max(width(r[1]) for r in rows), len("value"))
        header = f"gradient of {self.u(block.loss)}"  # ∂L/∂w read as a parameter w's
        gw = max(max(width(r[2]) for r in rows), width(header))
        if pw + vw + gw + 8 > self.settings.width:  # too wide for a table: a line each
            loss = self.u(block.loss)
            lines = [f"  ∂{loss}/∂{pad(p, pw)} = {g}" for p, _, g in rows]
            return out + [row for line in lines
                          for row in self.cut(line, self.settings.width, " " * (pw + 8))]
        out.append(f"  {pad('parameter', pw)}   {pad('value', vw, True)}   {pad(header, gw, True)}")
        for p, v, g in rows:
            out.append(f"  {pad(p, pw)}   {pad(v, vw, True)}   {s.value(pad(g, gw, True))}")
        return out

    def _Losses(self, block: m.Losses) -> list[str]:
        value = lambda v: self.style.value(self.show(v, digits=self.digits, decimals=True))  # noqa: E731
        name = self.u(block.symbol)
        if block.places:  # batches: each loss says what it is on
            first, *later = block.places
            return (["", f"Loss on {first}: {name} = {value(block.value)}"]
                    + [f"Loss after step {k}, on {place}: {name} = {value(v)}"
                       for (k, v), place in zip(block.after, later)])
        return (["", f"Loss: {name} = {value(block.value)}"]
                + [f"Loss after step {k}: {name} = {value(v)}" for k, v in block.after])

    def _Note(self, block: m.Note) -> list[str]:
        return self.prose(block.text)

    def prose(self, text: str, indent: str = "  ") -> list[str]:
        """A sentence wrapped at the width, every line under `indent`."""
        return textwrap.wrap(text, self.settings.width, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)

    # the layered form -------------------------------------------------------------------------
    def _Architecture(self, block: m.Architecture) -> list[str]:
        return self.prose(f"network: {describe(block, 'unicode')}") \
            + self.prose(f"({convention(block, 'unicode')})")

    def _LossRule(self, block: m.LossRule) -> list[str]:
        k, total, own = block.samples, block.loss.unicode, block.sample_loss.unicode
        over = f"; {total} = {block.reduction} of {own} over the {k} samples" if k > 1 else ""
        line = f"  loss: {own if k > 1 else total} = {block.formula.unicode}{over}"
        if over and width(line) > self.settings.width:  # the mean on a line of its own
            return [f"  loss: {own} = {block.formula.unicode};", f"  {over[2:]}"]
        return [line]

    def _Tensors(self, block: m.Tensors) -> list[str]:
        out = [""]
        for name, mat in block.items:
            out += [f"  {name.unicode}: symbolic"] if mat is None else self.equation([name], [[mat]])
        return out

    def _Vectors(self, block: m.Vectors) -> list[str]:
        out = []
        for k, (x, y, label) in enumerate(block.samples, start=1):
            parts = [m.Named("x", "x"), m.Op("="), x]
            if y is not None and lone_symbol(y) is not None:
                parts += [m.Op(","), m.Named("", "target"), m.Scalar(lone_symbol(y))]
            elif y is not None:
                parts += [m.Op(","), m.Named("y", block.names[1].unicode), m.Op("="), y]
                if label is not None:
                    parts += [m.Named("", f"(class {label})")]
            head = f"  sample {k}: " if len(block.samples) > 1 else "  "
            out += [head + line if i == 0 else " " * len(head) + line
                    for i, line in enumerate(form_box(parts, self.names, self.digits).lines)]
        return out

    def _Table(self, item: m.Table) -> list[str]:
        out = ["", self.style.heading(item.title) if item.title else "", ""]
        cells = [[form_text(c, self.names, self.digits) for c in row] for row in item.rows]
        widths = [max([width(h)] + [width(r[j]) for r in cells]) for j, h in enumerate(item.header)]
        if sum(widths) + 3 * len(widths) > self.settings.width and item.overflow is not None:
            # as in the LaTeX: a last cell too wide says the table's overflow instead
            left = self.settings.width - sum(widths[:-1]) - 3 * len(widths)
            cells = [row[:-1] + [row[-1] if width(row[-1]) <= left else item.overflow[1]]
                     for row in cells]
            widths = [max([width(h)] + [width(r[j]) for r in cells]) for j, h in enumerate(item.header)]
        out.append("  " + "   ".join(pad(h, widths[j]) for j, h in enumerate(item.header)).rstrip())
        out.append("  " + "   ".join("─" * w for w in widths))
        for row in cells:
            out.append("  " + "   ".join(pad(c, widths[j]) for j, c in enumerate(row)).rstrip())
        return out

    def _Derivation(self, item: m.Derivation) -> list[str]:
        out = ["", self.style.heading(item.title), ""]
        if item.intro:  # wrapped at the width, continued under its first word
            out += textwrap.wrap(f"({item.intro[1]})", self.settings.width, initial_indent="  ",
                                 subsequent_indent="   ", break_long_words=False,
                                 break_on_hyphens=False) + [""]
        return out + self.blocks(item.lines)

    def _MatrixLine(self, line: m.MatrixLine) -> list[str]:
        out = self.equation(list(line.lhs), [list(f) for f in line.forms], line.relation)
        if line.note:
            out += self.prose(f"({line.note[1]})", "      ")
        return out

    def equation(self, lhs, forms, relation: str = "=") -> list[str]:
        """lhs = form = form ...: matrices side by side, broken before an '=' at the width."""
        head = form_box(lhs, self.names, self.digits)
        rows, current = [], [head, boxes.text(relation)]
        limit = self.settings.width - 2
        indent = head.width + 1
        for i, form in enumerate(forms):
            box = form_box(form, self.names, self.digits)
            if indent + 2 + box.width > limit:
                # one form wider than the terminal: its terms a row each, the operator first
                first, *more = self.groups(form, indent, limit)
                if boxes.beside(current + first, gap=" ").width > limit and len(current) > 2:
                    rows.append(boxes.beside(current[:-1], gap=" "))
                    current = [boxes.text(" " * (indent - 1)), boxes.text("=")]
                rows.append(boxes.beside(current + first, gap=" "))
                rows += [boxes.beside(group, gap=" ") for group in more]
                current = [boxes.text(" " * (indent - 1)), boxes.text("=")]
                if i == len(forms) - 1:
                    current = []
                continue
            if i == len(forms) - 1:
                box = boxes.Box(tuple(self.style.value(t) if t.strip() else t for t in box.lines), box.baseline)
            trial = boxes.beside(current + [box], gap=" ")
            if i > 0 and trial.width > limit and len(current) > 1:
                rows.append(boxes.beside(current[:-1] if current[-1].lines == ("=",) else current, gap=" "))
                current = [boxes.text(" " * (indent - 1)), boxes.text("="), box]
            else:
                current.append(box)
            if i < len(forms) - 1:
                current.append(boxes.text("="))
        if current:
            rows.append(boxes.beside(current, gap=" "))
        out = []
        for row in rows:
            out += ["  " + line for line in row.lines]
        return out

    def groups(self, form, indent: int, limit: int) -> list:
        """A form too wide for one row as rows of its terms (pieces.form_cuts), each after
        the first a little in with its operator; a row vector still too wide stands up."""
        out = []
        for k, group in enumerate(form_cuts(form)):
            shown = []
            for piece in group:
                box = form_box([piece], self.names, self.digits)
                if isinstance(piece, m.Mat) and len(piece.rows) == 1 and indent + 4 + box.width > limit:
                    box = boxes.beside([form_box([standing(piece)], self.names, self.digits),
                                        boxes.text("ᵀ")])
                shown.append(box)
            out.append(shown if k == 0 else [boxes.text(" " * (indent + 2))] + shown)
        return out

    def _Gradients(self, block: m.Gradients) -> list[str]:
        out = ["", self.style.heading(gradients_heading(block)), ""]
        for name, mat in block.items:
            out += self.equation([m.Named("", f"∂{block.loss.unicode}/∂{name.unicode}")], [[mat]])
        return out

    # the calculus form -------------------------------------------------------------------------
    def symbols(self, items, brackets: bool = False) -> str:
        """x, y; with `brackets`, (x, y) but t alone."""
        text = ", ".join(self.u(s) for s in items)
        return f"({text})" if brackets and len(items) > 1 else text

    def _Softmax(self, block: m.Softmax) -> list[str]:
        return [f"  ({self.symbols(block.outputs)}) = softmax({self.symbols(block.arguments)})"]

    def _Differentiate(self, block: m.Differentiate) -> list[str]:
        sentence = f"  Differentiate with respect to {self.symbols(block.wrt)}"
        if block.point:
            sentence += ", at " + ", ".join(f"{self.u(v)} = {self.u(n, digits=self.digits, decimals=True)}"
                                            for v, n in block.point)
        return self.prose(sentence.strip() + ".")

    def _LearningRate(self, block: m.LearningRate) -> list[str]:
        eta = self.names[block.symbol].unicode
        if block.lr.is_number:
            return [f"  Learning rate {eta} = {self.u(block.lr, digits=self.digits, decimals=True)}."]
        return [f"  Learning rate {eta} (a symbol)."]

    def _Result(self, block: m.Result) -> list[str]:
        """∇f = (8x + 12y, 12x + 18y), or J_F as a matrix."""
        numbers = block.numbers
        cells = [[self.u(v, digits=self.digits, decimals=numbers) for v in row] for row in block.matrix]
        label = self.u(block.label, digits=self.digits)
        if block.point:  # ∇f(1, 2): the point is its argument
            label += f"({', '.join(self.u(n, digits=self.digits, decimals=True) for n in block.point)})"
        blank = [""] if numbers else []  # after the lines that worked it out
        if block.gradient:
            if len(cells[0]) == 1:
                return blank + [f"  {label} = {self.style.value(cells[0][0])}"]
            line = f"  {label} = ({', '.join(cells[0])})"
            if width(line) <= self.settings.width:
                return blank + [line]
            return blank + _beside([f"  {label} = "], _matrix([[c] for c in cells[0]]))
        return blank + _beside([f"  {label} = "], _matrix(cells))

    def _ChainProduct(self, block: m.ChainProduct) -> list[str]:
        """J = ∂(f₁, f₂)/∂(x, y) · ∂(x, y)/∂t = [..] · [..] = [..], matrices side by side."""
        cell = lambda rows: [[self.u(v, digits=self.digits) for v in row] for row in rows]  # noqa: E731
        factors = block.factors()  # two, or one more for each deeper stage
        general = " · ".join(f"∂{self.symbols(upper, True)}/∂{self.symbols(lower, True)}"
                             for upper, lower, _ in factors)
        label = self.u(block.label, digits=self.digits)
        parts = [[f"  {label} = {general} = "]]
        for k, (_, _, rows) in enumerate(factors):
            parts += ([" · "] if k else []), _matrix(cell(rows))
        lines = _beside(*[p for p in parts if p], [" = "], _matrix(cell(block.result)))
        if max(width(line) for line in lines) <= self.settings.width:
            return lines
        indent = " " * (width(label) + 3)  # one factor a line, under the '='
        out = [f"  {label} = {general}"]
        for k, (_, _, rows) in enumerate(factors):
            out += _beside([f"{indent}  · " if k else f"{indent}= "], _matrix(cell(rows)))
        result = _beside([f"{indent}= "], _matrix(cell(block.result)))
        if block.deeper and max(width(line) for line in result) > self.settings.width:
            # through deeper stages: its entries are each worked out (and wrapped) above
            if block.gradient and len(block.result[0]) > 1:
                return out + _beside([f"{indent}= "], _matrix(cell([[v] for v in block.result[0]])), ["ᵀ"])
            return out + [f"{indent}= the matrix of the entries worked out by the chain rule above"]
        return out + result


def gradients_heading(block) -> str:
    """Gradients (on the batch of step 1 (samples 1, 2)) (at the given parameters)."""
    return ("Gradients" + (f" on {block.place}" if block.place else "")
            + (", at the given parameters" if block.place and block.trained else
               " (at the given parameters)" if block.trained else ""))


def _matrix(cells: list[list[str]]) -> list[str]:
    """Rows of cells in brackets, columns aligned: ⎡a  b⎤ / ⎣c  d⎦, or [a  b] for one row."""
    widths = [max(width(row[j]) for row in cells) for j in range(len(cells[0]))]
    rows = ["  ".join(pad(c, w) for c, w in zip(row, widths)) for row in cells]
    if len(rows) == 1:
        return [f"[{rows[0]}]"]
    out = []
    for i, row in enumerate(rows):
        left, right = ("⎡", "⎤") if i == 0 else ("⎣", "⎦") if i == len(rows) - 1 else ("⎢", "⎥")
        out.append(f"{left}{row}{right}")
    return out


def _beside(*blocks) -> list[str]:
    """Blocks of lines side by side, vertically centred; a one-line block sits in the middle."""
    height = max(len(b) for b in blocks)
    out = [""] * height
    for block in blocks:
        w = max(width(line) for line in block)
        top = (height - len(block)) // 2
        for i in range(height):
            k = i - top
            text = block[k] if 0 <= k < len(block) else ""
            out[i] += pad(text, w) if len(block) > 1 or k == 0 else " " * w
    return [line.rstrip() for line in out]
