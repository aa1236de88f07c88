#!/usr/bin/env bash
# Regenerates every committed generated file from proto/: Python (grpcio-tools + mypy-protobuf),
# Go (protoc-gen-go, protoc-gen-go-grpc) and Java (protoc + protoc-gen-grpc-java), all from local
# plugins at pinned versions. Run through `make generate`; `make check-generated` runs it and fails
# on any diff.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12      # = google.golang.org/protobuf in adapters/go/go.mod
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
JAVA_PROTOC_VERSION=4.36.0          # = protobuf-java of adapters/java/pom.xml (what build.buf:protovalidate is built on)
GRPC_JAVA_VERSION=1.76.0            # = grpc-bom used by io.temporal:temporal-sdk

TOOLS="$PWD/.tools/bin"
PYTHON="${PYTHON:-.venv/bin/python}"
BUF="${BUF:-.venv/bin/buf}"
mkdir -p "$TOOLS"

case "$(uname -m)" in
  x86_64 | amd64) maven_arch=x86_64 ;;
  aarch64 | arm64) maven_arch=aarch_64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

install_go_plugin() { # name module version
  local stamp="$TOOLS/.$1-$3"
  if [[ ! -x "$TOOLS/$1" || ! -f "$stamp" ]]; then
    GOBIN="$TOOLS" go install "$2@$3"
    touch "$stamp"
  fi
}

install_maven_exe() { # target groupId artifactId version
  local stamp="$TOOLS/.$1-$4"
  if [[ ! -x "$TOOLS/$1" || ! -f "$stamp" ]]; then
    local tmp
    tmp=$(mktemp -d)
    mvn -q dependency:copy -Dartifact="$2:$3:$4:exe:linux-$maven_arch" -DoutputDirectory="$tmp" \
      -Dmdep.stripVersion=true -Dmdep.stripClassifier=true
    mv "$tmp/$3.exe" "$TOOLS/$1"
    chmod +x "$TOOLS/$1"
    rm -rf "$tmp"
    touch "$stamp"
  fi
}

install_go_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION"
install_go_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION"
install_maven_exe protoc-java com.google.protobuf protoc "$JAVA_PROTOC_VERSION"
install_maven_exe protoc-gen-grpc-java io.grpc protoc-gen-grpc-java "$GRPC_JAVA_VERSION"

# Go and Java through buf.gen.yaml.
rm -rf adapters/go/gen adapters/java/src/generated
"$BUF" generate

# The execution API's descriptors (their buf.validate create rules), embedded in the Go SDK, which
# checks the rules against its own descriptors in a private registry (adapters/go/internal/createrules).
"$BUF" build proto --path proto/ai/stigmer/agentic --exclude-source-info \
  -o adapters/go/internal/createrules/execution_api.binpb

# Python through grpcio-tools, then moved under stigmer_sdk.api and its imports rewritten.
"$PYTHON" scripts/generate_python.py

# The Go coexistence tests' second, differing copy of the execution API (its own generate.sh,
# with the plugins installed above).
bash adapters/go/internal/coexist/generate.sh
# The same for the Java tests (a differing copy in another Java package).
bash adapters/java/scripts/generate-coexist.sh

# betterproto classes for the second Python codec of the conformance suite.
"$PYTHON" conformance/betterproto/generate.py

# The handshake contract's constants (Python, Go, Java) and the generated section of
# docs/handshake-contract.md, from contract/handshake.yaml. After buf: it writes into
# adapters/java/src/generated, which buf's step recreates.
"$PYTHON" scripts/generate_contract.py
# docs/configuration.md: every serve setting, from stigmer_sdk.service.config.
"$PYTHON" scripts/generate_configuration_doc.py
