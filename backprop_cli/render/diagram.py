"""A Diagram as a plain TikZ picture: the program places every unit and every edge label
(TikZ's graph drawing needs LuaLaTeX), in centimetres, so that the picture fits 90% of
the narrowest text width it is \\input into (a plain article's 345 pt) and no label
covers another or a unit.

One too wide or too tall even so (a long chain, a column of many inputs) is scaled down,
text and all. The picture is wrapped in \\ifdefined\\tikzpicture ... \\fi: a fragment \\input into an
exam that does not load tikz leaves the diagram out instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sheet.model import Diagram, DiagramEdge, DiagramUnit, Named
from ..vocab import ACTIVATIONS
from .worked import printer

SPAN = 9.6  # cm between the first and last column's centres: 0.9 × 345 pt less a unit
MAX_GAP = 3.0  # cm between columns, at most
MIN_GAP = 1.1  # cm between two units' centres, at least: 8 mm circles and an arrow
HEIGHT = 12.0  # cm from the top unit's centre to the bottom one's, at most
RADIUS = 0.42  # cm: a unit's circle (minimum size 8 mm) and a little air
CHAR = 0.15  # cm: the width of a character of an edge label (\scriptsize), generously
LABEL_HEIGHT = 0.34  # cm
PAD = (0.2, 0.1)  # cm of air kept around a label, across and up
POSITIONS = tuple(k / 40 for k in range(5, 36))  # along the edge, 0.125 … 0.875
ASIDE, OFF_EDGE = 0.72, 30
CLEAR = 0.3  # cm: a label nearer than this to another edge is ambiguous  # cm above or below an edge's middle, and what it costs


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlap(self, other: "Box") -> float:
        dx = min(self.x + self.w / 2, other.x + other.w / 2) - max(self.x - self.w / 2, other.x - other.w / 2)
        dy = min(self.y + self.h / 2, other.y + other.h / 2) - max(self.y - self.h / 2, other.y - other.h / 2)
        return max(dx, 0) * max(dy, 0)

    def crossed(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Whether the segment from (x0, y0) to (x1, y1) passes through the box (clipped
        to it, Liang and Barsky's way)."""
        low, high = 0.0, 1.0
        dx, dy = x1 - x0, y1 - y0
        for p, q in ((-dx, x0 - self.x + self.w / 2), (dx, self.x + self.w / 2 - x0),
                     (-dy, y0 - self.y + self.h / 2), (dy, self.y + self.h / 2 - y0)):
            if p == 0:
                if q <= 0:
                    return False
            elif p < 0:
                low = max(low, q / p)
            else:
                high = min(high, q / p)
        return low < high

    def distance(self, x0: float, y0: float, x1: float, y1: float) -> float:
        """How far the segment passes from the box's edge (0 when it crosses it)."""
        if self.crossed(x0, y0, x1, y1):
            return 0.0
        dx, dy = x1 - x0, y1 - y0
        corners = [(self.x + sx * self.w / 2, self.y + sy * self.h / 2) for sx in (-1, 1) for sy in (-1, 1)]
        length = dx * dx + dy * dy

        def to_segment(px, py):
            t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / length))
            return ((x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2) ** 0.5

        def to_box(px, py):
            ex = max(abs(px - self.x) - self.w / 2, 0.0)
            ey = max(abs(py - self.y) - self.h / 2, 0.0)
            return (ex * ex + ey * ey) ** 0.5
        return min([to_segment(*c) for c in corners] + [to_box(x0, y0), to_box(x1, y1)])


def render_diagram(diagram: Diagram | None, names: dict, digits: int) -> str:
    """The picture, centred, as LaTeX; "" without a diagram."""
    if diagram is None or not diagram.columns:
        return ""
    return _Picture(diagram, names, digits).tex()


class _Picture:
    def __init__(self, diagram: Diagram, names: dict, digits: int):
        self.diagram, self.names, self.digits = diagram, names, digits
        self.latex, self.unicode = printer("graph", "latex"), printer("graph", "unicode")
        self.columns = _ordered(diagram)
        tallest = max(len(c) for c in self.columns)
        labelled = any(e.label is not None or e.value is not None for e in diagram.edges)
        self.xs = _column_xs(self.columns, diagram.edges)
        self.gap_y = _row_gap(tallest, labelled)
        # a picture still too wide or too tall (a chain of many nodes, a column of many
        # inputs) is drawn smaller, text and all
        width, height = self.xs[-1], (tallest - 1) * self.gap_y
        self.scale = min(1.0, SPAN / width if width else 1.0, HEIGHT / height if height else 1.0)
        self.at = {}
        for c, column in enumerate(self.columns):
            top = (len(column) - 1) * self.gap_y / 2
            for r, unit in enumerate(column):
                self.at[unit.key] = (self.xs[c], round(top - r * self.gap_y, 3))
        self.ids = {unit.key: f"u{i}" for i, unit in enumerate(u for c in self.columns for u in c)}

    # printing ------------------------------------------------------------------------
    def math(self, label) -> str:
        if isinstance(label, Named):
            return label.latex
        if isinstance(label, str):
            return "\\vdots" if label == "dots" else label
        return self.latex(label, names=self.names, digits=self.digits)

    def edge_text(self, edge: DiagramEdge) -> tuple[str, str]:
        """(LaTeX, Unicode) of an edge's label: w₁ = 0.5, w₁ or 0.5, the `=` between thin
        spaces (a label as narrow as it reads well; the Unicode's `=` stands for the
        width of `=` and its spaces)."""
        parts_tex, parts_uni = [], []
        if isinstance(edge.label, Named):  # a matrix's name (an unrolled rnn's W_hh)
            parts_tex.append(edge.label.latex)
            parts_uni.append(edge.label.unicode)
        elif edge.label is not None:
            parts_tex.append(self.latex(edge.label, names=self.names, digits=self.digits))
            parts_uni.append(self.unicode(edge.label, names=self.names, digits=self.digits))
        if edge.value is not None:
            parts_tex.append(self.latex(edge.value, names=self.names, digits=self.digits, decimals=True))
            parts_uni.append(self.unicode(edge.value, names=self.names, digits=self.digits, decimals=True))
        return "\\,{=}\\,".join(f"{{{p}}}" for p in parts_tex), "= ".join(parts_uni)

    def tex(self) -> str:
        small = max(len(c) for c in self.columns) > 5 or len(self.columns) > 5
        out = ["\\ifdefined\\tikzpicture", "\\begin{center}",
               "\\begin{tikzpicture}[>=stealth, font=" + ("\\footnotesize" if small else "\\small") + ","
               + (f" scale={self.scale:.3f}, transform shape," if self.scale < 1 else ""),
               "  unit/.style={circle, draw, minimum size=8mm, inner sep=0.5pt},",
               "  bias/.style={unit, fill=black!8},",
               "  loss/.style={rectangle, draw, rounded corners=2pt, minimum size=7mm},",
               "  weight/.style={fill=white, inner sep=0.8pt, font=\\scriptsize}]"]
        for column in self.columns:
            for unit in column:
                out.append(self.node(unit))
        out += self.edges()
        out += self.captions()
        out += ["\\end{tikzpicture}", "\\end{center}", "\\fi"]
        return "\n".join(out)

    def node(self, unit: DiagramUnit) -> str:
        x, y = self.at[unit.key]
        if unit.kind == "space":  # a row left empty (an rnn's step without an output)
            return f"\\coordinate ({self.ids[unit.key]}) at ({x:g},{y:g});"
        style = {"bias": "bias", "loss": "loss", "dots": "inner sep=0pt"}.get(unit.kind, "unit")
        return f"\\node[{style}] ({self.ids[unit.key]}) at ({x:g},{y:g}) {{${self.math(unit.label)}$}};"

    # edges and their labels ----------------------------------------------------------
    def edges(self) -> list[str]:
        """Each edge, and its label at the point along it (between the two units' circles)
        that covers the least: the label is a node at those coordinates, not at a `pos`,
        which TikZ would measure between the circles' borders. Labels are placed one by
        one, in the edges' order or its reverse, whichever covers less in all."""
        segments = [(self.at[e.source], self.at[e.target]) for e in self.diagram.edges]
        out = [f"\\draw[->] ({self.ids[e.source]}) -- ({self.ids[e.target]});"
               for e in self.diagram.edges]
        order = list(range(len(self.diagram.edges)))
        placed = min((self.place(o, segments) for o in (order, order[::-1])), key=lambda p: p[0])
        return out + [label for _, label in sorted(placed[1])]

    def place(self, order: list, segments: list) -> tuple[float, list]:
        """(what the labels cover in all, [(edge number, its label's node)])."""
        # a unit with room for its arrowheads
        boxes = [Box(x, y, 2 * RADIUS + 0.25, 2 * RADIUS + 0.1) for x, y in self.at.values()]
        total, labels = 0.0, []
        for n in order:
            edge = self.diagram.edges[n]
            texts = [self.edge_text(edge)]
            if edge.label is not None and edge.value is not None:
                # w₁ alone where w₁ = 0.5 would cross another edge (the value is in the table)
                texts.append(self.edge_text(DiagramEdge(edge.source, edge.target, edge.label)))
            if not texts[0][0]:
                continue
            best = None
            for text, uni in texts:
                box, cost = self.spot(segments[n], CHAR * len(uni) + PAD[0], boxes, segments, n)
                if best is None or (best[2] >= 10 and cost < best[2]):
                    best = (text, box, cost)
            text, box, cost = best
            boxes.append(box)
            total += cost
            labels.append((n, f"\\node[weight] at ({box.x:.3f},{box.y:.3f}) {{${text}$}};"))
        return total, labels

    def spot(self, segment, width: float, boxes: list, segments: list, n: int) -> tuple:
        """The best box for a label of this width on edge n, and what it costs."""
        (x0, y0), (x1, y1) = segment
        height = LABEL_HEIGHT + PAD[1]
        # on the edge, nearer its middle the better; else just above or below its middle
        # (columns too close for a label between two circles: a long chain)
        places = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0), abs(t - 0.5)) for t in POSITIONS]
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        places += [(middle[0], middle[1] + side * ASIDE, OFF_EDGE) for side in (1, -1)]
        scored = [(self.cost(Box(x, y, width, height), boxes, segments, n) + near, Box(x, y, width, height))
                  for x, y, near in places]
        cost, box = min(scored, key=lambda p: p[0])
        return box, cost

    @staticmethod
    def cost(box: Box, boxes: list, segments: list, own: int) -> float:
        """What a label put at `box` covers: units and labels (badly), other edges (less),
        and how near it comes to another edge (a label beside two edges reads as either's);
        first in order of POSITIONS when nothing is covered or near."""
        covered = sum(box.overlap(b) for b in boxes) * 1000
        left, right = box.x - box.w / 2 - CLEAR, box.x + box.w / 2 + CLEAR
        low, high = box.y - box.h / 2 - CLEAR, box.y + box.h / 2 + CLEAR
        for n, ((x0, y0), (x1, y1)) in enumerate(segments):
            if n == own or max(x0, x1) < left or min(x0, x1) > right or \
                    max(y0, y1) < low or min(y0, y1) > high:
                continue  # nowhere near: the box widened by CLEAR misses the edge's extent
            gap = box.distance(x0, y0, x1, y1)
            covered += 10 if gap == 0 else 4 * max(CLEAR - gap, 0) / CLEAR
        return covered

    def captions(self) -> list[str]:
        """The activation under each column, the matrix's name above each gap."""
        out = []
        low = min(y for _, y in self.at.values()) - RADIUS - 0.35
        high = max(y for _, y in self.at.values()) + RADIUS + 0.3
        for c, key in enumerate(self.diagram.captions):
            if key is not None:  # an activation's key, or the caption's own text (LaTeX)
                text = ACTIVATIONS[key].word[0] if key in ACTIVATIONS else key
                out.append(f"\\node at ({self.xs[c]:g},{low:g}) {{{text}}};")
        for c, name in enumerate(self.diagram.between):
            if name is not None:
                middle = (self.xs[c] + self.xs[c + 1]) / 2
                out.append(f"\\node at ({middle:g},{high:g}) {{${name.latex}$}};")
        return out


