# Every target bootstraps .venv from pyproject.toml on a machine with only python3 and pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help venv demo test lint typecheck unit docs bench clean

help:  ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)  ## Create .venv with the library and its dev tools

demo: $(STAMP)  ## The main job: start_and_wait against the embedded emulator
	$(BIN)/chime-speaker-search demo

lint: $(STAMP)  ## ruff check + ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy --strict on the package and tests; pyright on the typing tests
	$(BIN)/mypy --strict chime_speaker_search tests
	$(BIN)/basedpyright --project pyproject.toml --pythonpath $(BIN)/python --level error

docs: $(STAMP)  ## Build the documentation site (warnings are errors) into docs/_build/html
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs docs/_build/html

unit: $(STAMP)  ## pytest with coverage (fails under 95% line+branch)
	$(BIN)/python -m pytest -q -p no:cacheprovider --cov --cov-report=term --cov-fail-under=95

test: lint typecheck unit  ## Everything CI runs

bench: $(STAMP)  ## Typed layer vs raw botocore (~1-2 min); prints and writes benchmarks/RESULTS.md
	$(BIN)/python -m benchmarks.run

clean:  ## Remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* htmlcov docs/_build
