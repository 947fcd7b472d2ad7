"""The words a problem is written in: one table each for activations, losses and
optimizers. Every form reads them; a new activation, loss or optimizer is one entry in
activations.py, losses.py or optimizers.py (and, for an activation a formula calls, its
SymPy function in functions.py).
"""

from .activations import ACTIVATIONS, Activation
from .losses import LOSSES, Loss
from .optimizers import OPTIMIZERS, UpdateRule

__all__ = ["ACTIVATIONS", "Activation", "LOSSES", "Loss", "OPTIMIZERS", "UpdateRule"]
