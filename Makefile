# Servicecraft: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test test-fast test-browser translations extract-messages install lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs are build output: make them from the .po files every time they change.
translations: $(STAMP)
	@for po in $$(find translations -name messages.po); do \
	  mo=$${po%.po}.mo; \
	  if [ ! -f $$mo ] || [ $$po -nt $$mo ]; then $(BIN)/pybabel -q compile -i $$po -o $$mo || exit 1; fi; \
	done

extract-messages: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching

run: install
	$(BIN)/servicecraft db upgrade
	$(BIN)/servicecraft ensure-demo
	$(BIN)/servicecraft scenarios load
	$(BIN)/servicecraft run --host $(HOST) --port $(PORT)

test: install
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "!!! Chromium is not installed: the browser tests (tests/browser) are SKIPPED." >&2; \
	  echo "!!! Install it with 'apt-get install chromium' (CI does, and never skips them)." >&2; \
	fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS)

test-browser: install
	$(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check servicecraft training qa tests bench

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
	find translations -name '*.mo' -delete
