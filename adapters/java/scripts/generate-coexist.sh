#!/usr/bin/env bash
# Regenerates src/test/generated/java: a second generated Java copy of the execution API, the
# proto files at the same paths and the messages under the same full names as the SDK's
# (src/generated/java), whose descriptors differ from the SDK's as Stigmer's own stubs do (a
# message and a field the SDK's copy lacks), in another Java package
# (ai.stigmer.sdk.coexist.stubs.*). The tests of ForeignClassIntegrationTest hand its classes to
# the SDK. Run by scripts/generate.sh (after it installed the pinned protoc into .tools/bin);
# scripts/check_generated.sh guards the output.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$root/adapters/java/src/test/generated/java"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proto/ai/stigmer/agentic"
# The agent execution API and what it imports (the workflow execution API is not needed).
cp -r "$root/proto/ai/stigmer/commons" "$work/proto/ai/stigmer/"
cp -r "$root/proto/ai/stigmer/agentic/agentexecution" "$root/proto/ai/stigmer/agentic/executioncontext" \
  "$work/proto/ai/stigmer/agentic/"
# buf/validate, imported for the create rules' options (its classes are protovalidate-java's).
cp -r "$root/proto-vendor" "$work/proto-vendor"
# What Stigmer's copy has and the SDK's lacks (as adapters/go/internal/coexist/generate.sh).
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
    - file_option: java_package_prefix
      value: ai.stigmer.sdk.coexist.stubs
# Only the copy: buf/validate is imported, never generated.
inputs:
  - directory: proto
plugins:
  - protoc_builtin: java
    protoc_path: $root/.tools/bin/protoc-java
    out: out
YAML
(cd "$work" && "$root/.venv/bin/buf" generate)
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$work/out" "$out"
