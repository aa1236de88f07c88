#!/usr/bin/env bash
# Makes sure Prometheus and promtool are installed, for the alert-rule and dashboard tests.
# Installs Debian's `prometheus` package (as root, or through sudo) when either is missing.
# Progress goes to stderr; nothing goes to stdout.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  exit 0
fi
echo "installing prometheus (Debian package, for promtool)..." >&2
run_as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}
export DEBIAN_FRONTEND=noninteractive
run_as_root apt-get update -qq >&2
# The package starts its own server when systemd runs; the tests start theirs on a free port.
run_as_root apt-get install -y -qq --no-install-recommends prometheus >&2
command -v promtool >/dev/null && command -v prometheus >/dev/null
