"""Generate the Python protobuf, gRPC and mypy stub modules into python/stigmer_sdk/api.

protoc writes modules at their proto package path (``ai/stigmer/agentic/...``) with absolute
imports (``from ai.stigmer.agentic... import spec_pb2``). The SDK ships them as
``stigmer_sdk.api.agentic...``, so this script generates into a scratch directory, moves the
tree under the package and rewrites those imports, the way temporalio's own generator does for
``temporalio.api``. Only import lines, module references, the descriptor pool and the
runtime-version check are rewritten, never the serialized descriptors.

The descriptor pool: the modules add their files to ``stigmer_sdk.api._pool.POOL``, a private
``DescriptorPool``, instead of protobuf's default pool. Stigmer's own generated stubs
(``stigmer-apis``, the open-source repository's ``apis/stubs/python``) add files of the same
names and messages of the same full names, with descriptors that differ from ours, to the
default pool; in one pool the second import fails ("duplicate file name"), in two pools both
load in either order (docs/handshake-contract.md, "Living beside Stigmer's stubs"). The pool
holds its own copy of the well-known types our files import, listed in :data:`_pool.py`.

The runtime-version check: protoc stamps the gencode with its own version (7.x for grpcio-tools
1.85) and the protobuf runtime refuses gencode newer than itself, so as generated the modules
would not load on protobuf 6. The SDK supports protobuf 6.32 and 7 (Stigmer's own stubs pin
protobuf 6), and this gencode uses nothing newer than 6.32 has (``AddSerializedFile`` and the
``builder`` calls), so the stamp is rewritten to the oldest runtime the SDK supports,
:data:`MIN_RUNTIME`. ``tox -e protobuf6`` runs the SDK's tests on that runtime.
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
#: Third-party protos our files import (buf/validate/validate.proto): never generated as modules.
VENDOR_ROOT = ROOT / "proto-vendor"
OUT = ROOT / "python" / "stigmer_sdk" / "api"

#: The oldest protobuf runtime the generated modules declare they need (pyproject: protobuf>=6.32).
MIN_RUNTIME = (6, 32, 0)
_VERSION_CHECK = re.compile(
    r"(_runtime_version\.ValidateProtobufRuntimeVersion\(\n\s*_runtime_version\.Domain\.PUBLIC,\n)"
    r"\s*\d+,\n\s*\d+,\n\s*\d+,\n"
)
_VERSION_COMMENT = re.compile(r"^# Protobuf Python Version: .*$", re.MULTILINE)

_DEFAULT_POOL_ADD = "_descriptor_pool.Default().AddSerializedFile("
_BUILDER_IMPORT = "from google.protobuf.internal import builder as _builder\n"
_WELL_KNOWN_IMPORT = re.compile(r'^import "google/protobuf/(\w+)\.proto";', re.MULTILINE)

_POOL_MODULE = '''"""The private descriptor pool of the SDK's generated modules. Do not edit.

Every ``stigmer_sdk.api`` module adds its file here rather than to protobuf's default pool, so
that Stigmer's own stubs, which define files and messages of the same names, load beside them
(scripts/generate_python.py). The well-known types those files import are copied in first.
"""

from google.protobuf import descriptor_pool
{imports}

from stigmer_sdk.api import _buf_validate

POOL = descriptor_pool.DescriptorPool()
for _well_known in ({modules}):
    POOL.AddSerializedFile(_well_known.DESCRIPTOR.serialized_pb)
# buf/validate/validate.proto (proto-vendor), whose options carry the create rules that
# protovalidate reads from our descriptors; only its descriptor, no message classes.
POOL.AddSerializedFile(_buf_validate.SERIALIZED)
'''

_BUF_VALIDATE_MODULE = '''"""The descriptor of buf/validate/validate.proto. Do not edit.

