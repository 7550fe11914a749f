# Kezek — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs the suite in this process.
TEST_WORKERS ?= auto

.PHONY: run test install browser lint messages clean

$(VENV)/.installed: pyproject.toml verifier/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet -e ./verifier
	touch $@

install: $(VENV)/.installed

## Install, migrate, load the small demo region and serve the portal with the background worker.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --scale small --if-empty
	DEBUG=1 bash -c 'trap "kill 0" EXIT; $(PY) manage.py db_worker & $(PY) manage.py tick --every 60 > /dev/null & $(PY) manage.py runserver $(HOST):$(PORT)'

## Debian's Chromium for the browser tests (tests/browser, Playwright without its bundled browsers).
browser:
	@test -x /usr/bin/chromium || { \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core; }

## The whole test suite (uses DATABASE_URL when set, else SQLite), browser tests included, on every core:
## each worker has its own test database (test_<name>_gw0, …), browser and live server port.
## Bytecode is written even where the environment disables it: pytest keeps its assertion-rewritten test
## modules there, and every worker would compile them all again on every run.
test: install browser
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(TEST_WORKERS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

## Refresh translation catalogues (kk, ru, en) and compile them.
messages: install
	$(PY) manage.py makemessages --no-obsolete --no-location -l kk -l ru -l en -i '.venv/*' -i 'build/*'
	$(PY) manage.py compilemessages -i '.venv'

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache .mypy_cache .ruff_cache
