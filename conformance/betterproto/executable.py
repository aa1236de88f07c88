"""A second, independent Python codec: the codec role of harness.proto, done with betterproto.

Run by the runner as ``python conformance/betterproto/executable.py`` (implementation
``python-betterproto``, roles ``["codec"]``); see docs/conformance.md. The google.protobuf classes
of stigmer_sdk.api frame the harness messages only; every vector is decoded, parsed from JSON and
encoded by the betterproto classes in ``generated/`` (regenerate with ``generate.py``) and
betterproto's bundled well-known types, never by google.protobuf.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import betterproto
from betterproto.lib.google import protobuf as well_known

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The generated packages are importable by their proto package names (ai.stigmer.sdk.v1, ...).
sys.path.insert(0, str(Path(__file__).resolve().parent / "generated"))

from stigmer_conformance.framing import encode_frame, read_frame_sync

from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb

GENERATED = Path(__file__).resolve().parent / "generated"
logger = logging.getLogger("stigmer-conformance-python-betterproto")

#: The well-known types the protos use: betterproto's generated code refers to its bundled ones.
WELL_KNOWN = (well_known.Any, well_known.Struct, well_known.Value, well_known.ListValue)


def message_classes() -> dict[str, type[betterproto.Message]]:
    """Every message class, by full proto name.

    betterproto writes one module per proto package (``ai/stigmer/sdk/v1/__init__.py`` holds
    package ``ai.stigmer.sdk.v1``) and names a top-level message's class after the message; the
    protos have no nested messages, so package + class name is the full proto name.
    """
    classes: dict[str, type[betterproto.Message]] = {
        f"google.protobuf.{cls.__name__}": cls for cls in WELL_KNOWN
    }
    for init in sorted(GENERATED.rglob("__init__.py")):
        package = ".".join(init.parent.relative_to(GENERATED).parts)
        if not package:
            continue
        module = importlib.import_module(package)
        for name, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, betterproto.Message)
                and value.__module__ == module.__name__
            ):
                classes[f"{package}.{name}"] = value
    return classes


def _fields(message: betterproto.Message) -> Iterator[tuple[str, betterproto.FieldMetadata, Any]]:
    """(name, metadata, value) of every field that holds a value, without creating defaults."""
    for field in dataclasses.fields(message):
        value = message.__dict__.get(field.name)
        if value is not None and value is not betterproto.PLACEHOLDER:
            yield field.name, betterproto.FieldMetadata.get(field), value


def sort_maps(message: betterproto.Message) -> None:
    """Put every map's entries in key order, recursively: deterministic encoding.

    betterproto has no deterministic mode; it writes a map's entries in the order of the dict,
    which is wire order after decoding and document order after JSON parsing. Sorting the dicts
    (str keys by code point, which is UTF-8 byte order; int and bool keys by value) asks it for
    what google.protobuf's ``SerializeToString(deterministic=True)`` writes.
    """
    for name, meta, value in _fields(message):
        if meta.proto_type == betterproto.TYPE_MAP and isinstance(value, dict):
            ordered = dict(sorted(value.items()))
            message.__dict__[name] = ordered
            values: Any = ordered.values()
        elif isinstance(value, list):
            values = value
        else:
            values = (value,)
        for item in values:
            if isinstance(item, betterproto.Message):
                sort_maps(item)


def encode(message: betterproto.Message) -> bytes:
    sort_maps(message)
    return bytes(message)


def codec(
    classes: dict[str, type[betterproto.Message]], request: pb.CodecRequest
) -> pb.CodecResponse:
    cls = classes.get(request.message_type)
    if cls is None:
        raise LookupError(f"no betterproto class for {request.message_type}")
    decoded = cls().parse(request.binary)
    parsed = cls().from_json(request.json)
    return pb.CodecResponse(reencoded=encode(decoded), from_json=encode(parsed))


def decode_payload(
    classes: dict[str, type[betterproto.Message]], request: pb.PayloadRequest
) -> pb.PayloadResponse:
    """Decode a Temporal payload's data the way its encoding says, with betterproto alone.

    ``binary/protobuf`` is parsed; ``json/protobuf`` (proto3 JSON) and ``json/plain`` (Go's
    encoding/json of the protoc-gen-go struct: snake_case keys, enum numbers) both go through
    ``from_dict``, which accepts either key style and enum numbers, and ignores unknown keys.
    """
    cls = classes.get(request.message_type)
    if cls is None:
        raise LookupError(f"no betterproto class for {request.message_type}")
    encoding = request.metadata.get("encoding", b"").decode()
    if encoding == "binary/protobuf":
        message = cls().parse(request.data)
    elif encoding in ("json/protobuf", "json/plain"):
        message = cls().from_dict(_timestamps_as_text(json.loads(request.data)))
    else:
        raise ValueError(f"unsupported payload encoding {encoding!r}")
    return pb.PayloadResponse(binary=encode(message))


def _timestamps_as_text(value: Any) -> Any:
    """Go's encoding/json writes a Timestamp as {"seconds", "nanos"}: make it RFC 3339."""
    if isinstance(value, dict):
        if value and set(value) <= {"seconds", "nanos"}:
            seconds = int(value.get("seconds", 0))
            when = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
            nanos = int(value.get("nanos", 0))
            return when + (f".{nanos:09d}".rstrip("0") if nanos else "") + "Z"
        return {key: _timestamps_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_timestamps_as_text(item) for item in value]
    return value


def handle(
    classes: dict[str, type[betterproto.Message]], request: pb.HarnessRequest
) -> pb.HarnessResponse:
    response = pb.HarnessResponse(request_id=request.request_id)
    kind = request.WhichOneof("request")
    if kind == "codec":
        try:
            response.codec.CopyFrom(codec(classes, request.codec))
        except Exception as error:
            logger.exception("codec request %s failed", request.request_id)
            response.error = f"{type(error).__name__}: {error}"
    elif kind == "payload":
        try:
            response.payload.CopyFrom(decode_payload(classes, request.payload))
        except Exception as error:
            logger.exception("payload request %s failed", request.request_id)
            response.error = f"{type(error).__name__}: {error}"
    elif kind == "shutdown":
        response.shutdown.SetInParent()
    else:
        response.error = "codec-only implementation"
    return response


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    classes = message_classes()
    while True:
        request = read_frame_sync(sys.stdin.buffer, pb.HarnessRequest)
        if request is None:
            return 0
        sys.stdout.buffer.write(encode_frame(handle(classes, request)))
        sys.stdout.buffer.flush()
        if request.WhichOneof("request") == "shutdown":
            return 0


if __name__ == "__main__":
    sys.exit(main())
