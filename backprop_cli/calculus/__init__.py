"""The calculus form (`function:`): gradients, Jacobians, the chain rule through inner
functions (`define:`) and gradient-descent update rules for any formula.

Data flows one way:

    ../spec/calculus.py  YAML -> CalculusProblem (no SymPy; names read from the formula text)
    engine.py    -> CalculusSolution (solution.py): each partial derivative with its rule
                 (rules.py), the chain rule; point.py: the values at the point, the update

The solution is laid out by sheet/calculus.py and printed by the renderers in render/
(render/handwritten.py: the project's printers, taught to write products by hand).

softmax.py recognises exp(z_j) / sum_k exp(z_k) so its derivative reads s_j(δ_ij − s_i);
naming.py names every symbol; magnitude.py refuses values too large to compute.
"""
