# The README's commands. `make demo` and `make test` work on a fresh machine (Python + pip).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= build/demo.oxigraph
SHARED ?= ../shared

.PHONY: demo test lint format bench gazetteer clean

$(BIN)/atlas-kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@

## demo: synthetic Atlas + the shared real pages → embedded store → three named queries
demo: $(BIN)/atlas-kg
	rm -rf build/demo-pages $(STORE)
	$(BIN)/atlas-kg synth --records 300 --seed 7 --out build/demo-pages
	$(BIN)/atlas-kg --store $(STORE) ingest build/demo-pages $(wildcard $(SHARED)/seeds $(SHARED)/atlas-pages)
	$(BIN)/atlas-kg --store $(STORE) stats
	$(BIN)/atlas-kg --store $(STORE) query partnerships_by_country --limit 10
	$(BIN)/atlas-kg --store $(STORE) query funding_by_funder --limit 10
	$(BIN)/atlas-kg --store $(STORE) query partnerships -p country Sénégal -p theme "Agriculture et développement rural" --limit 10

## test: lint, then every test (real Oxigraph on disk, real servers, real Chromium)
test: $(BIN)/atlas-kg
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile -q

lint: $(BIN)/atlas-kg
	$(BIN)/ruff check .

format: $(BIN)/atlas-kg
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: full-scale benchmarks (not part of `make test`), writes BENCHMARKS.md
bench: $(BIN)/atlas-kg
	$(BIN)/python -m bench --sizes 1000,4000,12000 --repeat 3
	$(BIN)/python -m bench --sizes 50000 --stages parse,ingest,queries --repeat 2 --query-runs 3 --facts-from 12000

## gazetteer: rebuild data/gazetteer/ from the npm package @etalab/decoupage-administratif
gazetteer: $(BIN)/atlas-kg
	$(BIN)/python scripts/build_gazetteer.py

clean:
	rm -rf build .pytest_cache .ruff_cache
