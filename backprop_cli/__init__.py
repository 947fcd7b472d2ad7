"""backprop: worked solutions to neural-network homework."""

__version__ = "0.1.0"
