"""The `network:` form: YAML -> a frozen NetworkProblem, every shape checked.

Messages name the parameter and both shapes ("params.W1 is 2×2, but layer 1 needs 2×3
(units × inputs)"). Nothing missing is made up: every weight matrix and bias vector must
be written, as numbers or as null for a symbolic one.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fractions import Fraction

from math import prod

from . import budget
from .conv import ShapedLayers, dims, is_whole, nested, read_shape, spatial
from ..errors import clip
from ..suggest import closest
from ..yamlload import Flag, field_name, is_number
from ..vocab import activations as _activations
from ..vocab import losses as _losses
from ..vocab.activations import ACTIVATIONS as ACTIVATION_TABLE
from ..vocab.losses import LOSSES as LOSS_TABLE
from . import batchnorm, recurrent
from .graph import check_notes_math
from .ask import read_ask
from .notation import DEFAULT as DEFAULT_NOTATION, Notation, read_notation
from .base import (MAX_SAMPLES, NAME, Optimizer, Reader, Regularization, _kind, _looks_numeric,
                   line_of)

#: The names a layer's activation and the loss may take: vocab/activations.py, vocab/losses.py.
ACTIVATIONS = tuple(ACTIVATION_TABLE)
LOSSES = tuple(LOSS_TABLE)
CONVENTIONS = ("column", "row")
TOP_KEYS = ("title", "notes", "network", "params", "loss", "data", "reduction", "optimizer",
            "notation", "regularization", "ask", "upstream", "variants")  # variants: kit/draw.py
NETWORK_KEYS = ("inputs", "convention", "bias", "layers", "notation")
LAYER_KEYS = ("type", "units", "activation", "bias", "alpha")
MAX_UNITS = 512
MAX_LAYERS = 20
MAX_WEIGHTS = 50_000
DEFAULT_ALPHA = ACTIVATION_TABLE["leaky_relu"].parameter[1]

Size = "int | str"  # a number of units, or a name for a symbolic size


@dataclass(frozen=True)
class Layer:
    units: int | str
    activation: str
    bias: bool
    alpha: Fraction  # leaky_relu only
    type = "dense"

    @property
    def shape(self):
        return self.units


@dataclass(frozen=True)
class Sample:
    x: tuple | None  # Fraction | None per input; None: symbolic
    y: tuple | None  # Fraction | None per output; None: symbolic (or no loss)
    label: int | None = None  # the class index, when y was written as one


@dataclass(frozen=True)
class NetworkProblem:
    kind = "network"
    source: str
    title: str | None
    notes: str | None
    inputs: int | str
    input_names: tuple | None  # names given in `inputs: [x1, x2]`
    convention: str
    layers: tuple  # Layers
    params: tuple  # (name, value): value None (symbolic) or a tuple of rows / a tuple
    loss: str | None
    data: tuple  # Samples
    reduction: str
    optimizer: Optimizer | None
    pre: str  # the letters of the notation: z = W a + b, a = f(z)
    post: str
    lines: tuple = ()  # (field, line) of what a later stage may name: the loss
    notation: Notation = DEFAULT_NOTATION  # the course's notation (pre and post above too)
    regularization: Regularization | None = None
    ask: tuple | None = None  # spec/ask.py: what the homework asks for; None: the default
    shape: tuple | None = None  # `inputs: [channels, height, width]`: x is a map (spec/conv.py)

    def line_of(self, field: str) -> int | None:
        return line_of(self.lines, field)

    @property
    def symbolic_sizes(self) -> bool:
        return any(isinstance(s, str) for s in self.sizes)

    @property
    def sizes(self) -> tuple:
        return (self.inputs,) + tuple(layer.units for layer in self.layers)


def read_network(reader: Reader) -> NetworkProblem:
    return _NetworkReader(reader).problem()


class _NetworkReader:
    def __init__(self, reader: Reader):
        self.r = reader
        self.fail = reader.fail

    def problem(self) -> NetworkProblem:
        r = self.r
        top = r.doc.data
        for key in top:  # layers: or inputs: written beside network: instead of inside it
            if key in NETWORK_KEYS and key not in TOP_KEYS:
                self.fail((key,), f"'{key}' belongs inside 'network:'; indent it under network:, "
                                  f"like network: {{inputs: 2, layers: [...]}}")
        r.unknown_keys((), top, TOP_KEYS, "a layered problem (with 'network:')")
        net = r.mapping(("network",), top["network"], "network")
        r.unknown_keys(("network",), net, NETWORK_KEYS, "network")
        if "inputs" not in net:
            self.fail(("network",), "needs 'inputs:' (the number of inputs, or a list of their "
                                    "names), like inputs: 2 or inputs: [x1, x2]")
        if "layers" not in net:
            self.fail(("network",), "needs 'layers:', a list like layers: [{units: 2, activation: "
                                    "sigmoid}, {units: 1, activation: sigmoid}]")
        shape = None
        if isinstance(net["inputs"], list) and net["inputs"] and all(map(is_whole, net["inputs"])):
            shape = read_shape(self, ("network", "inputs"), net["inputs"])
            inputs, input_names = prod(shape), None
        else:
            inputs, input_names = self.inputs(net["inputs"])
        convention = net.get("convention", "column")
        if convention not in CONVENTIONS:
            self.choice(("network", "convention"), convention, CONVENTIONS, "convention", {})
        default_bias = self.flag(("network", "bias"), net.get("bias", True))
        layers = self.layers(net["layers"], default_bias, shape or inputs)
        # network.notation: {pre, post} is the older spelling of the top-level notation:
        notation = read_notation(r, top, legacy_path=("network", "notation"))
        pre, post = notation.pre, notation.post
        loss = None
        if top.get("loss") is not None:
            loss = top["loss"]
            if not isinstance(loss, str) or isinstance(loss, Flag) or loss not in LOSSES:
                self.choice(("loss",), loss, LOSSES, "loss", _losses.aliases(),
                            extra=" (the layered form takes a named loss)")
        for i, layer in enumerate(layers[:-1]):
            if layer.activation == "softmax":
                self.fail(("network", "layers", i, "activation"),
                          f"softmax is only allowed on the last layer; use another activation "
                          f"for layer {i + 1}, like sigmoid, tanh or relu")
        sizes = (inputs,) + tuple(layer.units for layer in layers)
        symbolic = any(isinstance(s, str) for s in sizes)
        if symbolic and shape is not None:  # a map's entries are worked out one by one
            at = next(i for i, layer in enumerate(layers) if isinstance(layer.units, str))
            self.fail(("network", "layers", at, "units"), "a network with feature maps has numbers "
                                                          "of units: give this layer one, like units: 2")
        params = self.params(top, layers, sizes, symbolic)
        rnn = _typed(layers, "rnn")
        if rnn is not None:  # sequences: every sample's x a list of time steps
            data = recurrent.read_sequences(self, top, inputs, sizes[-1], loss, rnn,
                                            layers[-1].activation == "softmax")
        else:
            data = self.data(top, sizes, loss, layers[-1], symbolic, shape)
        if top.get("upstream") is not None:
            loss, data = "upstream", self.upstream(top, sizes[-1], data, loss, symbolic)
            if top.get("reduction", "sum") != "sum":
                self.fail(("reduction",), "with upstream: the loss is Σ g·ŷ summed over the "
                                          "samples; leave 'reduction:' out")
        reduction = top.get("reduction", "sum" if loss == "upstream" else "mean")
        if reduction not in ("mean", "sum"):
            self.fail(("reduction",), f"must be 'mean' or 'sum', not {_kind(reduction)}")
        optimizer = r.optimizer(top) if top.get("optimizer") is not None else None
        if optimizer is not None and loss is None:
            self.fail(("optimizer",), "an optimizer needs a loss to minimise; add 'loss:'")
        if optimizer is not None and symbolic:
            self.fail(("optimizer",), "with symbolic sizes there are no entries to update; "
                                      "give every layer a number of units")
        first_symbol = _first_symbol(top, params, data if rnn is None else (), loss)
        if rnn is not None and first_symbol is None:  # its sequences and h0's null entries
            first_symbol = recurrent.first_null(data, rnn, loss)
        if _typed(layers, "batchnorm") is not None:
            batchnorm.check(self, top, layers, data, optimizer, first_symbol)
        r.steps_with_numbers(optimizer, first_symbol)
        r.batch_fits(optimizer, len(data))
        if not symbolic:
            self.within_budget(layers, sizes, data, optimizer, first_symbol is not None)
        title = r.text(("title",), top["title"]) if top.get("title") is not None else None
        notes = r.text(("notes",), top["notes"]) if top.get("notes") is not None else None
        if notes is not None:
            check_notes_math(notes, lambda msg: r.fail(("notes",), msg))
        regularization = None
        if top.get("regularization") is not None:
            if loss is None or symbolic:
                self.fail(("regularization",), "a penalty is added to the loss of a network with "
                                               "numbers of units; add 'loss:'" if loss is None else
                                               "with symbolic sizes there are no weights to penalise")
            regularization = r.regularization(top, (), layered=True, optimizer=optimizer)
        return NetworkProblem(source=r.source, title=title, notes=notes, inputs=inputs,
                              input_names=input_names, convention=convention, layers=layers,
                              params=params, loss=loss, data=data, reduction=reduction,
                              optimizer=optimizer, pre=pre, post=post,
                              lines=(("loss", r.line(("loss",))),) if loss is not None else (),
                              notation=notation,
                              regularization=regularization, ask=read_ask(r, top), shape=shape)

    def within_budget(self, layers, sizes, data, optimizer, symbolic: bool):
        """Refuse, before any work, a problem beyond budget.py's limit, saying its shape."""
        weights = sum(prod(layer.kernel_shape) * layer.units // layer.filters
                      if hasattr(layer, "kernel_shape") else sizes[l] * sizes[l - 1] * (not spatial(layer))
                      + sizes[l] * layer.bias for l, layer in enumerate(layers, start=1))
        units = sum(sizes[1:])
        steps = optimizer.steps if optimizer is not None else 0
        work = budget.network_work(len(data), weights, units, steps, symbolic)
        if not budget.over(work):
            return
        where = ("data",) if len(data) > 1 else ("optimizer", "steps") if steps > 1 \
            else ("network", "layers")
        size = (f"{units} units x {weights} weights and biases x 12 (symbolic weights or "
                f"inputs write growing formulas)" if symbolic else
                f"({weights} weights and biases + {units} units)")
        advice = "give the weights and inputs numbers, or use " if symbolic else "use "
        self.fail(where, f"{len(data)} sample{'s' * (len(data) != 1)} x {1 + steps} "
                         f"pass{'es' * (steps > 0)} x {size} = {budget.describe(work)}: "
                         f"{advice}fewer samples, optimizer steps or smaller layers")

    # helpers ------------------------------------------------------------------
    def choice(self, path, value, allowed, what, aliases, extra=""):
        """Refuse `value`, suggesting what its alias names (other libraries' names, in any
        case), else the closest of `allowed`."""
        aliases = {alias.lower(): name for alias, name in aliases.items()}
        text = str(value) if isinstance(value, str) else None
        close = [] if text is None else [aliases[text.lower()]] if text.lower() in aliases \
            else closest(text, allowed, most=1) \
            or difflib.get_close_matches(text, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; use one of: {', '.join(allowed)}"
        if text is not None:
            self.fail(path, f"unknown {what} '{clip(value)}'{extra}{hint}")
        self.fail(path, f"the {what} must be a name{extra}, not {_kind(value)}{hint}")

    def flag(self, path, value) -> bool:
        if isinstance(value, Flag):
            return bool(value)
        if value is True or value is False:
            return value
        self.fail(path, f"must be true or false, not {_kind(value)}; write bias: true or "
                        f"bias: false")

    def size(self, path, value, what) -> int | str:
        if is_number(value) and not isinstance(value, (int, Flag)) and float(value).is_integer():
            value = int(value)  # 1e3 or 2.0: YAML reads a float, the size is a whole number
        if isinstance(value, int) and not isinstance(value, bool) and not isinstance(value, Flag):
            if not 1 <= value <= MAX_UNITS:
                self.fail(path, f"{what} must be at least 1 (and at most {MAX_UNITS}), not {value}; "
                                + ("write 1 or more" if value < 1 else f"use {MAX_UNITS} or fewer"))
            return value
        if isinstance(value, str) and not isinstance(value, Flag) and NAME.match(value):
            return str(value)  # a symbolic size, like n1
        quoted = isinstance(value, str) and _looks_numeric(value)
        self.fail(path, f"{what} must be a whole number (or a name like n1 for a symbolic "
                        f"size), not {_kind(value)}"
                        + (f"; write it without quotes, like {value.strip()}" if quoted else ""))

    def inputs(self, value):
        path = ("network", "inputs")
        if isinstance(value, list):
            if not value:
                self.fail(path, "needs at least one input name, like inputs: [x1, x2] (or the "
                                "number of inputs, like inputs: 2)")
            names = []
            for i, v in enumerate(value):
                name = self.r.name(path + (i,), v, "an input")
                if name in names:
                    self.fail(path + (i,), f"'{name}' is listed twice; give each input its own "
                                           f"name, like x1, x2")
                names.append(name)
            if len(names) > MAX_UNITS:
                self.fail(path, f"lists {len(names)} inputs; the limit is {MAX_UNITS}: use fewer "
                                f"inputs")
            return len(names), tuple(names)
        return self.size(path, value, "the number of inputs"), None

    def layers(self, value, default_bias, shape=None):
        path = ("network", "layers")
        raw = self.r.sequence(path, value, "network.layers",
                              like="layers: [{units: 2, activation: sigmoid}, ...], one {...} "
                                   "per layer")
        if not raw:
            self.fail(path, "needs at least one layer, like - {units: 1, activation: sigmoid}")
        if len(raw) > MAX_LAYERS:
            self.fail(path, f"has {len(raw)} layers; the limit is {MAX_LAYERS}: use fewer layers")
        layers = []
        shaped = ShapedLayers(self)
        # a layer's `type:` -> its reader: (path, entry, index, the shape it gets, bias) -> a layer
        types = {
            "dense": self.dense,
            "conv2d": shaped.conv, "conv1d": shaped.conv,
            "maxpool2d": shaped.pool, "avgpool2d": shaped.pool,
            "flatten": shaped.flatten,
            "batchnorm": self.batchnorm, "rnn": self.rnn,
        }
        for i, entry in enumerate(raw):
            at = path + (i,)
            entry = self.r.mapping(at, entry, f"layer {i + 1}",
                                   like="- {units: 2, activation: sigmoid}")
            kind = entry.get("type", "dense")
            if not isinstance(kind, str) or kind not in types:
                self.choice(at + ("type",), kind, tuple(types), "layer type", {})
            if kind in ("batchnorm", "rnn") and isinstance(shape, tuple):
                self.fail(at, f"a {kind} layer needs a vector, but "
                              + ("the input" if i == 0 else f"layer {i}") + f" makes a "
                              f"{dims(shape)} map: put {{type: flatten}} before it")
            if kind == "batchnorm" and _typed(layers, "rnn") is not None:
                self.fail(at + ("type",), "batchnorm after an rnn layer is not supported; "
                                          "remove one of them")
            layer = types[kind](at, entry, i, shape, default_bias)
            layers.append(layer)
            shape = layer.shape
        if isinstance(shape, tuple):
            self.fail(path + (len(raw) - 1,), f"the last layer makes a {dims(shape)} map; end "
                                              f"with {{type: flatten}} (and dense layers) to "
                                              f"give the network a vector output")
        return tuple(layers)

    def activation(self, at, entry):
        """A layer's activation and leaky_relu's slope."""
        activation = entry.get("activation", "identity")
        if not isinstance(activation, str) or activation not in ACTIVATIONS:
            self.choice(at + ("activation",), activation, ACTIVATIONS, "activation",
                        _activations.aliases())
        alpha = DEFAULT_ALPHA
        if "alpha" in entry:
            if activation != "leaky_relu":
                self.fail(at + ("alpha",), "'alpha' is the slope of leaky_relu; this layer "
                                           f"is {activation}: remove alpha, or write "
                                           f"activation: leaky_relu")
            alpha = self.r.number(at + ("alpha",), entry["alpha"], allow_null=False)
        return str(activation), alpha

    def batchnorm(self, at, entry, i, shape, default_bias):
        """`{type: batchnorm, activation, eps}` (spec/batchnorm.py), over what comes in."""
        self.r.unknown_keys(at, entry, batchnorm.KEYS + ("alpha",), f"layer {i + 1} (batchnorm)")
        activation, alpha = self.activation(at, entry)
        return batchnorm.read_batchnorm(self, at, entry, i, shape, activation, alpha)

    def rnn(self, at, entry, i, shape, default_bias):
        """`{type: rnn, units, activation, output}` (spec/recurrent.py)."""
        return recurrent.read_rnn(self, at, entry, i, default_bias)

    def dense(self, at, entry, i, shape, default_bias):
        """A dense layer, `{units, activation, bias}`."""
        self.r.unknown_keys(at, entry, LAYER_KEYS, f"layer {i + 1}")
        if isinstance(shape, tuple):
            self.fail(at, "a dense layer needs a vector, but "
                          + ("the input" if i == 0 else f"layer {i}") + f" makes a "
                          f"{dims(shape)} map: put {{type: flatten}} before it")
        if "units" not in entry:
            self.fail(at, f"layer {i + 1} needs 'units:' (how many units it has), like "
                          f"{{units: 2, activation: sigmoid}}")
        units = self.size(at + ("units",), entry["units"], "units")
        activation, alpha = self.activation(at, entry)
        bias = self.flag(at + ("bias",), entry["bias"]) if "bias" in entry else default_bias
        return Layer(units=units, activation=activation, bias=bias, alpha=alpha)

    def params(self, top, layers, sizes, symbolic):
        path = ("params",)
        raw = self.r.mapping(path, top.get("params") or {}, "params",
                             like="params: {W1: [[0.1, 0.2]], b1: [0]}") if "params" in top else None
        wanted = {}
        for l, layer in enumerate(layers, start=1):
            if getattr(layer, "type", "dense") == "batchnorm":
                wanted.update(layer.wanted(l))
                continue
            if getattr(layer, "type", "dense") == "rnn":
                wanted.update(layer.wanted(l, sizes[l - 1]))
                continue
            if spatial(layer) and not hasattr(layer, "kernel_shape"):
                continue  # pooling and flatten have no parameters
            if spatial(layer):
                wanted[f"K{l}"] = ("kernel", layer.kernel_shape, None, l)
            else:
                wanted[f"W{l}"] = ("matrix", sizes[l], sizes[l - 1], l)
            if layer.bias:
                units = layer.filters if spatial(layer) else sizes[l]
                wanted[f"b{l}"] = ("vector", units, None, l)
        total = sum(_count(None, want) for want in wanted.values())
        if total > MAX_WEIGHTS:  # symbolic ones too: each is a symbol in every formula
            self.fail(("network", "layers"), f"the network has {total} weights and biases; the "
                                             f"limit is {MAX_WEIGHTS}: use fewer or smaller layers")
        if raw is None:  # no params at all: every one symbolic (nothing is made up)
            return tuple((name, None) for name in wanted)
        for key in raw:
            if key not in wanted:
                close = closest(str(key), list(wanted), most=1) or \
                    difflib.get_close_matches(str(key), list(wanted), n=1, cutoff=0.5)
                hint = f"; did you mean '{close[0]}'?" if close else \
                    f" (this network has {', '.join(wanted)}); remove it"
                extra = ""
                if isinstance(key, str) and key[:1] in "WKb" and key[1:].isdigit() \
                        and any(spatial(layer) for layer in layers):
                    hint = (f"; parameters are named by their layer's position in layers:, "
                            f"pooling and flatten counted, so this network's are "
                            f"{', '.join(wanted)}")
                elif isinstance(key, str) and key[:1] == "b" and key[1:].isdigit() \
                        and int(key[1:]) <= len(layers):
                    extra = (f"; layer {key[1:]} has bias: false: remove {key}, or write "
                             f"bias: true in layer {key[1:]}")
                    hint = ""
                elif isinstance(key, str) and key[:1] in "Wb" and key[1:].isdigit() \
                        and int(key[1:]) > len(layers):
                    extra = f"; the network has {len(layers)} layer{'s' * (len(layers) != 1)}"
                    hint = f" (its parameters are {', '.join(wanted)}): remove it, or add a layer"
                self.fail(path + (key,), f"'{key}' is not a parameter of this network{extra}{hint}")
        result = []
        for name, (kind, rows, cols, l, *need) in wanted.items():
            if name not in raw:
                shape = f"{_dim(rows)}×{_dim(cols)} matrix" if kind == "matrix" else \
                    f"{dims(rows)} nested list" if kind == "kernel" else \
                    f"list of {_dim(rows)} numbers"
                self.fail(path + (name,), f"'{name}' is missing: layer {l} needs it "
                                f"(a {shape}, or null for a symbolic one)")
            value = raw[name]
            if value is None:
                result.append((name, None))
                continue
            if symbolic:
                self.fail(path + (name,), "with symbolic sizes (like units: n1) the parameters "
                                          "have no entries: write null, or give every layer a "
                                          "number of units")
            if kind == "kernel":
                what = f"layer {l} ({layers[l - 1].type}) needs"
                result.append((name, nested(self, path + (name,), value, rows,
                                            "filters × channels × kernel" +
                                            " × kernel" * (len(rows) == 4), what)))
            elif kind == "matrix":
                result.append((name, self.matrix(path + (name,), value, rows, cols, l, *need)))
            else:
                units = need[0] if need else \
                    f"layer {l} has {rows} {'filter' if spatial(layers[l - 1]) else 'unit'}{'s' * (rows != 1)}"
                result.append((name, self.vector(path + (name,), value, rows, units, kind="b")))
        return tuple(result)

    def matrix(self, path, value, rows, cols, l, need=None):
        need = need or f"layer {l} needs {rows}×{cols} (units × inputs)" if l == 1 else \
            f"layer {l} needs {rows}×{cols} (units × units of layer {l - 1})"
        write = f"write {_count_of(rows, 'row')} of {_count_of(cols, 'number')}"
        if not isinstance(value, list):
            self.fail(path, f"must be a matrix, a list of rows like [[0.1, 0.2], [0.3, 0.4]], "
                            f"not {_kind(value)}; {need}: {write}")
        if rows == 1 and value and all(is_number(v) or v is None for v in value) \
                and not isinstance(value[0], list):
            value = [value]  # a one-row matrix may be written as one list
            flat = True
        else:
            flat = False
            if value and all(is_number(v) or v is None for v in value):
                self.fail(path, f"is a flat list of {len(value)} numbers, but {need}: {write}, "
                                f"as a list of rows, [[...], [...]]")
        for i, row in enumerate(value):
            if not isinstance(row, list):
                self.fail(path + (i,), f"row {i + 1} must be a list of numbers; "
                                       f"write the matrix as a list of rows, [[...], [...]]")
        shape = (len(value), len(value[0]) if value else 0)
        ragged = [i for i, row in enumerate(value) if len(row) != shape[1]]
        if ragged:
            i = ragged[0]
            self.fail(path + (i,), f"row {i + 1} has {len(value[i])} entries but row 1 has "
                                   f"{shape[1]}; {need}: {write}")
        if shape != (rows, cols):
            self.fail(path, f"is {shape[0]}×{shape[1]}, but {need}: {write}")
        return tuple(tuple(self.r.number(path + ((j,) if flat else (i, j)), v, allow_null=True)
                           for j, v in enumerate(row)) for i, row in enumerate(value))

    def vector(self, path, value, size, need, kind="x"):
        if is_number(value) and size == 1:
            value = [value]
        like = f"write it like {_example(size, kind)}"
        if not isinstance(value, list):
            self.fail(path, f"must be a list of {size} number{'s' * (size != 1)} ({need}), "
                            f"not {_kind(value)}; {like}")
        if value and isinstance(value[0], list):
            if all(isinstance(v, list) and len(v) == 1 for v in value):
                value = [v[0] for v in value]  # a column written as [[1], [2]]
            else:
                self.fail(path, f"must be a flat list of {size} numbers ({need}), not a list of "
                                f"rows; {like}")
        if len(value) != size:
            self.fail(path, f"has {len(value)} entr{'ies' if len(value) != 1 else 'y'}, but {need}: "
                            f"write {_count_of(size, 'number')}, like {_example(size, kind)}")
        return tuple(self.r.number(path + (i,), v, allow_null=True) for i, v in enumerate(value))

    def upstream(self, top, n_out, data, loss, symbolic) -> tuple:
        """upstream: {y: [...]}, a layer exercise's given gradient ∂L/∂ŷ (one row per
        sample, or one list for one sample): the samples' targets of the loss Σ g·ŷ."""
        path = ("upstream",)
        if loss is not None:
            self.fail(path, "a layer exercise gives the upstream gradient instead of a loss; "
                            "remove 'loss:' or 'upstream:'")
        if symbolic:
            self.fail(path, "with symbolic sizes there are no entries; give every layer a "
                            "number of units")
        given = self.r.mapping(path, top["upstream"], "upstream", like="upstream: {y: [0.5, -1]}")
        self.r.unknown_keys(path, given, ("y", "yhat"), "upstream (the output's gradient: y)")
        if len(given) != 1:
            self.fail(path, "gives the gradient of the output, one entry: upstream: {y: [0.5, -1]}")
        key, rows = next(iter(given.items()))
        at = path + (key,)
        rows = self.r.sequence(at, rows, "upstream." + key, like="[0.5, -1], one number per output")
        if len(data) == 1 and rows and not isinstance(rows[0], list):
            rows = [rows]
        if len(rows) != len(data):
            self.fail(at, f"has {len(rows)} rows for {len(data)} sample{'s' * (len(data) != 1)}; "
                          f"give one row of {n_out} numbers per sample")
        for i, row in enumerate(rows):
            if row is None:
                self.fail(at + (i,), "needs numbers here, the upstream gradient, not null")
        return tuple(Sample(s.x, self.vector(at + (i,) if len(rows) > 1 else at, row, n_out,
                                             f"the network has {n_out} output{'s' * (n_out != 1)}"))
                     for i, (s, row) in enumerate(zip(data, rows)))

    def data(self, top, sizes, loss, last, symbolic, shape=None):
        n_in, n_out = sizes[0], sizes[-1]
        if top.get("data") is None:
            return (Sample(x=None, y=None),)
        if symbolic:
            self.fail(("data",), "with symbolic sizes the data must be symbolic too; "
                                 "leave 'data:' out")
        result = []
        for i, at, sample in self.samples(top, "sample", "{x: [1, 2], y: 0}"):
            if "x" not in sample:
                self.fail(at, f"sample {i + 1} (data[{i}]) has no 'x' (a list of {n_in} inputs); "
                              f"add it, like x: {_example(n_in)}")
            x = None if sample["x"] is None else nested(
                self, at + ("x",), sample["x"], shape, "channels × height × width"
                if len(shape) == 3 else "channels × length", "the network's input is") \
                if shape else self.vector(at + ("x",), sample["x"], n_in,
                                          f"the network has {n_in} input{'s' * (n_in != 1)}")
            y, label = None, None
            if loss is not None:
                if "y" not in sample:
                    self.fail(at, f"sample {i + 1} (data[{i}]) has no 'y' (the target), which the "
                                   f"loss needs; add it, like y: {_example(n_out, 'y').split(' (')[0]}, or leave "
                                   f"out 'loss:' for the forward pass only")
                y, label = self.target(at + ("y",), sample["y"], n_out, loss, last.activation == "softmax")
            elif "y" in sample and sample["y"] is not None:
                y, label = self.target(at + ("y",), sample["y"], n_out, loss, last.activation == "softmax")
            result.append(Sample(x=x, y=y, label=label))
        return tuple(result)

    def samples(self, top: dict, noun: str, like: str):
        """(index, path, mapping) of each {x, y} of `data:` (a sample, or an rnn's sequence),
        at least one and at most MAX_SAMPLES, each with no keys but x and y."""
        samples = self.r.sequence(("data",), top["data"], "data",
                                  like=f"data: [{like}], one {{...}} per {noun}")
        if not samples:
            self.fail(("data",), f"needs at least one {noun}, like - {like}")
        if len(samples) > MAX_SAMPLES:
            self.fail(("data",), f"has {len(samples)} {noun}s; the limit is {MAX_SAMPLES}")
        for i, sample in enumerate(samples):
            at = ("data", i)
            sample = self.r.mapping(at, sample, f"data[{i}]", like=f"- {like}")
            self.r.unknown_keys(at, sample, ("x", "y"), f"data[{i}] (a sample has x and y)")
            yield i, at, sample

    def target(self, path, value, n_out, loss, softmax=False):
        """y of one sample, checked as the loss's entry in vocab/losses.py says: a class
        distribution (or its index) for cross_entropy, probabilities for bce."""
        if value is None:
            return None, None
        targets = LOSS_TABLE[loss].targets if loss is not None else "any"
        classes = targets == "distribution"
        if classes and isinstance(value, int) and not isinstance(value, Flag):
            if not 0 <= value < n_out:
                self.fail(path, f"the class index {value} is out of range: with {n_out} "
                                f"outputs it is 0 to {n_out - 1} (counted from 0), so the last "
                                f"class is y: {n_out - 1}")
            return tuple(Fraction(int(k == value)) for k in range(n_out)), value
        need = f"the network has {n_out} output{'s' * (n_out != 1)}"
        if classes and is_number(value) and n_out > 1:
            self.fail(path, f"a class index is a whole number from 0 to {n_out - 1}, not "
                            f"{_kind(value)}; or write y as a list of {n_out} probabilities")
        y = self.vector(path, value, n_out, need, kind="y")
        if classes and any(v is not None and v < 0 for v in y):
            negative = next(v for v in y if v is not None and v < 0)
            self.fail(path, f"y has the negative value {float(negative):g}, but for {loss} "
                            f"y must be probabilities (0 to 1, like the one-hot [0, 1, 0]) or a "
                            f"class index counted from 0, like y: 1")
        if classes and softmax and all(v is not None for v in y) and sum(y) != 1:
            self.fail(path, f"with softmax and {loss}, y must add up to 1 (it adds up to "
                            f"{float(sum(y)):g}): a one-hot list like [0, 1, 0], or a class index")
        if targets == "probabilities" and any(v is not None and not 0 <= v <= 1 for v in y):
            outside = next(v for v in y if v is not None and not 0 <= v <= 1)
            self.fail(path, f"for {loss}, every target must be between 0 and 1, not "
                            f"{float(outside):g}; write a probability like 0, 1 or 0.3")
        return y, None


def _first_symbol(top, params, data, loss) -> tuple | None:
    """The path of the first symbolic (null) entry a step works with, () for data left
    out, or None when every one is a number."""
    for name, value in params:
        if value is None:
            return ("params", name)
        rows = value if isinstance(value[0], tuple) else (value,)
        for i, row in enumerate(rows):
            if None in row:
                j = row.index(None)
                return ("params", name, i, j) if rows is value else ("params", name, j)
    if top.get("data") is None:
        return ()
    for i, sample in enumerate(data):
        for key, values in (("x", sample.x), ("y", sample.y if loss else ())):
            if values is None:
                return ("data", i, key)
            if None in values:
                return ("data", i, key, values.index(None))
    return None


def _typed(layers, kind: str):
    """The first layer of `type:` kind (batchnorm, rnn), or None."""
    return next((layer for layer in layers if getattr(layer, "type", "dense") == kind), None)


def _count_of(n: int, what: str) -> str:
    """'2 rows', '1 number'."""
    return f"{n} {what}{'s' * (n != 1)}"


def _example(size: int, kind: str = "x") -> str:
    """`size` numbers to copy: [1, 2] for inputs (x), [0, 0] for a bias (b), [1, 0, 0] or 1
    for a target (y); [1, 2, ..., 9] when long."""
    if kind == "y":
        if size == 1:
            return "1 (or [1])"
        return "[" + ", ".join(["1"] + ["0"] * (size - 1)) + "]" if size <= 4 else \
            f"[1, 0, ..., 0] ({size} numbers)"
    if kind == "b":
        return "[" + ", ".join(["0"] * size) + "]" if size <= 4 else \
            f"[0, 0, ..., 0] ({size} numbers)"
    if size <= 4:
        return "[" + ", ".join(str(k) for k in range(1, size + 1)) + "]"
    return f"[1, 2, ..., {size}] ({size} numbers)"


def _dim(size) -> str:
    return str(size)


def _count(value, want) -> int:
    kind, rows, cols, *_ = want
    if kind == "kernel":
        return prod(rows)
    if not isinstance(rows, int) or (kind == "matrix" and not isinstance(cols, int)):
        return 0
    return rows * cols if kind == "matrix" else rows


__all__ = ["NetworkProblem", "Layer", "Sample", "read_network", "field_name"]
