# Every target bootstraps its own virtual environment from uv.lock; only Python 3.11+ and make
# are needed. uv itself lives in .tools/ so that `uv sync` never removes it from .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

run: $(VENV)/.synced  ## serve on the embedded SQLite default at http://127.0.0.1:8000
	$(BIN)/family-safety serve

test: $(VENV)/.synced  ## the whole suite (PostgreSQL too when FAMILY_SAFETY_TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

format: $(VENV)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Load benchmark against a real server (needs wrk: apt-get install wrk); BENCH_DATABASE_URL adds
# a PostgreSQL run. Then the engine micro-benchmark. Figures go in BENCHMARKS.md.
bench: $(VENV)/.synced
	@command -v wrk >/dev/null || { echo "make bench needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m tests.bench.load $(BENCH_ARGS)
	$(if $(BENCH_DATABASE_URL),$(BIN)/python -m tests.bench.load --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS))
	$(BIN)/pytest tests/bench --benchmark-only --benchmark-enable -q

clean:
	rm -rf $(TOOLS) $(VENV) .family_safety
