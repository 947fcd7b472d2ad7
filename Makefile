# The two commands a newcomer needs:  make demo  and  make test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXAMPLE ?= problems/seed000_sparse_sigmoid.yaml

.PHONY: demo test bench golden clean

$(BIN)/backprop: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Not editable: the same install a user gets, templates inside the wheel.
	$(BIN)/python -m pip install --quiet ".[test]"
	touch $@

# Set up, then solve an example in the terminal, and as a PDF where TeX is installed.
demo: $(BIN)/backprop
	$(BIN)/backprop solve $(EXAMPLE)
	@if command -v latexmk >/dev/null && command -v pdflatex >/dev/null; then \
	  $(BIN)/backprop solve $(EXAMPLE) --pdf -o solution.pdf; \
	else echo "(no TeX Live here: skipping the PDF; see README, 'PDF output')"; fi

# The whole test suite (TeX tests skip without TeX unless BACKPROP_REQUIRE_LATEX=1).
test: $(BIN)/backprop
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	$(BIN)/python -m pytest -q

# Timings next to a PyTorch script (installed here when it can be; else next to
# `import sympy`): the examples, a scaling series, the PDF, start-up. BENCH_RUNS=N, --quick.
bench: $(BIN)/backprop
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall .
	@$(BIN)/python -c "import torch" 2>/dev/null || \
	  $(BIN)/python -m pip install --quiet "torch==2.13.0" || \
	  echo "(torch==2.13.0 could not be installed: timing against 'import sympy' instead)"
	$(BIN)/python tests/benchmarks/run.py $(BENCH_ARGS)

# Rewrite the golden files after an intended change of output; review the diff.
golden: $(BIN)/backprop
	$(BIN)/python -m tests.golden_update

clean:
	rm -rf $(VENV) build dist *.egg-info solution.pdf .pytest_cache .hypothesis
