"""The artifacts a user installs: the Python wheel and sdist, and the Go module from a module of
the user's own."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from helpers.paths import ROOT

GO_MODULE = "github.com/stigmer/stigmer-sdk/adapters/go"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def test_wheel_and_sdist_pass_twine_check(dist: Path) -> None:
    artifacts = sorted(dist.iterdir())
    assert {path.suffix for path in artifacts} == {".whl", ".gz"}
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, artifacts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_ships_the_typed_package_and_the_license(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "stigmer_sdk/py.typed" in names
    assert "stigmer_sdk/api/agentic/agentexecution/v1/api_pb2.pyi" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert not any(name.startswith(("tests/", "adapters/")) for name in names)


def test_the_wheel_publishes_the_user_extras_and_no_dev_tools(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
        (entry_points,) = (n for n in archive.namelist() if n.endswith("entry_points.txt"))
        entries = archive.read(entry_points).decode()
    extras = {
        line.split(":", 1)[1].strip()
        for line in text.splitlines()
        if line.startswith("Provides-Extra:")
    }
    assert extras == {"service", "devserver", "testing", "otel", "bench"}
    # The repository's tools are dependency groups, never requirements of an installed wheel.
    for tool in ("ruff", "mypy", "tox", "mkdocs", "twine", "betterproto", "buf-bin"):
        assert f"Requires-Dist: {tool}" not in text
    assert "[pytest11]\nstigmer_sdk.testing.pytest_plugin = stigmer_sdk.testing.pytest_plugin" in (
        entries
    )
    assert "stigmer-sdk = stigmer_sdk._launcher:main" in entries


def test_sdist_holds_the_sources_and_the_license(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml", "python/stigmer_sdk/__init__.py"} <= names


def test_go_module_builds_from_a_separate_module(tmp_path: Path) -> None:
    """A user's module requires the adapter (replaced by this checkout, as a fork would be) and
    builds and runs a program against its public API."""
    (tmp_path / "go.mod").write_text(
        "module example.com/consumer\n\ngo 1.26.0\n\n"
        f"require {GO_MODULE} v0.0.0\n\n"
        f"replace {GO_MODULE} => {ROOT / 'adapters' / 'go'}\n"
    )
    (tmp_path / "main.go").write_text(
        "package main\n\n"
        'import (\n\t"fmt"\n\n\t"' + GO_MODULE + '/handshake"\n)\n\n'
        "func main() {\n"
        '\tfmt.Println(handshake.IdempotencyKey("default", "wf-1", "run-1", "1"))\n'
        "}\n"
    )
    env = {**os.environ, "GOFLAGS": "-mod=mod"}
    for command in (["go", "mod", "tidy"], ["go", "vet", "./..."], ["go", "build", "-o", "app"]):
        result = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{' '.join(command)}:\n{result.stderr}"
    output = subprocess.run(
        [str(tmp_path / "app")], capture_output=True, text=True, check=True
    ).stdout.strip()
    # The contract's example key (docs/handshake-contract.md, section 2).
    assert output == "v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6"
