# Every target bootstraps its own virtual environment from uv.lock; only Python 3.11+ and make
# are needed. uv itself lives in .tools/ so that `uv sync` never removes it from .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

HOST ?= 127.0.0.1
PORT ?= 8000
CLIENT := clients/typescript

.PHONY: run test test-fast test-e2e lint format bench clean client client-check

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Two stamps on one .venv: serving needs only the project's dependencies; testing, linting and
# benchmarking need the dev group too. `make run` never removes the dev tools a developer has.
$(VENV)/.served: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --no-dev --inexact --compile-bytecode --python $(PYTHON)
	@touch $@

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

run: $(VENV)/.served  ## serve on the embedded SQLite default at http://$(HOST):$(PORT)
	$(BIN)/family-safety serve --host $(HOST) --port $(PORT)

# The whole suite, browser and real servers included (PostgreSQL too when
# FAMILY_SAFETY_TEST_DATABASE_URL is set): the fast tests on every core, then the end-to-end ones.
test: test-fast test-e2e

# Everything but the end-to-end tests (no browser, no server process), on every core.
test-fast: $(VENV)/.synced
	$(BIN)/pytest -n auto -m "not e2e" --ignore=tests/e2e

# Only the end-to-end tests; tests/setup.sh installs what a fresh machine lacks (a browser).
test-e2e: $(VENV)/.synced
	bash tests/setup.sh
	$(BIN)/pytest -m e2e

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

format: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load benchmarks against real servers (need wrk: apt-get install wrk): first the service at both
# log levels beside a bare ASGI app on the same uvicorn and where a warm settings GET's time goes
# in the app (profile_requests --lane), then every scenario at the default level
# (INFO), decisions included; BENCH_DATABASE_URL adds a PostgreSQL run. Then the block-visibility
# window of decisions across two instances, a bystander beside sign-in floods of 250 and 400 (its
# worst and p99 wait), and the engine micro-benchmark. Figures go in BENCHMARKS.md.
bench: $(VENV)/.synced
	@command -v wrk >/dev/null || { echo "make bench needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m tests.bench.ceiling $(CEILING_ARGS)
	$(BIN)/python -m tests.bench.profile_requests --lane --requests 20000
	$(BIN)/python -m tests.bench.load $(BENCH_ARGS)
	$(if $(BENCH_DATABASE_URL),$(BIN)/python -m tests.bench.load --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS))
	$(BIN)/python -m tests.bench.block_window --rounds 50
	$(if $(BENCH_DATABASE_URL),$(BIN)/python -m tests.bench.block_window --rounds 50 --database-url $(BENCH_DATABASE_URL))
	$(BIN)/python -m tests.bench.flood --sign-ins 250 400
	$(BIN)/pytest tests/bench --benchmark-only --benchmark-enable -q

# The TypeScript client (needs node 20+ and npm; its npm packages come from its lock file, npm ci):
# its schema regenerated from the app itself, no server needed. client-check also type-checks it
# (typos in bodies must not compile) and runs its tests on a real server: the family story, and
# the packed tarball installed in a temporary app that type-checks and runs the README's example.
$(CLIENT)/node_modules/.package-lock.json: $(CLIENT)/package.json $(CLIENT)/package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null && command -v npm >/dev/null \
		|| { echo "the TypeScript client needs node 20+ and npm (on Debian 13: apt-get install -y nodejs npm)"; exit 1; }
	cd $(CLIENT) && npm ci --no-audit --no-fund

client: $(VENV)/.synced $(CLIENT)/node_modules/.package-lock.json
	$(BIN)/family-safety openapi $(CLIENT)/openapi.json
	cd $(CLIENT) && npm run --silent generate

client-check: client
	cd $(CLIENT) && npm run --silent typecheck && npm test

clean:
	rm -rf $(TOOLS) $(VENV) .family_safety $(CLIENT)/node_modules
