# Every target bootstraps .venv from pyproject.toml on a machine with only python3 and pip.
# Two stamps: `demo` needs only the runtime dependencies (a few seconds to install);
# everything else needs the whole toolchain (linters, type checkers, Sphinx, the AWS CLI).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

.DEFAULT_GOAL := help
.PHONY: help venv demo test lint typecheck unit docs dist-check bench demo-setup release-check clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(RUNTIME): pyproject.toml
	@echo "==> Creating $(VENV) with the library and its runtime dependencies"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e .
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	@echo "==> Adding the development tools to $(VENV) (linters, type checkers, docs, tests)"
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(DEV)

venv: $(DEV)  ## Create .venv with the library and its dev tools

demo: $(RUNTIME)  ## The main job: start_and_wait against the embedded emulator (runtime deps only)
	$(BIN)/chime-speaker-search demo

lint: $(DEV)  ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)  ## mypy --strict on the package and tests; pyright on the typing tests
	$(BIN)/mypy --strict chime_speaker_search tests .ci/dist_check.py .ci/release_check.py
	$(BIN)/basedpyright --project pyproject.toml --pythonpath $(BIN)/python --level error

docs: $(DEV)  ## Build the documentation site (warnings are errors) into docs/_build/html
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

unit: $(DEV)  ## pytest with coverage (fails under 95% line+branch)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 4 --cov --cov-report=term --cov-fail-under=95

dist-check: $(DEV)  ## Build sdist+wheel; demo from the wheel in a clean venv; tests from the sdist
	$(BIN)/python .ci/dist_check.py

test: lint typecheck unit  ## Lint, type checks and the test suite (CI also runs dist-check)

bench: $(DEV)  ## Typed layer vs raw botocore (~1-2 min); prints and writes benchmarks/RESULTS.md
	$(BIN)/python -m benchmarks.run

demo-setup: $(DEV)  ## Time `make demo` on a fresh clone against a bare dependency install
	$(BIN)/python -m benchmarks.demo_setup

release-check: $(DEV)  ## Check a release tag against the version and changelog: make release-check TAG=v1.2.3
	$(BIN)/python .ci/release_check.py $(TAG)

clean:  ## Remove the venv, caches and build output
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* htmlcov docs/_build dist build