Serialized without source info from proto-vendor/buf/validate/validate.proto (Apache-2.0, Buf
Technologies) by scripts/generate_python.py.
"""

SERIALIZED = (
{lines}
)
'''

# protovalidate's options: the gencode imports buf.validate.validate_pb2 only to load that file
# into the pool first. The SDK's pool holds it itself (``_pool.py``), so the line goes: no module
# of that name is shipped, and the one a program may have (another generation) stays untouched.
_VALIDATE_IMPORT = re.compile(r"^from buf\.validate import validate_pb2 as \w+\n", re.MULTILINE)
_IMPORT_LINE = re.compile(r"^(from|import) ai\.stigmer\.", re.MULTILINE)
# A module reference in a .pyi stub, such as ai.stigmer.agentic.agentexecution.v1.spec_pb2.
_MODULE_REF = re.compile(r"(?<![\w.])ai\.stigmer\.((?:\w+\.)*\w+_pb2(?:_grpc)?)\b")


def _rewrite(text: str, is_stub: bool) -> str:
    text = _VALIDATE_IMPORT.sub("", _IMPORT_LINE.sub(r"\1 stigmer_sdk.api.", text))
    if is_stub:
        return _MODULE_REF.sub(r"stigmer_sdk.api.\1", text)
    return _lower_runtime_check(text)


def _lower_runtime_check(text: str) -> str:
    """Make a ``_pb2`` module declare :data:`MIN_RUNTIME` instead of protoc's own version."""
    if "ValidateProtobufRuntimeVersion" not in text:
        return text  # a _pb2_grpc module
    if text.count(_DEFAULT_POOL_ADD) != 1 or _BUILDER_IMPORT not in text:
        raise SystemExit("generate_python: the gencode's descriptor pool call changed shape")
    text = text.replace(
        _BUILDER_IMPORT, _BUILDER_IMPORT + "from stigmer_sdk.api import _pool as _stigmer_pool\n"
    ).replace(_DEFAULT_POOL_ADD, "_stigmer_pool.POOL.AddSerializedFile(")
    major, minor, patch = MIN_RUNTIME
    text, count = _VERSION_CHECK.subn(rf"\g<1>    {major},\n    {minor},\n    {patch},\n", text)
    if count != 1:
        raise SystemExit("generate_python: the gencode's runtime-version check changed shape")
    return _VERSION_COMMENT.sub(
        f"# Protobuf Python Version: {major}.{minor}.{patch} (the minimum, see generate_python.py)",
        text,
    )


_VALIDATE_PROTO = "buf/validate/validate.proto"


def _validate_descriptor() -> bytes:
    """validate.proto's ``FileDescriptorProto``, serialized, without source info."""
    from google.protobuf import descriptor_pb2

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "validate.binpb"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                f"-I{VENDOR_ROOT}",
                f"--descriptor_set_out={out}",
                _VALIDATE_PROTO,
            ],
            check=True,
        )
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    (validate,) = files
    return validate.SerializeToString(deterministic=True)


def _bytes_literal(data: bytes, width: int = 64) -> str:
    return "\n".join(f"    {data[i : i + width]!r}" for i in range(0, len(data), width))


def main() -> int:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    with tempfile.TemporaryDirectory() as scratch:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{VENDOR_ROOT}",
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
    well_known = sorted(
        {
            name
            for proto in protos
            for name in _WELL_KNOWN_IMPORT.findall((PROTO_ROOT / proto).read_text())
        }
        | set(_WELL_KNOWN_IMPORT.findall((VENDOR_ROOT / _VALIDATE_PROTO).read_text()))
    )
    (OUT / "_pool.py").write_text(
        _POOL_MODULE.format(
            imports="\n".join(f"from google.protobuf import {name}_pb2" for name in well_known),
            modules=", ".join(f"{name}_pb2" for name in well_known) + ",",
        )
    )
    (OUT / "_buf_validate.py").write_text(
        _BUF_VALIDATE_MODULE.format(lines=_bytes_literal(_validate_descriptor()))
    )
    for directory in [OUT, *(d for d in OUT.rglob("*") if d.is_dir())]:
        init = directory / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated protobuf modules. Do not edit; run `make generate`."""\n')
    return 0


if __name__ == "__main__":
    sys.exit(main())
