# The README's two commands: `make demo` and `make test`. Both create or reuse .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)
OUT    ?= demo-out
AS_OF  ?= 2026-11-29

.PHONY: demo test lint typecheck pytest system venv bench clean

system:
	@scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "make: cannot create a virtualenv: install python3-venv (Python 3.11+)"; exit 1; }
	@$(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make: Python 3.11+ is required"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

venv: $(STAMP)

demo: system venv
	@rm -rf $(OUT)
	@$(BIN)/assessor catalog --format summary
	@$(BIN)/assessor assess examples --out $(OUT) --format pdf,html,json,xlsx,pack --evidence-dir examples/evidence --org "Contoso Group" --as-of $(AS_OF)
	@echo "demo: open $(OUT)/contoso-retail.pdf, or the portfolio: $(OUT)/portfolio.pdf"

lint: venv
	$(BIN)/ruff check assessor tests bench
	$(BIN)/ruff format --check assessor tests bench

typecheck: venv
	$(BIN)/mypy

pytest: system venv
	$(BIN)/python -m pytest -q

test: system venv lint typecheck pytest

bench: system venv
	$(BIN)/python bench/bench_intake.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache $(OUT)
