# Every target runs inside .venv/, which `make install` creates from the project's own files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Re-install when the dependency list changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

.PHONY: install demo test lint typecheck unit e2e schemas validate clean

install: $(STAMP)
	$(BIN)/ragops data pull

demo: install
	$(BIN)/ragops validate

lint: install
	$(BIN)/ruff check tools tests scripts bench
	$(BIN)/ruff format --check tools tests scripts bench

typecheck: install
	$(BIN)/mypy

schemas: install
	$(BIN)/ragops schemas

validate: install
	$(BIN)/ragops validate

test: install lint typecheck
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .ragops
