# The two entry points a new user needs: `make serve` and `make test`.
# Both set everything up on a fresh machine that has Python 3.11+ and Node.js/npm.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/claimgraph/web/static/vendor/yasgui.min.js
STORE ?= store

.PHONY: serve test quick docs wheel fuzz browser virtuoso bench bench-draft bench-engine bench-annotate bench-mixed bench-history clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# YASGUI for the query page comes from the npm registry and is served by the app itself.
$(VENDOR): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	npm run --silent vendor

# The operator's token (CLAIMGRAPH_TOKEN): made once, kept beside the store, readable by you only.
TOKEN_FILE ?= $(STORE).token

serve: $(STAMP) $(VENDOR)
	@test -s $(TOKEN_FILE) || (umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(32))" > $(TOKEN_FILE))
	$(BIN)/claimgraph load seeds --store $(STORE)
	@echo "operator token (in $(TOKEN_FILE)): writes need 'Authorization: Bearer $$(cat $(TOKEN_FILE))'"
	CLAIMGRAPH_TOKEN="$$(cat $(TOKEN_FILE))" $(BIN)/claimgraph serve --store $(STORE)

# The whole suite on every core (pytest-xdist: WORKERS processes, each with its own servers),
# then the time it took. `make quick`: the tests marked fast (no server, no subprocess), for
# the inner loop; `make test` is what CI runs.
WORKERS ?= 2

test: $(STAMP) $(VENDOR) browser virtuoso
	@start=$$(date +%s); \
	$(BIN)/ruff check src tests benchmarks && $(BIN)/ruff format --check src tests benchmarks \
	  && $(BIN)/pytest -n $(WORKERS) --durations=10; status=$$?; \
	took=$$(( $$(date +%s) - start )); echo "make test: $$((took / 60)) min $$((took % 60)) s"; exit $$status

quick: $(STAMP) $(VENDOR)
	@start=$$(date +%s); \
	$(BIN)/pytest -n $(WORKERS) -m "not slow" -q; status=$$?; \
	took=$$(( $$(date +%s) - start )); echo "make quick: $$((took / 60)) min $$((took % 60)) s"; exit $$status

# A longer run of the property suite (tests/test_properties.py): FUZZ_SCALE times the cases of
# `make test`, a fresh seed each run; every input that breaks a property is written to
# tests/data/hostile/<target>/found-<digest>.<ext>, which tests/test_hostile.py then replays.
FUZZ_SCALE ?= 40
fuzz: $(STAMP)
	CLAIMGRAPH_FUZZ_FINDINGS=tests/data/hostile CLAIMGRAPH_FUZZ_SCALE=$(FUZZ_SCALE) \
	  $(BIN)/pytest -p no:cacheprovider tests/test_properties.py --hypothesis-show-statistics

# The browser test needs Debian's chromium: installed here when we are root with apt-get;
# otherwise that one test skips (under CI it fails instead).
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium is not installed: the browser test will skip"

# The store on a SPARQL server is tested against Oxigraph's server (the test extra) and
# Debian's Virtuoso: installed here when we are root with apt-get; otherwise the Virtuoso
# tests skip (under CI they fail instead).
virtuoso:
	@command -v virtuoso-t >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; } \
	  || echo "virtuoso-opensource is not installed: the Virtuoso tests will skip"

# The references generated from the code's own tables (CLI, settings, errors): docs/reference/.
docs: $(STAMP)
	$(BIN)/python -m tests.docgen

# The wheel people install (pip install dist/claimgraph-*.whl, or pipx): the code, the vocabulary,
# shapes, JSON-LD context, named queries and the query page's YASGUI (setup.py).
wheel: $(STAMP) $(VENDOR)
	$(BIN)/pip wheel --no-deps --quiet -w dist .

# The benchmark (not a test): sizes as an option, e.g. `make bench SIZES="1000 10000"`.
# It installs the bench extra (Oxigraph's server, rdflib-endpoint) that `make test` does not;
# the HTTP part needs wrk (Debian package wrk). It writes benchmarks/RESULTS.md.
SIZES ?= 1000 10000
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py --sizes $(SIZES) $(BENCH_OPTIONS)

# Draft recall (claimgraph draft against the gold sheets of seeds/ and tests/data/draft/):
# a few seconds, no server. It writes its own section of benchmarks/RESULTS.md.
bench-draft: $(STAMP)
	$(BIN)/python benchmarks/draft.py

# Time to record (the annotation page in headless Chromium records ten gold claims): a minute.
# It writes its own section of benchmarks/RESULTS.md.
bench-annotate: $(STAMP) browser
	$(BIN)/python benchmarks/annotate.py

# Reads beside writes (issue 21): a cheap read's latency alone and beside eight clients posting
# claims, 30 s each: about two minutes. It writes its own section of benchmarks/RESULTS.md.
bench-mixed: $(STAMP)
	$(BIN)/python benchmarks/mixed.py

# What the history costs (issue 18): writes with and without it, and after a longer history;
# sizes as an option, e.g. `make bench-history HISTORY_SIZES="1000 10000"`. Its own section.
HISTORY_SIZES ?= 1000
bench-history: $(STAMP)
	$(BIN)/python benchmarks/history.py --sizes $(HISTORY_SIZES)

# The write engine's cost (issue 20): writes into spread and crowded-keys stores, a load's
# phases, the vocabulary kept or derived anew; sizes as an option, e.g.
# `make bench-engine ENGINE_SIZES="1000 10000 100000"`. It writes its own section of
# benchmarks/RESULTS.md (and benchmarks/engine.json).
ENGINE_SIZES ?= 1000 10000
bench-engine: $(STAMP)
	$(BIN)/python benchmarks/engine.py --sizes $(ENGINE_SIZES)

clean:
	rm -rf $(VENV) node_modules src/claimgraph/web/static/vendor $(STORE) build dist
