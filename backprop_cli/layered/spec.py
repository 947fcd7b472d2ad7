"""The layered form's problem types, for the modules here; read and checked in spec/network.py."""

from ..spec.network import Layer, NetworkProblem, Sample

__all__ = ["Layer", "NetworkProblem", "Sample"]
