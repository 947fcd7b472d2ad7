"""The calculus form (`function:`): gradients, Jacobians, the chain rule through inner
functions (`define:`) and gradient-descent update rules for any formula.

spec.py (YAML -> CalculusProblem, no SymPy) -> engine.py (CalculusSolution: every
partial derivative with its rule, the chain rule, the point, the update) -> render.py
(text, JSON, LaTeX). rules.py names the rule of each derivative; softmax.py recognises
exp(z_j) / sum_k exp(z_k) so its derivative is written s_j(delta_ij - s_i).
"""
