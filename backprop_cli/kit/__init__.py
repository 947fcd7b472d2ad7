"""Course kits: what a problem asks (asked.py), seeded variants of a spec (numbers.py,
draw.py, checks.py, variants.py), booklets of question sheets and keys (booklet.py) and
exports to quiz systems and autograders (export.py, moodle.py, qti.py).

A stage after the API: it solves specs through the pipeline and reads the solve JSON,
and never computes a value itself (the checks read the engine's)."""
