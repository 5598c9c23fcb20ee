# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on demand.
# Python 3.13 is found by scripts/find-python.sh (pyenv, PATH, or PYTHON=/path/to/python3.13).
VENV := .venv
PY := $(VENV)/bin/python
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed

.PHONY: setup run serve test lint bench soak clean

setup: $(STAMP_PY) $(STAMP_NODE)

$(STAMP_PY): requirements.txt requirements-dev.txt devhost/pyproject.toml
	@python=$$(sh scripts/find-python.sh) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then \
	  echo "$(VENV) is not Python 3.13: making it anew"; rm -rf $(VENV); fi; \
	[ -x $(PY) ] || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	$(PY) -m demo run

serve: setup
	$(PY) -m demo serve

test: setup
	$(PY) -m ruff check .
	$(PY) -m mypy .
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy .

bench: setup
	$(PY) -m bench

# The long crash (100 go-lives, 50 SIGKILLs) and load (1,000 go-lives) runs; minutes.
soak: setup
	$(PY) -m tests.hardening.soak

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
