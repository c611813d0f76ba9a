# logdash: `make run` serves the whole stack, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt requirements-dev.txt 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test test-at test-slow test-topologies test-e2e chromium angular-client angular-build lint bench bench-ingest bench-traffic bench-traffic-live clean

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

test-slow: $(STAMP) test-topologies
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m slow

# Every cache test (tests/cacheops), the token revocation listener's and the API's cache behaviour
# (hits, per-user keys, precise invalidation) again with the response cache on a 3-primary, 3-replica
# Redis Cluster, then on a primary + replica + 3 Sentinels, each started for the run.
TOPOLOGY_TESTS := tests/cacheops tests/logdash/test_cached_token_authentication.py \
	tests/dashboard/test_precise_invalidation.py tests/dashboard/test_dashboard_api.py \
	tests/dashboard/test_user_api.py tests/dashboard/test_search_api.py tests/dashboard/test_products_api.py \
	tests/dashboard/test_trends_api.py
test-topologies: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m pytest $(TOPOLOGY_TESTS) -m "not slow" --redis-topology=cluster
	DEBUG=$${DEBUG-1} $(PY) -m pytest $(TOPOLOGY_TESTS) -m "not slow" --redis-topology=sentinel

# The browser tests use Debian's Chromium (`playwright install` cannot download here).
chromium:
	@test -x /usr/bin/chromium || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get install -y chromium || { $$SUDO apt-get update && $$SUDO apt-get install -y chromium; }; }

# The Angular client (clients/angular): its npm packages from the lockfile, then a production build.
ANGULAR := clients/angular

angular-build:
	cd $(ANGULAR) && npm ci --no-audit --no-fund && npx ng build

# After an API change: the schema the client is generated from, and the generated client (commit both).
angular-client: $(STAMP)
	DEBUG=1 PORT=8000 LOGDASH_PUBLIC_URL= $(PY) manage.py spectacular --format openapi-json \
		--file $(ANGULAR)/openapi.json --validate --fail-on-warn
	cd $(ANGULAR) && { test -d node_modules || npm ci --no-audit --no-fund; } && npx ng-openapi-gen --config ng-openapi-gen.json

test-e2e: $(STAMP) chromium angular-build
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m e2e

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench

# Ingestion on Celery workers: dashboard latency during two uploads, lines/s with 1 and 2 workers vs _bulk.
# INGEST_MB=60 by default (each of the two uploads, ~340,000 lines); the 1-worker rate on a 10 MB upload.
# About 35 minutes on 2 quiet cores at 60 MB: the embedded engine indexes about 500 lines a second.
bench-ingest: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench.jobs --mb $${INGEST_MB-60}

# A compressed day of the Angular client's traffic, replayed cached and uncached (bench/traffic/).
bench-traffic: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench.traffic

# The same model once against a logdash already running (`make run` in another terminal, same checkout
# and environment): `make bench-traffic-live [URL=http://127.0.0.1:8000]`. It writes to that server's data.
URL ?= http://127.0.0.1:8000
bench-traffic-live: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench.traffic.live $(URL)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
