# The README's two commands: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app service_center
PYTHON ?= python3

.PHONY: run test install install-dev vendor translations db system-deps services lint security bench clean

run: install db ## install everything, create the schema and the demo center, serve on :5000
	$(FLASK) serve --host 127.0.0.1 --port 5000

test: install-dev system-deps services ## install what the tests need and run them all
	$(PY) -m pytest -q

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed vendor translations

install-dev: $(VENV)/.installed-dev vendor translations

vendor:
	bash scripts/vendor.sh

translations: | $(VENV)/bin/python
	$(VENV)/bin/pybabel compile -d translations --statistics 2>&1 | tail -2

db:
	$(FLASK) init-db
	$(FLASK) seed-demo

system-deps:
	bash scripts/system-deps.sh

services:
	bash scripts/services.sh

lint:
	$(VENV)/bin/ruff check service_center tests bench config.py

security: install-dev ## bandit on the package; pip-audit (skipped without PyPI's advisory data)
	$(VENV)/bin/bandit -q -r service_center -ll
	$(PY) -m pytest -q -rs tests/security/test_tools.py

clean:
	rm -rf $(VENV) node_modules static/vendor instance
