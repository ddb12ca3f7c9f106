# Two commands on a fresh machine: `make demo`, then `make test`. Only python3 and make
# are assumed; uv is installed into .tools/ and manages .venv/ from uv.lock.
PY ?= python3
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PY))

.PHONY: setup demo test test-postgres lint bench serve clean

$(UV):
	$(PY) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(VENV)/bin/funds demo

test: setup
	$(VENV)/bin/pytest

test-postgres: setup
	FUNDS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(VENV)/bin/pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(VENV)/bin/python -m bench

serve: setup
	$(VENV)/bin/funds serve

clean:
	rm -rf .tools $(VENV) var
