# The things people type. `make sandbox` and `make test` set themselves up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

# Keep Python's bytecode caches even where the environment asks not to write them: without them
# every process the suite and the sandbox start (each server, each simulator) compiles the
# project from source again, and pytest rewrites every test module on every run.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: sandbox test test-sqlite test-postgres lint openapi bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(VENV)/.run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.run
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

sandbox: $(VENV)/.run  ## set up and run the sandbox on SQLite (http://127.0.0.1:8000)
	$(BIN)/prakerja up

# The two passes run side by side (each prints when it ends), sharing the tests that touch no
# database (PRAKERJA_TEST_SPLIT, tests/conftest.py) so that they end together; in series they
# took over 20 minutes.
test: $(VENV)/.dev lint  ## set up, lint, and run the whole suite on SQLite and PostgreSQL
	PRAKERJA_TEST_SPLIT=1 $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(VENV)/.dev  ## the suite on a SQLite file
	PRAKERJA_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: $(VENV)/.dev  ## the suite on PostgreSQL (127.0.0.1:5432, database test; required under CI=true)
	PRAKERJA_TEST_DATABASE=postgres $(BIN)/pytest

lint: $(VENV)/.dev  ## ruff and mypy (strict)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

openapi: $(VENV)/.dev  ## re-export openapi/ from the code
	$(BIN)/prakerja openapi

bench: $(VENV)/.dev  ## every benchmark, each a ratio to a baseline of the same run (bench-results/)
	$(BIN)/python -m benchmarks.bench
	$(BIN)/python -m benchmarks.registration
	$(BIN)/python -m benchmarks.population
	$(BIN)/python -m benchmarks.draw
	$(BIN)/python -m benchmarks.jobs
	$(BIN)/python -m benchmarks.wave
	$(BIN)/python -m benchmarks.seed
	$(BIN)/python -m benchmarks.certify
	$(BIN)/python -m benchmarks.payouts

clean:  ## remove the virtualenv and local state
	rm -rf $(VENV) *.egg-info prakerja-sandbox.db* bench-results
