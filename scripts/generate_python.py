"""Generate the Python protobuf, gRPC and mypy stub modules into python/stigmer_sdk/api.

protoc writes modules at their proto package path (``ai/stigmer/agentic/...``) with absolute
imports (``from ai.stigmer.agentic... import spec_pb2``). The SDK ships them as
``stigmer_sdk.api.agentic...``, so this script generates into a scratch directory, moves the
tree under the package and rewrites those imports, the way temporalio's own generator does for
``temporalio.api``. Only import lines and module references are rewritten, never the serialized
descriptors.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
OUT = ROOT / "python" / "stigmer_sdk" / "api"

_IMPORT_LINE = re.compile(r"^(from|import) ai\.stigmer\.", re.MULTILINE)
# A module reference in a .pyi stub, such as ai.stigmer.agentic.agentexecution.v1.spec_pb2.
_MODULE_REF = re.compile(r"(?<![\w.])ai\.stigmer\.((?:\w+\.)*\w+_pb2(?:_grpc)?)\b")


def _rewrite(text: str, is_stub: bool) -> str:
    text = _IMPORT_LINE.sub(r"\1 stigmer_sdk.api.", text)
    if is_stub:
        text = _MODULE_REF.sub(r"stigmer_sdk.api.\1", text)
    return text


def main() -> int:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as scratch:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"--python_out={scratch}",
            f"--grpc_python_out={scratch}",
            f"--mypy_out={scratch}",
            f"--mypy_grpc_out={scratch}",
            *protos,
        ]
        bin_dir = Path(sys.executable).parent
        env_path = f"{bin_dir}"  # protoc-gen-mypy and protoc-gen-mypy_grpc live beside python
        result = subprocess.run(
            [sys.executable, "-m", *args],
            env={"PATH": f"{env_path}:/usr/bin:/bin"},
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            # mypy-protobuf reports every file it writes on stderr; show it only on failure.
            sys.stderr.write(result.stderr)
            return result.returncode
        generated = Path(scratch) / "ai" / "stigmer"
        if OUT.exists():
            shutil.rmtree(OUT)
        shutil.copytree(generated, OUT)

    for path in list(OUT.rglob("*_pb2_grpc.py*")):
        # protoc writes a gRPC module for every file; keep only those that define a service.
        if "Stub" not in path.read_text():
            path.unlink()
    for path in OUT.rglob("*"):
        if path.suffix in {".py", ".pyi"}:
            path.write_text(_rewrite(path.read_text(), is_stub=path.suffix == ".pyi"))
    for directory in [OUT, *(d for d in OUT.rglob("*") if d.is_dir())]:
        init = directory / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated protobuf modules. Do not edit; run `make generate`."""\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
