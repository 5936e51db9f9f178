# Maturity — `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: help system install dev demo demo-again test test-sqlite test-postgres e2e browser lint format bench load messages chart-font tabular-font clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# WeasyPrint's system libraries (Pango, HarfBuzz subsetting), from Debian's packages.
SYSTEM_LIBS := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

system: ## Install WeasyPrint's system libraries with apt when any is missing (needs root)
	@missing=""; for lib in $(SYSTEM_LIBS); do \
		/sbin/ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "missing:$$missing — installing $(SYSTEM_PACKAGES) with apt"; \
		if [ "$$(id -u)" != 0 ]; then echo "run 'sudo make system' or install $(SYSTEM_PACKAGES)"; exit 1; fi; \
		apt-get install -y $(SYSTEM_PACKAGES) || { apt-get update && apt-get install -y $(SYSTEM_PACKAGES); }; \
	fi

# What running needs, from the lock. --inexact keeps the development tools when they are there.
# Compiled to bytecode once here: where PYTHONDONTWRITEBYTECODE is set (as on our CI machines)
# every process — each report worker, each command — would otherwise compile its ~2 000 modules
# anew, 5 of its 8 s of start-up.
COMPILE_OURS := $(BIN)/python -m compileall -q -j 0 maturity surveys indicators reports migrations
$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --no-default-groups --inexact --compile-bytecode --python $(PYTHON)
	@$(COMPILE_OURS) >/dev/null
	@touch $@

# The development tools too (the lock's dev group: pytest, ruff, mypy, playwright, locust …), for
# the targets that test, lint or measure.
$(VENV)/.dev-installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --group dev --compile-bytecode --python $(PYTHON)
	@$(COMPILE_OURS) >/dev/null
	@touch $@ $(VENV)/.installed

install: system $(VENV)/.installed ## Create .venv with what running needs (and WeasyPrint's system libraries)

dev: system $(VENV)/.dev-installed ## Add the development tools (test, lint and bench do this themselves)

PORT ?= 8000
HOST ?= 127.0.0.1

demo: install ## Build fresh demo data on SQLite and serve it (http://127.0.0.1:8000; make demo PORT=8100 HOST=…)
	$(BIN)/maturity demo --host $(HOST) --port $(PORT)

demo-again: install ## Serve the demo database built before again, as it is (make demo-again PORT=8100)
	$(BIN)/maturity demo --keep --host $(HOST) --port $(PORT)

test: test-sqlite test-postgres ## Run the tests on SQLite, then on PostgreSQL

test-sqlite: dev ## Run the tests on SQLite only
	$(BIN)/python -m pytest

test-postgres: dev ## Run the tests on PostgreSQL (MATURITY_TEST_POSTGRES_URL; skipped with a notice if unreachable, a failure in CI)
	MATURITY_TEST_BACKEND=postgresql $(BIN)/python -m pytest

E2E := tests/e2e
CHROMIUM ?= /usr/bin/chromium

browser: ## Install Debian's chromium for the browser tests when it is missing (needs root)
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) is missing: installing Debian's chromium"; \
		apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; \
	fi

$(E2E)/node_modules/.installed: $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund
	@touch $@

e2e: dev browser $(E2E)/node_modules/.installed ## Browser journeys, keyboard and accessibility (axe) tests in headless Chromium
	MATURITY_E2E_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest $(E2E) -m e2e -q -s

lint: dev ## Check style, formatting and types
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: dev ## Fix what ruff can fix
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

chart-font: dev ## Cut the font vl-convert measures chart labels with from Inter (maturity/charts/font.py)
	$(BIN)/python -m maturity.charts.font

tabular-font: dev ## Make Inter Tabular, the PDF number columns' figures, from Inter (reports/tabular_figures.py)
	$(BIN)/python -m reports.tabular_figures

bench: dev ## Run the benchmarks in tests/benchmarks (figures on stdout)
	$(BIN)/python -m pytest tests/benchmarks -s -q

load: dev ## Load and fault tests on PostgreSQL: 200 and 500 respondents autosaving, SIGKILL, PostgreSQL restart (figures on stdout)
	MATURITY_LOAD=1 $(BIN)/python -m pytest tests/benchmarks/load -s -q

messages: install ## Extract translatable strings and update the nb and en catalogs
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k t:2 -k translate:2 -k translate_plural:2,3 \
		--no-location --sort-output --omit-header --width 100 -o maturity/locales/messages.pot .
	$(BIN)/pybabel update -i maturity/locales/messages.pot -d maturity/locales --no-fuzzy-matching --omit-header --width 100

clean: ## Remove the virtual environments and local data
	rm -rf $(VENV) $(TOOLS) var
