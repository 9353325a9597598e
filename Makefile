# The two entry points a new user needs: `make serve` and `make test`.
# Both set everything up on a fresh machine that has Python 3.11+ and Node.js/npm.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/claimgraph/web/static/vendor/yasgui.min.js
STORE ?= store

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# YASGUI for the query page comes from the npm registry and is served by the app itself.
$(VENDOR): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	npm run --silent vendor

serve: $(STAMP) $(VENDOR)
	$(BIN)/claimgraph load seeds --store $(STORE)
	$(BIN)/claimgraph serve --store $(STORE)

test: $(STAMP) $(VENDOR)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules src/claimgraph/web/static/vendor $(STORE)
