# Two commands do all of their own set-up on a fresh machine (Python >= 3.11, pip, make):
#   make demo   — create .venv if missing, install pworlds, run `pworlds demo`
#   make test   — install the dev extras and system packages (Debian's coq), lint, run pytest
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint bench bench-all system-deps clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "pworlds needs Python >= 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/pworlds demo
	@echo "The pworlds command is in $(BIN)/ (activate with: . $(BIN)/activate)"

# Debian's coq gives the lemma world's Coq backend a real prover; without root or apt the Coq tests skip.
system-deps:
	@if ! command -v coqtop >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian package coq"; \
	    (apt-get install -y -qq --no-install-recommends coq >/dev/null 2>&1 || \
	     (apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends coq >/dev/null)) || \
	    echo "warning: could not install coq; Coq tests will be skipped"; \
	  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then \
	    sudo apt-get install -y -qq --no-install-recommends coq >/dev/null || echo "warning: could not install coq"; \
	  else echo "warning: coqtop not found and cannot install it; Coq tests will be skipped"; fi; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

test: $(VENV)/.installed-dev system-deps lint
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-output .pytest_cache build *.egg-info
