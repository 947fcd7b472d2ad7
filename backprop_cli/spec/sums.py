"""`samples: m`: a loss over a symbolic number of samples, written in Σ notation.

The function is one sample's loss ℓ; every variable it is not differentiated by (the
data: x, y) is that sample's own, x⁽ⁱ⁾, y⁽ⁱ⁾; the loss is L = (1/m) Σᵢ ℓ⁽ⁱ⁾ (reduction:
mean, the default) or Σᵢ ℓ⁽ⁱ⁾ (sum), and each gradient and the update rule are written
with Σᵢ, as the seeds write them. No data is given, so there is no point (`at:`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import clip
from ..yamlload import Flag
from .base import NAME


@dataclass(frozen=True)
class Samples:
    count: str  # the symbol of the number of samples, m
    reduction: str  # mean | sum
    data: tuple[str, ...]  # the per-sample variables, x0, x1, y
    one_hot: tuple[str, ...] = ()  # one-hot targets, adding up to 1 in every sample


def sample_count(reader, count, taken, whose: str, their_i: str, hint: str | None = None) -> str:
    """The symbol of samples: m, in every form: a name the problem (`whose` names, `taken`)
    does not use, nor i, which counts the samples in Σᵢ. `hint`: what the refusal of a
    value that is no name adds (else the value itself)."""
    if not isinstance(count, str) or isinstance(count, Flag) or not NAME.match(count):
        shown = f"'{clip(count)}'" if isinstance(count, str) else repr(count)
        reader.fail(("samples",), "samples: takes the symbol of the number of samples, like "
                                  "samples: m" + (hint if hint is not None else f", not {shown}"))
    if count in taken or count == "i":
        reader.fail(("samples",), f"'{count}' is already a name of {whose}"
                                  + (" (i counts the samples)" if count == "i" else "")
                                  + "; choose another symbol, like m")
    if "i" in taken:
        reader.fail(("samples",), f"i counts the samples in Σᵢ; rename {their_i}")
    return count


def read_samples(reader, top, variables, wrt, components) -> Samples | None:
    """samples: m and reduction: (mean or sum); None without samples:."""
    if top.get("samples") is None:
        for key in ("reduction", "one_hot"):
            if key in top:
                reader.fail((key,), f"{key}: is about the samples of samples: m; add samples: m, "
                                    f"or leave {key} out")
        return None
    count = sample_count(reader, top["samples"], variables, "the formulas", "the variable 'i'")
    if top.get("at") is not None:
        reader.fail(("at",), "with samples: m the data is general (x⁽ⁱ⁾, y⁽ⁱ⁾), so there is no "
                             "point to evaluate at; remove at:, or samples:")
    if len(components) != 1:
        reader.fail(("function",), "samples: m sums one loss over the samples; give one function")
    reduction = top.get("reduction", "mean")
    if reduction not in ("mean", "sum"):
        reader.fail(("reduction",), f"must be 'mean' or 'sum', not '{clip(str(reduction))}'")
    data = tuple(v for v in variables if v not in wrt)
    if not data:
        reader.fail(("wrt",), "with samples: m, the variables not in wrt: are each sample's data; "
                              "here every variable is in wrt:, so nothing differs from sample to "
                              "sample")
    one_hot = ()
    if top.get("one_hot") is not None:
        raw = top["one_hot"]
        if not isinstance(raw, list) or len(raw) < 2 or \
                not all(isinstance(v, str) and v in data for v in raw) or len(set(raw)) != len(raw):
            reader.fail(("one_hot",), f"one_hot: lists the one-hot targets, two or more of the "
                                      f"data ({', '.join(data)}), like one_hot: [y1, y2, y3]")
        one_hot = tuple(raw)
    return Samples(count, reduction, data, one_hot)
