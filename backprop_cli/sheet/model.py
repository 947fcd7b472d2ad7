"""One model of a worked-solution document, whatever the spec form: a Worksheet.

Everything here is data: titles and sentences are plain text, every formula, number and
name is SymPy (printed to text or LaTeX by the renderers, with the settings of the
output), and a matrix-notation line is a row of pieces. The builders (graph.py,
calculus.py, layered.py) fill it from a solved Solution without computing anything; the
renderers (render/text.py, render/latex.py, render/json.py) print it without computing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

#: The model's classes: frozen, compared by identity. Value equality (and the hash that
#: comes with it) is never asked of a document's parts, and generating it for some thirty
#: classes was a tenth of a small problem's whole run.
record = dataclass(frozen=True, eq=False)


# --- the document -------------------------------------------------------------------


@record
class Worksheet:
    form: str  # "graph", "network" or "calculus": the notation and the LaTeX template
    title: str | None
    notes: str | None
    warnings: tuple  # Warnings
    given: tuple  # blocks: what the problem states
    sections: tuple  # Sections: the worked solution
    summary: tuple = ()  # blocks after the sections: gradients, losses
    names: dict = field(default_factory=dict)  # Symbol -> graph.Name: how each is written
    steps: tuple = ()  # (section title, Worked): every worked line, for programs (the JSON's)
    solution: object = None  # the solution it lays out, for the JSON contract's values
    diagram: object = None  # the network as a Diagram (LaTeX's "Given"), or None
    asked: tuple = ()  # AskedWork: each derivative asked for (ask:), worked, after the summary
    answers: tuple = ()  # AnswerRows: the Answers table that ends the key (with ask: only)
    #: a question sheet's Questions (sheet/questions.py): what to compute, without sections
    questions: tuple = ()


@record
class Question:
    """One asked quantity of a question sheet: `label`. Compute `text`, then `lhs` = room
    for the answer, an entry for each of a vector's or matrix's (`shape`: (), (n,) or (m, n))."""

    label: str
    text: str  # plain text
    lhs: "Named"  # how the quantity is written, LaTeX and terminal
    shape: tuple = ()


@record
class Section:
    title: str  # plain text
    blocks: tuple = ()
    subtitle: tuple = ()  # (symbol, value) pairs: the sample a section works on
    level: int = 1  # 0: a part, whose blocks are titled (Tables, Derivations); 1: a section
    matrix: bool = False  # lines in matrix notation (the layered form's passes)


# --- blocks ---------------------------------------------------------------------------


@record
class Worked:
    """`lhs relation forms[0] = forms[1] = ... = substituted|values = value`."""

    lhs: sp.Expr
    forms: tuple = ()  # the successive right-hand sides, the general rule first
    substituted: sp.Expr | None = None  # the form shown again with `values` put in
    values: dict = field(default_factory=dict)
    value: sp.Expr | None = None  # the result
    show_value: bool = True  # False: the value is the last form, nothing was substituted
    relation: str = "="  # "=" or "←"
    rule: tuple = ()  # the rules used, as keys (calculus/rules.py)
    sample: int | None = None
    phase: str | None = None  # forward, loss, backward, reduce, update (the engine's)
    written: bool = False  # forms[0] is a formula as the user wrote it
    decimals: bool = False  # numbers inside the forms are written as decimals
    dotted: bool = False  # products written with a dot in LaTeX (the chain rule's)
    said: tuple = ()  # a sentence after the line, as parts (text, SymPy): which argument wins
    note: tuple | None = None  # why the last form follows, (LaTeX, Unicode), beside the line


@record
class Warning:
    """A warning: its text, and the same as parts, plain text and SymPy symbols (which a
    LaTeX renderer prints as math)."""

    text: str
    parts: tuple = ()


@record
class Note:
    """A sentence of plain text (`latex`: the same with its math set, when it has some)."""

    text: str
    latex: str | None = None


# matrix notation (the layered form): a form is a row of pieces


@record
class Named:
    """A named matrix or vector, W^{(1)} / W⁽¹⁾, or a short formula, in both notations."""

    latex: str
    unicode: str
    transpose: bool = False

    @property
    def T(self) -> "Named":
        return Named(self.latex, self.unicode, not self.transpose)


@record
class Mat:
    """Explicit entries (SymPy expressions), a tuple of rows."""

    rows: tuple


@record
class Op:
    """An operator or bracket: + − ⊙ ( ) and the like."""

    text: str


@record
class Scalar:
    """A scalar factor such as 1/m (exact: written as a fraction) or η."""

    expr: sp.Expr
    exact: bool = False


@record
class MatrixLine:
    """`lhs = form = form ... = result`, each a tuple of pieces."""

    lhs: tuple
    forms: tuple
    relation: str = "="
    note: tuple | None = None  # one sentence under the line: (LaTeX, terminal)


@record
class Table:
    title: str
    header: tuple
    rows: tuple  # tuples of cells, each a tuple of pieces
    #: (LaTeX, terminal) said instead of a last-column cell too wide for the page, where
    #: the document says the same another way; None: the cells are always written
    overflow: tuple | None = None


@record
class Derivation:
    """Matrix-notation lines under a title, with an optional sentence before them."""

    title: str
    lines: tuple  # MatrixLines and Worked lines
    intro: tuple | None = None  # (LaTeX, terminal)


# --- what the homework asks (ask:) ---------------------------------------------------------


@record
class AskedWork:
    """A derivative asked for, worked: its question's label and text, its symbol
    (LaTeX, Unicode), and its lines (Worked lines, or MatrixLines of local Jacobians)."""

    label: str | None
    text: str | None
    symbol: tuple
    lines: tuple
    note: tuple | None = None  # (LaTeX, terminal): a sentence before the lines


@record
class AnswerRow:
    """A row of the Answers table: label, the quantity (LaTeX, Unicode), its value (a
    SymPy value, or nested lists of them: a vector or a matrix)."""

    label: str | None
    symbol: tuple
    value: object


# --- the given part and the summary -----------------------------------------------------


@record
class Definitions:
    """The formulas of the graph form: `lhs = rhs`, the loss last (`loss`: its node,
    the per-sample name it is written under, and its formula)."""

    equations: tuple  # (symbol, formula)
    loss: tuple | None = None  # (symbol, per-sample symbol, formula)
    several: bool = False
    reduction: str = "mean"


@record
class Parameters:
    values: tuple  # (symbol, number or None for symbolic)


@record
class Samples:
    samples: tuple  # (index, ((symbol, value), ...)) per sample; a symbolic value stays a symbol


@record
class Training:
    lr: sp.Expr  # a number, or the learning-rate symbol
    steps: int
    symbol: sp.Symbol | None = None  # how the rate is written (its name); None: η
    method: str = "gradient descent"  # the optimizer, as "N steps of ..." says it
    settings: tuple = ()  # (symbol, value) of the optimizer's other settings in play (β₁, ...)
    batch: int | None = None  # batch_size: samples per step, in order and cycling
    #: regularization: (R, its formula, ((λ, value), ...)), added to the loss once per step
    penalty: tuple = ()


@record
class GradientTable:
    rows: tuple  # (parameter, value or None, dL/dparameter)
    loss: sp.Symbol
    trained: bool  # there are updates: the gradients are at the given parameters
    place: str = ""  # with batch_size: what they are the gradients on (the first batch)


@record
class Losses:
    """Loss: L = ...; after step k: L = ..."""

    symbol: sp.Symbol
    value: sp.Expr
    after: tuple = ()  # (step, value)
    #: with batch_size: what each value is the loss on, the first's then each after's
    #: ("the batch of step 1 (samples 1, 2)", ..., "all the data"); () : all the data
    places: tuple = ()


# --- the network drawn (render/diagram.py lays it out and prints it) ---------------------


@record
class DiagramUnit:
    """One circle of a drawing: `label` is a SymPy symbol (written by its name), a Named,
    or plain text ("1" of a bias unit); kind: input, unit, bias, loss, target or dots."""

    key: str
    label: object
    kind: str = "unit"


@record
class DiagramEdge:
    """source -> target, with the parameter it is multiplied by (a SymPy symbol, None
    for no label) and that parameter's value (None: symbolic), printed on the edge."""

    source: str
    target: str
    label: object = None
    value: object = None


