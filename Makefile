# logdash: `make run` serves the whole stack, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt requirements-dev.txt 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test test-at test-slow test-e2e chromium lint bench bench-ingest clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) manage.py rundev

test: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m "not slow and not e2e"

# The whole suite with every Python process's wall clock at WALL_CLOCK (HH:MM UTC, today):
# `make test-at WALL_CLOCK=00:05`. Only the wall clock moves; see tests/wallclock/sitecustomize.py.
test-at: $(STAMP)
	@test -n "$(WALL_CLOCK)" || { echo "usage: make test-at WALL_CLOCK=HH:MM"; exit 2; }
	DEBUG=$${DEBUG-1} WALL_CLOCK=$(WALL_CLOCK) PYTHONPATH=$(CURDIR)/tests/wallclock$${PYTHONPATH:+:$$PYTHONPATH} \
		$(PY) -m pytest -m "not slow and not e2e" -W ignore::pytest.PytestAssertRewriteWarning

test-slow: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m slow

# The browser tests use Debian's Chromium (`playwright install` cannot download here).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get install -y chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium; }; }

test-e2e: $(STAMP) chromium
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m e2e

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench

# Ingestion on Celery workers: dashboard latency during two uploads, lines/s with 1 and 2 workers vs _bulk.
# INGEST_MB=60 by default (each of the two uploads); about 10 minutes on 2 shared cores at 60 MB.
bench-ingest: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench.jobs --mb $${INGEST_MB-60}

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
