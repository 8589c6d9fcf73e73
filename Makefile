# Two commands: `make run` starts the studio, `make test` runs the whole test suite.
# Both create .venv on first use, install the pinned requirements and the project itself
# (editable, so `core` and `ui` import from anywhere), and reinstall only when a requirements
# file or pyproject.toml changed.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
ADDRESS ?= localhost

.PHONY: run test chromium bench clean-venv

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(PY) -m streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

chromium:
	@scripts/ensure_chromium.sh

# STUDIO_GUARD_TREE: the suite fails if any test changed a file git tracks.
test: $(VENV)/.installed-dev chromium
	STUDIO_GUARD_TREE=1 $(PY) -m pytest

bench: $(VENV)/.installed-dev
	@for b in bench/*.py; do n=$$(basename $$b .py); [ $$n = __init__ ] && continue; \
	  echo "== bench.$$n"; $(PY) -m bench.$$n || exit 1; done

clean-venv:
	rm -rf $(VENV)
