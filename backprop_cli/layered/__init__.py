"""The layered form of the spec (`network:`): dense layers with weight matrices.

spec/network.py reads and checks it (no SymPy), compile.py turns it into the same scalar
computation graph as the graph form, solve.py solves that with the graph form's engine;
after solving, matrix.py writes the worked solution in matrix notation from that solution
(called by sheet/layered.py, whose worksheet the renderers in render/ print).
"""
