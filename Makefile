# Two commands: `make run` (serve the demo on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_SCALE ?= small

.PHONY: run test bench lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/yingji db upgrade
	$(BIN)/yingji demo load --if-empty --scale $(DEMO_SCALE)
	@echo "演示账号 / demo login: admin / yingji-demo  →  http://127.0.0.1:8000/"
	$(BIN)/yingji serve

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: lint
	$(BIN)/pytest -n auto  # one worker per core; each builds its own template databases

bench: install-dev
	$(BIN)/python -m bench all

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
