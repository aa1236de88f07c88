#!/usr/bin/env bash
# Regenerates stubs/: a second generated Go copy of the execution API at the same proto file paths
# as adapters/go/gen, whose descriptors differ from the SDK's as Stigmer's own stubs
# (github.com/stigmer/stigmer/apis/stubs/go) do: a message and a field the SDK's copy lacks. The
# coexistence tests link it beside package handshake, never beside adapters/go/gen.
# Run from anywhere: bash adapters/go/internal/coexist/generate.sh (uses the pinned plugins of
# scripts/generate.sh, installed into .tools/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
tools="$root/.tools/bin"
# The versions of scripts/generate.sh (which runs this after installing them: its stamps skip it).
[[ -f "$tools/.protoc-gen-go-v1.36.12" ]] ||
  GOBIN="$tools" go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
[[ -f "$tools/.protoc-gen-go-grpc-v1.6.2" ]] ||
  GOBIN="$tools" go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proto/ai/stigmer"
cp -r "$root/proto/ai/stigmer/agentic" "$root/proto/ai/stigmer/commons" "$work/proto/ai/stigmer/"
# buf/validate, imported for the create rules' options, as Stigmer's protos import it.
cp -r "$root/proto-vendor" "$work/proto-vendor"
# What Stigmer's copy has and the SDK's lacks.
cat >>"$work/proto/ai/stigmer/agentic/agentexecution/v1/api.proto" <<'PROTO'

// Only in this copy: a message the SDK's descriptors lack.
message StigmerOnlyNote {
  string text = 1;
}
PROTO
sed -i 's|^message AgentExecutionSpec {|message AgentExecutionSpec {\n  // Only in this copy.\n  string stigmer_only_note = 100;|' \
  "$work/proto/ai/stigmer/agentic/agentexecution/v1/spec.proto"
cat >"$work/buf.yaml" <<'YAML'
version: v2
modules:
  - path: proto
  - path: proto-vendor
YAML
cat >"$work/buf.gen.yaml" <<YAML
version: v2
managed:
  enabled: true
  disable:
    - path: buf/validate
  override:
    - file_option: go_package_prefix
      value: github.com/stigmer/stigmer-sdk/adapters/go/internal/coexist/stubs
inputs:
  - directory: proto
plugins:
  - local: $tools/protoc-gen-go
    out: out
    opt: paths=source_relative
  - local: $tools/protoc-gen-go-grpc
    out: out
    opt: paths=source_relative
YAML
(cd "$work" && "$root/.venv/bin/buf" generate)
rm -rf "$here/stubs"
mv "$work/out" "$here/stubs"
