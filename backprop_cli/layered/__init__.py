"""The layered form of the spec (`network:`): dense layers with weight matrices.

spec/network.py reads and checks it (no SymPy), compile.py turns it into the same scalar
computation graph as the graph form and solves it, matrix.py writes the worked solution
in matrix notation from that solution, render.py prints it.
"""
