# logdash: `make run` serves the whole stack, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt requirements-dev.txt 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: run test test-slow lint bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) manage.py rundev

test: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m "not slow"

test-slow: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m pytest -m slow

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	DEBUG=$${DEBUG-1} $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
