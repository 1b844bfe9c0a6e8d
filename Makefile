# Two commands from a fresh clone (Python 3.11+ only): `make run` and `make test`.
# Each creates .venv and installs the hash-pinned requirements when they are newer than the stamp.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.sceau-run.stamp
DEV_STAMP := $(VENV)/.sceau-dev.stamp
INTEROP_JS := tests/interop/js
BROWSER_JS := tests/browser
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres lint interop-js browser-js clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(DEV_STAMP): requirements-dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(RUN_STAMP)

## make run: serve on 127.0.0.1:8000 with a SQLite file database in ./data (no other service).
run: $(RUN_STAMP)
	SCEAU_ENVIRONMENT=$${SCEAU_ENVIRONMENT:-dev} $(BIN)/sceau run

## make test: every test on SQLite, then the DB-marked tests again on PostgreSQL.
test: $(DEV_STAMP) interop-js browser-js
	$(BIN)/python -m pytest -q -n auto --db=sqlite
	$(BIN)/python -m pytest -q -n auto --db=postgres -m db

test-sqlite: $(DEV_STAMP)
	$(BIN)/python -m pytest -q --db=sqlite -m db

test-postgres: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -n auto --db=postgres -m db

# Interop oracles need Node: fail loudly when it is missing (never skip). npm install runs again
# whenever package.json is newer than the last install (a new or re-pinned oracle).
INTEROP_STAMP := $(INTEROP_JS)/node_modules/.sceau.stamp

interop-js: $(INTEROP_STAMP)

$(INTEROP_STAMP): $(INTEROP_JS)/package.json
	@command -v node >/dev/null 2>&1 || { echo "ERROR: node is required for tests/interop (apt-get install nodejs npm)" >&2; exit 1; }
	cd $(INTEROP_JS) && npm install --no-audit --no-fund
	touch $@

# Browser tests need Node and Debian's Chromium (.ci/run installs it): fail loudly when missing.
# npm playwright-core and axe-core are installed at their exact pins (tests/browser/package.json).
browser-js:
	@command -v node >/dev/null 2>&1 || { echo "ERROR: node is required for tests/browser (apt-get install nodejs npm)" >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "ERROR: $(CHROMIUM) is required for tests/browser (apt-get install chromium)" >&2; exit 1; }
	@node $(BROWSER_JS)/check_installed.cjs 2>/dev/null || (cd $(BROWSER_JS) && npm install --no-audit --no-fund)
	@node $(BROWSER_JS)/check_installed.cjs

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy

clean-venv:
	rm -rf $(VENV)
