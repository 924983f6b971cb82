# Two commands set up a fresh machine (see README): `make demo` and `make test`.
# Both create .venv from a Python >= 3.12 found by scripts/find_python.sh; demo installs
# the base package only, test adds the test extra.
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
OUT    := results/demo

.PHONY: demo test lint bench territory clean sensitivity-example docs examples-check examples

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
	$(BIN)/accesssim validate --out $(OUT)/validate
	$(BIN)/accesssim run scenarios/baseline.toml --out $(OUT)/baseline

test: $(VENV)/.installed lint
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests scripts benchmarks
	$(BIN)/ruff format --check src tests scripts benchmarks
	$(BIN)/lint-imports --no-cache

# the worked example of results/sensitivity_cvl and results/compare_uncertainty (README)
sensitivity-example: $(VENV)/.installed
	BIN=$(BIN) scripts/sensitivity_example.sh

# regenerate every curated example under results/ after a model change (about 15 minutes)
examples: $(VENV)/.installed
	BIN=$(BIN) scripts/regenerate_examples.sh

# regenerate the cheap curated examples under results/ and compare them with the committed files
# (numbers within relative 1e-9, text equal after normalising timings; about 1 min of one core):
# scripts/examples_check.py. Not run by `make test` (too slow for CI); run it before a release.
examples-check: $(VENV)/.installed-base
	$(BIN)/python scripts/examples_check.py

# the documentation site (mkdocs.yml) into site/, warnings as errors
$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[docs]'
	@touch $@

docs: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_foundation.py
	$(BIN)/python benchmarks/bench_model.py

SHARED_DATA := ../shared/data

territory: $(VENV)/.installed
	@test -d $(SHARED_DATA) || { echo "make territory: $(SHARED_DATA) is missing. It must hold the CNAM, SIRENE and priority-EPCI CSVs listed in DATA.md (Sources), from the project's shared data folder cloned beside this repository, or pass fresher files: python scripts/build_territory.py --cnam F --sirene F --priority F (the ED list and the age structure are in scripts/inputs/)" >&2; exit 2; }
	@command -v npm >/dev/null || { echo "make territory: npm is missing (it fetches @etalab/decoupage-administratif 6.0.0); install Node.js or pass --decoupage DIR to scripts/build_territory.py" >&2; exit 2; }
	$(PIP) install --quiet -e '.[test,build-data]'
	$(BIN)/python scripts/build_territory.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