@record
class Diagram:
    """The network drawn as columns of units, left to right. `captions`: an activation's
    key (vocab) under each column, or None; `between`: a Named written between column i
    and i + 1 (W⁽¹⁾) where the edges carry no labels, or None."""

    columns: tuple  # tuples of DiagramUnits, top to bottom
    edges: tuple  # DiagramEdges
    captions: tuple = ()
    between: tuple = ()


# --- the calculus form -------------------------------------------------------------------


@record
class Softmax:
    """(s₁, …, sₙ) = softmax(a₁, …, aₙ): outputs the engine recognised as one softmax."""

    outputs: tuple
    arguments: tuple


@record
class Differentiate:
    """Differentiate with respect to `wrt`, at `point` ((variable, number), …) if any."""

    wrt: tuple
    point: tuple = ()


@record
class LearningRate:
    symbol: sp.Symbol  # η
    lr: sp.Expr  # a number, or the symbol itself


@record
class Result:
    """The assembled answer: ∇f = (…, …) or J_F as a matrix; with `numbers`, its value at
    the point (`point`: the numbers ∇f is written at, ∇f(1, 2), or () )."""

    label: sp.Symbol
    matrix: tuple  # rows
    gradient: bool
    numbers: bool = False
    point: tuple = ()


@record
class ChainProduct:
    """J = ∂(f₁, …)/∂(u₁, …) · ∂(u₁, …)/∂(w₁, …): the outer and inner Jacobians, their
    product as written, and the result."""

    label: sp.Symbol
    components: tuple
    inner: tuple
    wrt: tuple
    outer_matrix: tuple
    inner_matrix: tuple
    product: tuple
    result: tuple
    gradient: bool = False  # one function: the result is a gradient
    #: further stages (inner functions of inner functions), from the top: (symbols,
    #: their Jacobian in the next stage down, the last one's in wrt); `inner_matrix` is
    #: then the Jacobian of `inner` in the first of them
    deeper: tuple = ()

    def factors(self) -> list[tuple]:
        """(upper symbols, lower symbols, matrix) for each factor of the product, in order."""
        stages = [self.components, self.inner] + [s for s, _ in self.deeper] + [self.wrt]
        matrices = [self.outer_matrix, self.inner_matrix] + [m for _, m in self.deeper]
        return list(zip(stages, stages[1:], matrices))


