#!/bin/sh
# Proves that, after `make bootstrap`, the Java build (the parent ai.stigmer:stigmer-sdk-parent and
# its modules: the SDK ai.stigmer:stigmer-sdk-java, its test kit ai.stigmer:stigmer-sdk-testing and
# the BOM ai.stigmer:stigmer-sdk-bom) installs with Maven offline, and that a separate project
# (which imports the BOM) builds and runs tests against the installed artifacts, offline too: the
# README's quick-start
# caller and its test (a real Temporal dev server: $STIGMER_TEMPORAL_CLI or `temporal` on the PATH,
# which the Makefile provides) and a recording-only test.
#
# It works on copies: the sources are copied to a temporary directory, and the local repository is
# a copy of the bootstrapped one ($MAVEN_REPO, default ~/.m2/repository) without any ai.stigmer
# artifact, given to Maven through an isolated settings file with <offline>true</offline>. So
# nothing is downloaded, nothing is installed into ~/.m2, and the kit and the consumer can only
# resolve the adapter from this script's own install. Run from anywhere; `make test-java` runs it.
set -eu

java_dir=$(cd "$(dirname "$0")/.." && pwd)
repo=${MAVEN_REPO:-$HOME/.m2/repository}
if [ ! -d "$repo" ]; then
  echo "no local Maven repository at $repo: run make bootstrap first" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/stigmer-java-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

cp -a "$repo" "$work/repository"
rm -rf "$work/repository/ai/stigmer"
cat > "$work/settings.xml" <<XML
<settings>
  <localRepository>$work/repository</localRepository>
  <offline>true</offline>
</settings>
XML

mkdir "$work/src"
(cd "$java_dir" && tar --exclude=target -cf - pom.xml core bom src testing) | (cd "$work/src" && tar -xf -)
mvn="mvn -B -q -o -s $work/settings.xml -gs $work/settings.xml"

(cd "$work/src" && $mvn install -DskipTests)
(cd "$work/src/testing/src/it/consumer" && $mvn test)

for artifact in \
  ai/stigmer/stigmer-sdk-parent/0.1.0/stigmer-sdk-parent-0.1.0.pom \
  ai/stigmer/stigmer-sdk-bom/0.1.0/stigmer-sdk-bom-0.1.0.pom \
  ai/stigmer/stigmer-sdk-java/0.1.0/stigmer-sdk-java-0.1.0.jar \
  ai/stigmer/stigmer-sdk-java/0.1.0/stigmer-sdk-java-0.1.0.pom \
  ai/stigmer/stigmer-sdk-testing/0.1.0/stigmer-sdk-testing-0.1.0.jar \
  ai/stigmer/stigmer-sdk-testing/0.1.0/stigmer-sdk-testing-0.1.0.pom; do
  if [ ! -f "$work/repository/$artifact" ]; then
    echo "not installed: $artifact" >&2
    exit 1
  fi
done
for test in ConsumerTest CallerTest; do
  report="$work/src/testing/src/it/consumer/target/surefire-reports/TEST-example.$test.xml"
  if ! grep -q 'tests="1" errors="0" skipped="0" failures="0"' "$report"; then
    echo "the consumer's $test did not pass:" >&2
    cat "$report" >&2
    exit 1
  fi
done
echo "offline install OK: stigmer-sdk-parent, -bom, -java and -testing 0.1.0, consumer tests passed"
