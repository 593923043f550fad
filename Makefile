# jifen — `make demo` to see it, `make test` to check it. `make help` lists the rest.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PYTEST_ARGS ?=
SIZE ?= small
DEMO_PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-runtime demo serve test lint format audit messages bench browser-deps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when the pinned requirements change.
$(VENV)/.runtime-installed: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/base.txt
	touch $@

$(VENV)/.dev-installed: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $(VENV)/.runtime-installed $@

install: $(VENV)/.dev-installed ## Create .venv in the repo and install everything (runtime, tests, lint)

install-runtime: $(VENV)/.runtime-installed

demo: export JIFEN_SMS_BACKEND ?= jifen.notify.backends.FileBackend
demo: $(VENV)/.runtime-installed ## Build the demo county on SQLite and serve it at http://127.0.0.1:8000 (DEMO_PORT)
	@# Text messages go to var/sms.jsonl, one JSON line each, rather than to a gateway.
	@# Built, and the jobs run, without DEBUG, which would log every one of their queries;
	@# migrate has run the system checks, so the server skips them.
	DEBUG=0 $(MANAGE) migrate --verbosity 0
	DEBUG=0 $(MANAGE) build_demo --if-empty
	@# The job runner posts records whose public notice has closed and signs daily checkpoints.
	DEBUG=0 $(MANAGE) run_jobs & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
		$(MANAGE) runserver 127.0.0.1:$(DEMO_PORT) --noreload --skip-checks

test: $(VENV)/.dev-installed ## Run the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(BIN)/pytest --numprocesses 2 $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed ## ruff, mypy and a check that no migration is missing
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(MANAGE) makemigrations --check --dry-run

format: $(VENV)/.dev-installed ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

audit: $(VENV)/.dev-installed ## Look for known vulnerabilities in the pinned dependencies
	$(BIN)/python scripts/audit_dependencies.py

messages: $(VENV)/.dev-installed ## Gather translatable text into locale/ and compile it
	$(MANAGE) makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'tests/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv/*'

bench: $(VENV)/.dev-installed ## Build a county on PostgreSQL (SIZE=small|county) and benchmark it
	$(BIN)/python -m bench.run --size $(SIZE)

browser-deps: ## Install Debian's chromium and chromium-driver for the browser tests (needs root)
	apt-get update -qq && apt-get install -y -qq chromium chromium-driver

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var/*.sqlite3* var/static var/media var/cache
