"""The SDK lives beside another generated copy of the execution API, whichever is imported first.

Stigmer's own stubs (``stigmer-apis`` on PyPI, the open-source repository's
``apis/stubs/python``) define the SDK's proto files at the same file paths, with descriptors
that differ from the SDK's. This test generates such a copy from the SDK's own protos with one
message added (as Stigmer's have messages and options the SDK's lack), imports it before and
after the SDK in a fresh interpreter, and runs a handshake whose request and result are of the
copy's classes (tests/helpers/foreign_stubs_app.py).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stigmer_sdk.testing import DevServer

from helpers.paths import ROOT

API_PROTO = Path("ai/stigmer/agentic/agentexecution/v1/api.proto")

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def generated_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("copy")
    protos = root / "proto"
    shutil.copytree(ROOT / "proto", protos)
    with (protos / API_PROTO).open("a") as api:
        api.write("\n// A message the SDK's copy lacks, so the two descriptors differ.\n")
        api.write("message StigmerOnlyMarker {\n  string note = 1;\n}\n")
    out = root / "generated"
    out.mkdir()
    files = sorted(str(p.relative_to(protos)) for p in protos.rglob("*.proto"))
    # As Stigmer's stubs do, the copy loads buf/validate/validate.proto into the default pool as
    # a module of its own (buf.validate.validate_pb2), beside the SDK's private copy of it.
    vendor = ROOT / "proto-vendor"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{protos}",
            f"-I{vendor}",
            f"--python_out={out}",
            *files,
            "buf/validate/validate.proto",
        ],
        check=True,
    )
    packages = [out / "ai", out / "buf"]
    for directory in [*packages, *(d for p in packages for d in p.rglob("*") if d.is_dir())]:
        (directory / "__init__.py").touch()
    return out


@pytest.mark.parametrize("order", ["sdk-first", "copy-first"])
def test_a_handshake_runs_with_another_generated_copy_of_the_api(
    generated_copy: Path, dev_server: DevServer, order: str
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tests" / "helpers" / "foreign_stubs_app.py"),
            dev_server.target,
            str(generated_copy),
            order,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("OK aex-"), result.stdout
