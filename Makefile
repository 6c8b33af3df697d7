# sharedmodels — every target installs what is missing first (idempotent).
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/bin:$(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
# Ape's settings models print a harmless pydantic warning on every start; keep output readable.
export PYTHONWARNINGS := ignore:Field 'import_remapping'
STAMP_PY := $(VENV)/.installed
STAMP_NPM := node_modules/.installed
# Ape recompiles a contract when its own file changes, not when a module or interface it imports
# does; any change under contracts/ therefore clears the build cache before the next run.
CONTRACT_SOURCES := $(shell find contracts -name '*.vy' -o -name '*.vyi')
STAMP_BUILD := $(VENV)/.contract-sources

.PHONY: setup node web web-build browser demo market bounty federated simulate check test soak mutate bench models contracts data lint clean

setup: $(STAMP_PY) $(STAMP_NPM) $(STAMP_BUILD)

$(STAMP_BUILD): $(CONTRACT_SOURCES)
	rm -rf .build
	@mkdir -p $(VENV) && touch $@

$(STAMP_PY): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24" "setuptools>=68" wheel
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/ape plugins list >/dev/null
	@touch $@

$(STAMP_NPM): package.json
	npm install --no-audit --no-fund --loglevel=error
	@node_modules/.bin/anvil --version
	@touch $@

data: setup
	$(BIN)/python -m sharedmodels.encoding.datasets fetch rt

# A standing local chain in the foreground (chain id 31337) for `ape run` in other shells:
# deploy, then predict/contribute/refund/status against the same state. PORT=N for another port
# (then export APE_FOUNDRY_HOST=http://127.0.0.1:N); FORK_URL=<rpc> forks that chain instead,
# after checking it answers (one `error:` line and a non-zero exit if it does not). Quiet: LOG=1
# shows Anvil's own log (the name of every RPC call and each transaction).
# BLOCK_TIME=N mines a block every N seconds, as a testnet or an L2 does (docs/operations.md):
# the scripts then wait for their receipts and say so. Interval mining grows Anvil's memory
# while it runs (every empty block is kept): stop a node you no longer use.
PORT ?= 8545
FORK_URL ?=
LOG ?=
BLOCK_TIME ?=
node: $(STAMP_PY) $(STAMP_NPM)
	@$(BIN)/python -m sharedmodels.rpc.node --port $(PORT) $(if $(FORK_URL),--fork-url '$(FORK_URL)') $(if $(BLOCK_TIME),--block-time $(BLOCK_TIME)) $(if $(filter 1,$(LOG)),--log)

# The web page (web/, docs/web.md): bundled into web/dist/ by esbuild from the project's own
# sources, the ABIs Ape compiled and this Python's Unicode tables; viem and esbuild are pinned in
# package.json. `make web` deploys the demo models on the standing chain (make node; without one,
# Ape starts Anvil for as long as the page is served) and serves the page on WEB_PORT.
WEB_PORT ?= 8000
STAMP_WEB := web/dist/.built
WEB_SOURCES := $(wildcard web/src/*.js web/src/*/*.js) web/index.html web/style.css web/build.mjs sharedmodels/runs/web.py
web-build: $(STAMP_WEB)

$(STAMP_WEB): $(STAMP_PY) $(STAMP_NPM) $(STAMP_BUILD) $(WEB_SOURCES) package-lock.json
	$(BIN)/ape compile -v WARNING
	$(BIN)/python -m sharedmodels.runs.web assets
	node web/build.mjs
	@touch $@

web: setup data web-build
	$(BIN)/ape run web --port $(WEB_PORT)

# Headless Chromium for tests/browser: Debian's chromium package where apt-get is available
# (as root, or through sudo). Elsewhere install Chromium yourself; the browser tests skip
# without it, with one line saying so (and fail instead when SHAREDMODELS_REQUIRE_BROWSER=1, as
# in CI).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium; \
	else echo "note: no apt-get here: install Chromium for tests/browser (they skip without it)"; fi

# BLOCK_TIME=N runs it on an Anvil of its own that mines a block every N s (a rehearsal of a
# public network; every transaction waits for its block, so it takes minutes, not seconds).
demo: setup data
	$(BIN)/ape run demo $(if $(BLOCK_TIME),--network ethereum:local:foundry --provider-settings '{"block_time": $(BLOCK_TIME)}')

# The prediction market end to end: honest and label-flipping contributors.
market: setup data
	$(BIN)/ape run market demo

# A model bounty end to end: an MLP, a Perceptron and a shuffled-label model on wine.
bounty: setup
	$(BIN)/ape run bounty demo

# Federated learning: 10 clients on digits, 2 poisoning; plots in simulations/federated/.
federated: setup
	$(BIN)/ape run federated demo

# The articles' deposit/refund/take simulation at full scale (25,000 samples); output in
# simulations/drt/. Other presets: ape run simulate --preset drt-adversary|points|market.
simulate: setup data
	$(BIN)/ape run simulate --preset drt

# The fast checks (well under a minute, no chain): lint, formatting, generated contracts
# current, the page's type check (TypeScript on the JSDoc of web/src's `// @ts-check` modules,
# about a second) and the unit tests. .ci/run runs them before `make test`; so does the
# pre-commit hook.
check: setup data lint
	$(BIN)/python -m sharedmodels.codegen --check
	node_modules/.bin/tsc -p web
	$(BIN)/python -m pytest tests/unit -q -p no:ape_test --confcutdir=tests/unit

# Three ape test sessions side by side, each with its own Anvil (tools/test_shards.py): the
# contract tests and properties; the scripts end to end (with two contract files that balance
# the two); the browser.
test: setup data web-build browser
	$(BIN)/python tools/test_shards.py

# The long profile of the state machine: 130 examples of up to 50 steps (over 5,000 steps).
soak: setup
	SHAREDMODELS_SOAK=1 $(BIN)/ape test tests/hypothesis -q -s

# Mutation check of the contracts (not in CI; hours for all of them on two cores): removes each
# assert and each @nonreentrant, and changes arithmetic and comparisons in money and verdict
# paths, one at a time; runs that contract's own tests; prints killed/total per contract, and
# fails if a survivor is in a money or verdict path. One contract: make mutate ONLY=naive_bayes
# (or python tools/mutate.py --only naive_bayes; --list shows the mutants and their tests).
ONLY ?=
mutate: setup data
	$(BIN)/python tools/mutate.py $(if $(ONLY),--only '$(ONLY)')

bench: setup data
	rm -rf .bench-before && cp -r bench .bench-before
	$(BIN)/ape run gas --out bench/gas.json --model-out bench/model_gas.json
	$(BIN)/ape run models --out bench/models.json --quiet
	$(BIN)/ape run sweep --out bench/sweep.json --quiet > bench/sweep.md
	$(BIN)/ape run throughput --samples 1000 --out bench/throughput.json
	$(BIN)/ape run market bench --out bench/market_gas.json
	$(BIN)/ape run simulate --preset drt --out bench/simulate-drt --benchmarks --quiet
	set -o pipefail; $(BIN)/ape test bench/test_gas_report.py --gas -q | sed -n '/Gas Profile/,$$p' > bench/gas_report.txt
	@grep -q "Gas Profile" bench/gas_report.txt
	$(BIN)/python -m sharedmodels.runs.bench changes .bench-before bench
	rm -rf .bench-before

# Every model: on-chain vs float accuracy and gas; rewrites the tables in docs/models.md.
models: setup data
	$(BIN)/ape run models --out bench/models.json

# Regenerate the deployable contracts (contracts/generated/: *Stake.vy, *Points.vy and the
# standalone models) from the Jinja2 templates in contracts/templates/; removes generated files
# no model produces any more.
contracts: setup
	$(BIN)/python -m sharedmodels.codegen

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules .build
