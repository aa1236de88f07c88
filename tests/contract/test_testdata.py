"""One set of fixtures for every language: the repository's testdata/ (captured deployed-service
payloads, vectors) is read in place by the Python, Go (handshake/converter_test.go, walking up to
it) and Java (core/pom.xml puts it on the test classpath) tests, and never copied."""

from __future__ import annotations

import hashlib
import subprocess
from collections import defaultdict
from pathlib import Path

from helpers.paths import ROOT

TESTDATA = ROOT / "testdata"
#: Data files, whose copies this guards against (code and lock files may legitimately repeat).
DATA_SUFFIXES = {".json", ".tsv", ".bin", ".binpb", ".pb", ".csv", ".txt", ".yaml", ".yml"}
#: A file this short (``{}``, an empty list) says too little to be a copy of a fixture.
MIN_BYTES = 64


def _tracked() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [ROOT / name.decode() for name in listed if name and (ROOT / name.decode()).is_file()]


def _copies(paths: list[Path], root: Path = ROOT) -> list[list[str]]:
    by_digest: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        content = path.read_bytes()
        if len(content) >= MIN_BYTES:
            by_digest[hashlib.sha256(content).hexdigest()].append(str(path.relative_to(root)))
    return sorted(sorted(names) for names in by_digest.values() if len(names) > 1)


def test_every_language_reads_the_one_testdata_folder() -> None:
    assert (TESTDATA / "deployed-service" / "completion-success.json").is_file()
    go = (ROOT / "adapters" / "go" / "handshake" / "converter_test.go").read_text()
    assert 'sharedTestdata(t, "deployed-service"' in go
    pom = (ROOT / "adapters" / "java" / "core" / "pom.xml").read_text()
    assert "<directory>${project.basedir}/../../../testdata</directory>" in pom
    vectors = "testdata/create-rules-vectors.json"
    assert (ROOT / vectors).is_file()
    go_rules = ROOT / "adapters" / "go" / "internal" / "createrules" / "createrules_test.go"
    assert f'"../../../../{vectors}"' in go_rules.read_text()
    java_rules = (
        ROOT / "adapters/java/src/test/java/ai/stigmer/sdk/handshake/CreateRuleVectorsTest.java"
    )
    assert 'resolve("testdata").resolve("create-rules-vectors.json")' in java_rules.read_text()


def test_no_fixture_is_copied() -> None:
    tracked = _tracked()
    fixtures = [path for path in tracked if TESTDATA in path.parents]
    data = [path for path in tracked if path.suffix in DATA_SUFFIXES or path in fixtures]
    assert _copies(data) == [], "keep one copy, in testdata/, and read it from there"


def test_the_guard_sees_a_copy(tmp_path: Path) -> None:
    original = (TESTDATA / "deployed-service" / "completion-success.json").read_bytes()
    (tmp_path / "go").mkdir()
    (tmp_path / "fixture.json").write_bytes(original)
    (tmp_path / "go" / "copy.json").write_bytes(original)
    (tmp_path / "other.json").write_bytes(original + b" ")
    found = _copies(sorted(tmp_path.rglob("*.json")), tmp_path)
    assert found == [["fixture.json", "go/copy.json"]]
