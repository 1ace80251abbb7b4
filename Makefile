# makegen's own tasks. Two commands do all set-up on a fresh clone:
#   make demo   build a virtualenv, install makegen, compile and run the example pipeline
#   make test   the same virtualenv, the schedulers and the browser the tests need, then ruff,
#               mypy, pytest
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
JOBS ?= 2

.PHONY: demo test lint unit bench clean schedulers browser golden

# The demo needs makegen alone; the tests add the dev extra (pytest, ruff, mypy, build, ...).
$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	cd example_pipeline && ../$(BIN)/makegen build && ../$(BIN)/makegen run -j $(JOBS)
	@echo
	@echo "Results are in example_pipeline/results/ (summary: example_pipeline/results/summary/)."
	@echo "Status of every instance: cd example_pipeline && ../$(BIN)/makegen status"

lint: $(DEV_STAMP)
	$(BIN)/ruff check makegen tests benchmarks
	$(BIN)/mypy

unit: $(DEV_STAMP)
	$(BIN)/python -m pytest -n $(JOBS) -q

# Rewrite the golden build folders (tests/cases/ok/*/build) from this makegen; read the diff.
golden: $(DEV_STAMP)
	MAKEGEN_REFRESH_GOLDEN=1 $(BIN)/python -m pytest -q -p no:xdist tests/test_golden.py

# The test clusters run with small array limits, so that the tests see phases split into
# several arrays (Grid Engine max_aj_tasks, SLURM MaxArraySize: indices up to 5).
schedulers:
	MAKEGEN_SGE_MAX_AJ_TASKS=5 bash scripts/cluster/sge-up.sh
	MAKEGEN_SLURM_MAX_ARRAY_SIZE=6 bash scripts/cluster/slurm-up.sh

# Headless Chromium for the report's browser tests (tests/test_report_browser.py): apt-get
# install as root, or nothing when it is there. A test that finds no chromium fails.
browser:
	bash scripts/chromium.sh

test: $(DEV_STAMP) lint schedulers browser unit

# Speed and memory (docs/benchmarks.md): installs the bench extra (snakemake and its SLURM
# executor) for the comparisons. cluster.py starts the test clusters with a site's array
# limits and gives them back the test suite's (make schedulers) when it ends.
bench: $(DEV_STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/compile.py --markdown
	$(BIN)/python benchmarks/node_overhead.py --markdown
	$(BIN)/python benchmarks/status.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/cluster.py --markdown

clean:
	rm -rf example_pipeline/build example_pipeline/results dist
