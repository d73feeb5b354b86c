# The front door. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

.PHONY: install install-test run run-cluster migrate demo test test-fast test-postgres test-e2e lint lint-check fmt bench bench-quick bench-pages bench-connections migrations-check check-deploy messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

## run: install, migrate, load the demo territory and serve on http://$(HOST):$(PORT)
run: demo
	@echo "Faire ensemble : http://$(HOST):$(PORT)/"
	$(BIN)/daphne --websocket_connect_timeout 30 -e tcp:port=$(PORT):interface=$(HOST):backlog=4096 backend.asgi:application

## run-cluster: Redis, PostgreSQL (data in .cluster/) and one daphne process per port of
## CLUSTER_PORTS, all serving the same boards; Ctrl-C stops everything.
CLUSTER_PORTS ?= 8001,8002
run-cluster: install-test
	$(BIN)/python -m tools.cluster --host $(HOST) --ports $(CLUSTER_PORTS)

## test: the whole suite — services, consumers (in-memory and real Redis), two daphne
## processes, and the browser tests on the system Chromium.
test: install-test migrations-check lint-check test-fast test-postgres test-e2e

test-fast: install-test
	$(BIN)/pytest --ignore=tests/e2e

## the same suite (browser tests aside) on a throw-away PostgreSQL server
test-postgres: install-test
	$(BIN)/python tests/with_postgres.py $(BIN)/pytest --ignore=tests/e2e -m "not sqlite_only" -q

test-e2e: install-test
	@if [ -z "$(CHROMIUM)" ]; then \
	  echo "Chromium is missing: the browser tests need the system Chromium."; \
	  echo "Install it with:  sudo apt-get install -y chromium"; \
	  exit 1; \
	fi
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests/e2e -p no:asyncio -W ignore::pytest.PytestConfigWarning

## bench: the benchmark (minutes); bench-quick: 500 clients, both references (< 2 min)
bench: install-test
	$(BIN)/pip install --quiet -e '.[test,uvicorn]'
	$(BIN)/python bench/run.py full

bench-quick: install-test
	$(BIN)/python bench/run.py quick

## bench-pages: the page scenario alone, on one daphne process then two behind Redis; the
## dataset is built once in var/bench-pages/ and reused (about 3 minutes after the first run)
bench-pages: install-test
	$(BIN)/python bench/pages.py --reuse var/bench-pages
	$(BIN)/python bench/pages.py --reuse var/bench-pages --processes 2

## bench-connections: 1,000 / 5,000 / 10,000 idle sockets on one process (about 15 minutes)
bench-connections: install-test
	$(BIN)/python bench/connections.py --sizes 1000,5000,10000

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-enough-random-looking-secret-value \
	  ALLOWED_HOSTS=example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

lint-check: install-test
	$(BIN)/ruff check .

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore '.venv/*' --ignore 'static/vendor/*'
	$(BIN)/python manage.py makemessages -d djangojs -l en --ignore '.venv/*' --ignore 'static/vendor/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
