# Caseload Lab: every job runs in .venv, built from the pinned requirements.lock.
# On a fresh machine with python3.11, pip and make: `make demo` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test bench lab dashboard lock lint clean

venv: $(STAMP)

# Rebuilt only when the lock or the package metadata changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet -e . --no-deps
	touch $@

# The main job. The model is not wired in yet, so for now this checks every
# bundled scenario and prints the resolved baseline; it shows no results.
demo: venv
	@echo "== bundled scenarios"
	$(BIN)/simlib scenarios
	@echo "== validate every bundled scenario"
	find scenarios -name '*.yaml' | sort | xargs $(BIN)/simlib validate
	@echo "== resolved baseline (first 40 lines of: simlib show scenarios/baseline.yaml)"
	$(BIN)/simlib show scenarios/baseline.yaml | head -n 40
	@echo
	@echo "The simulation run is not part of the demo yet (no results are shown)."
	@echo "Notebooks: make lab"

test: venv
	$(BIN)/python -m pytest -n auto

# pytest exits 5 when it collects nothing: no benchmarks yet is not a failure.
bench: venv
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:xdist || test $$? -eq 5
	$(BIN)/python benchmarks/bench_experiments.py

lab: venv
	$(BIN)/jupyter lab --notebook-dir=notebooks

dashboard: venv
	$(BIN)/voila notebooks/01-caseload-caps.ipynb

# Regenerate the pinned lock from pyproject.toml (then `make venv` installs it).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock --no-header

lint: venv
	$(BIN)/ruff check simlib tests

clean:
	rm -rf out build dist .pytest_cache .hypothesis .benchmarks .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