def _row_gap(tallest: int, labelled: bool) -> float:
    """cm between two units of a column: room for the labels of crossing edges, less in
    a tall column, never so little that circles touch, the whole at most HEIGHT if it can."""
    if labelled:
        gap = 2.4 if tallest <= 2 else 2.0 if tallest <= 3 else 1.7 if tallest <= 5 else 1.2
    else:
        gap = 1.2 if tallest <= 5 else 1.0
    return max(MIN_GAP, min(gap, HEIGHT / max(tallest - 1, 1)))


def _column_xs(columns: list, edges: tuple) -> list:
    """Where each column stands: a gap whose edges carry many labels is wider than one
    whose edges carry few or none, and all together span at most SPAN (or, with so many
    columns that their circles would touch, MIN_GAP apart: the picture is then scaled)."""
    column = {u.key: c for c, units in enumerate(columns) for u in units}
    labels = [0] * max(len(columns) - 1, 1)
    for edge in edges:
        if edge.label is not None or edge.value is not None:
            # an edge within a column (an unrolled rnn's xₜ → hₜ) counts for the gap after it
            labels[min(column[edge.source], column[edge.target], len(labels) - 1)] += 1
    wants = [MAX_GAP * (1 + min(n, 12) / 24) for n in labels[:len(columns) - 1]]
    scale = min(1, SPAN / sum(wants)) if wants else 1
    xs = [0.0]
    for want in wants:
        xs.append(round(xs[-1] + max(want * scale, MIN_GAP), 3))
    return xs


def _ordered(diagram: Diagram) -> list[list]:
    """Each column after the first in the order of its units' sources' mean height (which
    uncrosses edges), a bias unit first and a target, with nothing drawn into it, last."""
    columns = [list(diagram.columns[0])]
    sources: dict = {}
    for edge in diagram.edges:
        sources.setdefault(edge.target, []).append(edge.source)
    row = {u.key: r - (len(columns[0]) - 1) / 2 for r, u in enumerate(columns[0])}
    for column in diagram.columns[1:]:
        def rank(unit, r):
            if unit.kind in ("bias", "dots", "input", "unit", "space") and diagram.captions:
                return (0, r)  # the layered form: its units in their order
            if unit.kind == "bias":
                return (0, r)  # atop its column
            above = [row[s] for s in sources.get(unit.key, ()) if s in row]
            return (1, sum(above) / len(above)) if above else (2, r)
        ordered = [u for _, u in sorted(((rank(u, r), u) for r, u in enumerate(column)),
                                        key=lambda p: p[0])]
        row.update({u.key: r - (len(ordered) - 1) / 2 for r, u in enumerate(ordered)})
        columns.append(ordered)
    return columns
