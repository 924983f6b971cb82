# Two commands set up a fresh machine (see README): `make demo` and `make test`.
# Both create .venv from a Python >= 3.12 found by scripts/find_python.sh; demo installs
# the base package only, test adds the test extra.
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
OUT    := results/demo

.PHONY: demo test lint bench territory clean

$(BIN)/python:
	@PY=$$(scripts/find_python.sh) || exit 1; echo "using $$PY"; "$$PY" -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# the test extra (pytest, ruff, Dask, the dashboard, GIS writers, a browser driver)
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[test]'
	@touch $@

# the demo needs the base package only (its GeoPackage and Parquet files need the gis and
# parquet extras and are skipped without them; see docs/outputs.md)
$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	@touch $@

demo: $(VENV)/.installed-base
	@mkdir -p $(OUT)
	$(BIN)/accesssim apl --map $(OUT)/apl_france.png --csv $(OUT)/apl_communes.csv
	$(BIN)/accesssim run scenarios/baseline.toml --out $(OUT)/baseline

test: $(VENV)/.installed lint
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_foundation.py
	$(BIN)/python benchmarks/bench_model.py

territory: $(VENV)/.installed
	$(PIP) install --quiet -e '.[test,build-data]'
	$(BIN)/python scripts/build_territory.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
