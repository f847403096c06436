# Caseload Lab: every job runs in .venv, built from the pinned requirements.lock.
# On a fresh machine with python3.11, pip and make: `make demo` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test backtest-update bench lab dashboard lock lint clean readme-numbers docs-sync

venv: $(STAMP)

# Rebuilt only when the lock or the package metadata changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet -e . --no-deps
	touch $@

# The main job: today's rules against hard caseload caps of 15 and 12 (paired,
# common random numbers); prints the key KPIs with 95% CIs and writes
# out/brief-en.html, out/brief-sv.html and out/headline.png.
DEMO_REPS ?= 10
demo: venv
	$(BIN)/simlib demo --reps $(DEMO_REPS) --jobs 2 --out out

# The README's numbers table, from a run of the demo's comparison (never typed by
# hand; tests/test_docs.py checks the block is the generator's own output).
readme-numbers: venv
	$(BIN)/python -m simlib.presentation.readme README.md --reps $(DEMO_REPS) --jobs 2

# docs/MODEL.md and docs/sources/ are copies of the project's shared model
# description and figures (so a clone has every file it cites); refresh them.
SHARED ?= ../shared
docs-sync:
	cp $(SHARED)/MODEL.md docs/MODEL.md
	cp $(SHARED)/sources/sweden-figures.md docs/sources/sweden-figures.md

test: venv
	$(BIN)/python -m pytest -n auto

# Regenerate the pinned backtest results (tests/backtest/). Deliberate only: the
# commit that moves them says why the numbers changed.
backtest-update: venv
	$(BIN)/python -m tests.backtest_cases update

# pytest exits 5 when it collects nothing: no benchmarks yet is not a failure.
# Instruction counts (valgrind; skipped without it) do not move with the machine's load:
# BENCH_TREES="../old-checkout" compares this tree with older ones (e.g. `git worktree add`).
BENCH_TREES ?=
bench: venv
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:xdist || test $$? -eq 5
	$(BIN)/python benchmarks/bench_experiments.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_national.py
	$(BIN)/python benchmarks/bench_instructions.py $(foreach t,$(BENCH_TREES),--tree $(t)) $(if $(BENCH_TREES),--tree .)
	$(BIN)/python benchmarks/bench_dashboard.py $(foreach t,$(BENCH_TREES),--tree $(t)) $(if $(BENCH_TREES),--tree .)

# Jupyter refuses to start as root (containers) unless told: add --allow-root only for uid 0.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: venv
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ALLOW_ROOT)

DASHBOARD_LANG ?= en
DASHBOARD_PORT ?= 8866
# A closed tab leaves its kernel (and its process pool) idle: shut it down after
# DASHBOARD_IDLE_S seconds without activity, checked every minute. The template
# 'caseload' is Voila's lab template without its CDN stylesheets (works offline).
DASHBOARD_IDLE_S ?= 600
dashboard: venv
	CASELOAD_LANG=$(DASHBOARD_LANG) JUPYTER_PATH=$(CURDIR)/simlib/presentation/dashboard/jupyter \
	  $(BIN)/voila notebooks/01-caseload-caps.ipynb --template=caseload --port=$(DASHBOARD_PORT) --Voila.ip=127.0.0.1 \
	  --MappingKernelManager.cull_idle_timeout=$(DASHBOARD_IDLE_S) --MappingKernelManager.cull_interval=60 \
	  --MappingKernelManager.cull_connected=False

# Regenerate the pinned lock from pyproject.toml (then `make venv` installs it).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock --no-header

lint: venv
	$(BIN)/ruff check simlib tests
	$(BIN)/lint-imports

clean:
	rm -rf out build dist .pytest_cache .hypothesis .benchmarks .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