# --- the layered form --------------------------------------------------------------------


@record
class Architecture:
    """4 inputs → 3 ReLU → 1 identity, and the convention (sizes may be symbols)."""

    inputs: object  # int, or the name of a symbolic size
    layers: tuple  # (units, activation, alpha)
    convention: str  # "column" or "row"
    biases: bool
    letters: tuple = ("z", "a")  # the notation's pre- and post-activation letters
    #: a network with feature maps (sheet/conv.py): the input's and each layer's words,
    #: (LaTeX, terminal), written instead of sizes and activations
    words: tuple = ()


@record
class LossRule:
    """ℓ = the loss of one sample; L its mean or sum over `samples` samples."""

    formula: Named
    samples: int
    reduction: str
    loss: Named = Named("L", "L")  # the notation's names: the total, and one sample's own
    sample_loss: Named = Named("\\ell", "ℓ")


@record
class Tensors:
    """The parameters' values: (name, Mat), or (name, None) when symbolic."""

    items: tuple


@record
class Vectors:
    """Each sample's x and y as vectors: (x Mat, y Mat or None, class label or None)."""

    samples: tuple
    names: tuple = (Named("\\mathbf{x}", "x"), Named("\\mathbf{y}", "y"))  # as the notation writes them


@record
class Gradients:
    """∂L/∂W⁽¹⁾ = […] for each parameter tensor: (name, Mat)."""

    items: tuple
    trained: bool
    loss: Named = Named("L", "L")  # the loss's name in the notation
    place: str = ""  # with batch_size: what they are the gradients on (the first batch)
