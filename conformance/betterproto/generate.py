"""Generate the betterproto classes of every proto in proto/ into conformance/betterproto/generated.

betterproto is a second, independent Python implementation of the codec role (see
docs/conformance.md). Its classes come from its own protoc plugin,
``protoc-gen-python_betterproto`` (installed by ``betterproto[compiler]``), run through
``python -m grpc_tools.protoc`` with a PATH holding only this interpreter's bin directory and the
system's, so no remote or stray plugin is used. The output goes to a scratch directory and then
replaces generated/ whole, so regenerating twice gives identical files (the plugin formats them
with the black and isort installed beside it: pin those versions too).

The well-known types the protos use (google.protobuf.Any, Struct, Value, ListValue) are not
generated: betterproto 2.0.0b7 always points generated code at its bundled
``betterproto.lib.google.protobuf`` (betterproto/compile/importing.py), even with the plugin's
INCLUDE_GOOGLE option, so generated copies would never be used.

Usage: ``.venv/bin/python conformance/betterproto/generate.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PROTO_ROOT = ROOT / "proto"
OUT = HERE / "generated"


def main() -> int:
    protos = sorted(p.relative_to(PROTO_ROOT).as_posix() for p in PROTO_ROOT.rglob("*.proto"))
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "protoc-gen-python_betterproto").exists():
        sys.stderr.write(
            f"protoc-gen-python_betterproto is not in {bin_dir}: "
            "pip install 'betterproto[compiler]==2.0.0b7'\n"
        )
        return 1
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                f"-I{PROTO_ROOT}",
                f"-I{ROOT / 'proto-vendor'}",  # buf/validate, imported for its options only
                f"--python_betterproto_out={scratch}",
                *protos,
            ],
            env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            # The plugin reports every file it writes on stderr; show it only on failure.
            sys.stderr.write(result.stdout + result.stderr)
            return result.returncode
        if OUT.exists():
            shutil.rmtree(OUT)
        shutil.copytree(scratch, OUT)
    # betterproto writes classes for the imported buf/validate too; nothing uses them.
    shutil.rmtree(OUT / "buf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
