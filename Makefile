# Two commands set up a fresh machine:
#   make serve   install Tocsin into .venv and run it on a SQLite file (http://127.0.0.1:8080)
#   make test    install what the tests need and run lint, types, import contracts and tests
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
TEST_WORKERS ?= 2
# pytest-xdist: the tests run on TEST_WORKERS processes, each with its own servers and
# databases; a module that must stay on one process marks itself xdist_group.

.PHONY: serve test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

serve: $(VENV)/.installed
	$(BIN)/tocsin serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src
	$(BIN)/lint-imports

test: lint
	bash scripts/test-peers prometheus-alertmanager chromium poppler-utils fonts-dejavu-core
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

bench: $(VENV)/.installed-test
	$(BIN)/python bench/api.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
