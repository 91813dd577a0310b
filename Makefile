# Set-up and everyday commands. `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test lint bench clean

# The virtual environment with frictionaudit (editable) and the test tools.
$(BIN)/frictionaudit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Python packages, then a browser: Playwright's download where it works, else the system package.
setup: $(BIN)/frictionaudit
	$(BIN)/frictionaudit install-browser

demo: setup
	$(BIN)/frictionaudit demo

test: setup
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4

lint: $(BIN)/frictionaudit
	$(BIN)/ruff check frictionaudit tests bench
	$(BIN)/ruff format --check frictionaudit tests bench
	$(BIN)/mypy frictionaudit

bench: setup
	$(BIN)/python bench/run.py --breakdown

clean:
	rm -rf $(VENV) reports/*/ reports/latest
