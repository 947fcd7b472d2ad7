"""backprop: worked solutions to neural-network homework.

    import backprop_cli as bp
    sol = bp.solve("problem.yaml")     # a path, YAML text or a dict
    sol.quantities()                   # every value under its public name
    sol.to_text(), sol.to_latex(), sol.to_json()

The API (api.py) loads SymPy when first used, so `backprop --help` stays quick.
"""

__version__ = "0.1.0"

__all__ = ["solve", "Solution", "Quantity", "SpecError", "BackpropError", "EvaluationError",
           "TexError", "__version__"]


def __getattr__(name: str):
    if name in ("solve", "Solution"):
        from . import api

        return getattr(api, name)
    if name == "Quantity":
        from .quantities import Quantity

        return Quantity
    if name in ("SpecError", "BackpropError", "EvaluationError", "TexError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'backprop_cli' has no attribute {name!r}")
