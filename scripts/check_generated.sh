#!/usr/bin/env bash
# Fails if `make generate` changes, adds or removes any generated file. Compares content hashes
# before and after regenerating, so it works in a fresh clone and in a dirty work tree alike.
set -euo pipefail
cd "$(dirname "$0")/.."
GENERATED=(python/stigmer_sdk/api adapters/go/gen adapters/java/src/generated conformance/betterproto/generated
  python/stigmer_sdk/_contract.py adapters/go/internal/contract docs/handshake-contract.md
  adapters/go/internal/createrules/execution_api.binpb docs/configuration.md
  adapters/go/internal/coexist/stubs adapters/java/src/test/generated)

snapshot() { find "${GENERATED[@]}" -type f ! -name '*.pyc' -print0 2>/dev/null | sort -z | xargs -0 sha256sum; }

before=$(mktemp)
after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
snapshot >"$before"
bash scripts/generate.sh
snapshot >"$after"
if ! diff -u "$before" "$after"; then
  echo "Generated code is stale: run 'make generate' and commit the result." >&2
  exit 1
fi
echo "generated code is up to date"
