# doisoat — two commands: `make demo` and `make test`.
# On first use this creates .venv/ in the repository root (bootstrapping uv into it
# when uv is not on PATH) and installs exactly what uv.lock pins.

PYTHON ?= python3.11
VENV   := .venv
UV     := $(shell command -v uv 2>/dev/null || echo $(VENV)/bin/uv)
STAMP  := $(VENV)/.synced

export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_LEVEL ?= WARNING
export PREFECT_SERVER_UI_ENABLED ?= false

.PHONY: demo test sample bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Error: $(PYTHON) not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@command -v uv >/dev/null 2>&1 || $(VENV)/bin/python -m pip install --quiet "uv>=0.13,<0.14"

# --compile-bytecode: every module compiled once here; where PYTHONDONTWRITEBYTECODE is set (CI,
# containers) Python would otherwise compile Prefect and its server on every run (start-up 15 s → 7 s).
$(STAMP): $(VENV)/bin/python pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --compile-bytecode --python $(VENV)/bin/python
	@touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/doisoat demo

test: $(STAMP)
	$(VENV)/bin/python -m pytest

sample: $(STAMP)
	$(VENV)/bin/python -m sample_data.generate --residents 3000 --seed 6 --out sample_data/commune

bench: $(STAMP)   ## quality at 20k/100k and speed at 100k/1M (Splink side by side: see bench/README.md)
	$(VENV)/bin/python bench/quality.py --residents 20000 100000
	$(VENV)/bin/python bench/speed.py --residents 100000 1000000

clean:
	rm -rf $(VENV) doisoat-demo doisoat-ops
