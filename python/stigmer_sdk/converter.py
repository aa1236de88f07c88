"""A payload converter that decodes every completion a Stigmer service sends.

Temporal's default converter decodes a proto result only from ``binary/protobuf`` and (strictly)
``json/protobuf``. Stigmer services complete the caller's activity in three shapes:

- ``binary/protobuf`` (the SDK's own services, the default);
- ``json/protobuf`` (proto JSON), possibly carrying fields a newer server added;
- ``json/plain`` holding Go's ``encoding/json`` of the proto struct: what the deployed Stigmer Go
  service sends. Keys are the protoc-gen-go JSON tags (the proto field names, snake_case), enums
  are numbers, ``Timestamp`` is ``{"seconds": .., "nanos": ..}``, ``bytes`` are standard Base64,
  ``Struct`` and ``Value`` are plain JSON, and empty fields are omitted.

`StigmerPayloadConverter` decodes all three into the proto type the caller asked for
(``result_type=AgentExecution``), ignoring unknown fields everywhere so that a newer server cannot
break an older caller. Encoding is unchanged from Temporal's default. Install it with one line on
the client, which its workers inherit:

```python
from stigmer_sdk.converter import data_converter

client = await Client.connect("localhost:7233", data_converter=data_converter)
```

or, keeping a data converter of your own (a codec, for instance):

```python
converter = with_stigmer_payloads(my_data_converter)
```

`from_go_json` is the ``json/plain`` decoding on its own.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any, TypeVar

import temporalio.api.common.v1
import temporalio.converter
from google.protobuf import descriptor_pool, json_format, message
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from stigmer_sdk.api._pool import POOL
from stigmer_sdk.completion import message_class

_M = TypeVar("_M", bound=message.Message)

_Payload = temporalio.api.common.v1.Payload

# Well-known types whose Go encoding/json form is their proto JSON (they implement
# json.Marshaler), or that proto JSON writes as a scalar.
_PROTO_JSON_TYPES = frozenset(
    {
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.ListValue",
        "google.protobuf.FieldMask",
    }
)
_SCALAR_WRAPPERS = frozenset(
    {
        "google.protobuf.DoubleValue",
        "google.protobuf.FloatValue",
        "google.protobuf.Int64Value",
        "google.protobuf.UInt64Value",
        "google.protobuf.Int32Value",
        "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue",
        "google.protobuf.StringValue",
        "google.protobuf.BytesValue",
    }
)
_INT_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
    }
)
_FLOAT_TYPES = frozenset({FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT})
_SPECIAL_FLOATS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class GoJSONError(ValueError):
    """A Go-struct JSON document does not fit the proto type it is decoded into."""


def from_go_json(data: Any, message_type: type[_M]) -> _M:
    """Decode Go's ``encoding/json`` of a protoc-gen-go struct (already parsed) into a message.

    Accepts the protoc-gen-go JSON tags (proto field names) and proto JSON's lowerCamelCase
    names; enums as numbers or names; ``Timestamp``/``Duration`` as ``{"seconds", "nanos"}`` or
    their RFC 3339 strings; 64-bit integers as numbers or strings; ``null`` as absent. Unknown
    keys are ignored.

    Raises:
        GoJSONError: a value has the wrong JSON type for its field.

    Examples:
        >>> from stigmer_sdk import AgentExecution
        >>> execution = from_go_json(
        ...     {"kind": "AgentExecution", "status": {"phase": 3, "new_field": 1}}, AgentExecution)
        >>> execution.kind, execution.status.phase
        ('AgentExecution', 3)
    """
    result = message_type()
    _merge(result, data, "")
    return result


def to_go_json(value: message.Message) -> dict[str, Any]:
    """Go's ``encoding/json`` of the protoc-gen-go struct of ``value``, as a JSON document.

    What the deployed Stigmer Go service delivers as ``json/plain``, and what the reference
    service delivers to a caller that has not declared ``binary/protobuf``
    (docs/handshake-contract.md, "Result encoding"): the proto field names as keys, in
    declaration order; enums and 64-bit integers as numbers; ``bytes`` as standard Base64;
    ``Timestamp`` and ``Duration`` as ``{"seconds", "nanos"}``; ``Struct``, ``Value`` and
    ``ListValue`` as their proto JSON; zero scalars, empty lists and maps, and unset messages
    omitted (``omitempty``); map keys sorted. `from_go_json` reads it back.

    Raises:
        GoJSONError: ``value`` has a oneof (Go writes those under its own type names; no
            execution message has one).

    Examples:
        >>> from stigmer_sdk import AgentExecution
        >>> execution = AgentExecution(kind="AgentExecution")
        >>> execution.status.phase = 3
        >>> execution.status.started_at = "2026-01-01T00:00:00Z"
        >>> to_go_json(execution)
        {'kind': 'AgentExecution', 'status': {'phase': 3, 'started_at': '2026-01-01T00:00:00Z'}}
    """
    document = _go_value(value)
    assert isinstance(document, dict)  # a message that is not a well-known scalar
    return document


def _go_value(value: message.Message) -> Any:
    descriptor: Descriptor = value.DESCRIPTOR  # type: ignore[assignment]
    full_name = descriptor.full_name
    if full_name in _PROTO_JSON_TYPES:
        return _as_go_writes(json_format.MessageToDict(value))
    document: dict[str, Any] = {}
    for field in descriptor.fields:
        oneof = field.containing_oneof
        if oneof is not None and not _is_synthetic(oneof):
            raise GoJSONError(f"{full_name}.{oneof.name}: oneofs have no Go-struct JSON here")
        item: Any = getattr(value, field.name)
        if _is_map(field):
            if len(item):
                entry = field.message_type
                assert entry is not None  # a map field's entry type
                value_field = entry.fields_by_name["value"]
                document[field.name] = {
                    str(key).lower() if isinstance(key, bool) else str(key): _go_single(
                        value_field, item[key]
                    )
                    for key in sorted(item)
                }
        elif field.is_repeated:
            if len(item):
                document[field.name] = [_go_single(field, element) for element in item]
        elif field.message_type is not None or oneof is not None:
            if value.HasField(field.name):
                document[field.name] = _go_single(field, item)
        elif item != field.default_value:
            document[field.name] = _go_single(field, item)
    return document


def _as_go_writes(data: Any) -> Any:
    """Proto JSON of a ``Struct`` as Go's protojson writes it: object keys sorted, integral
    numbers without a fraction (Python's json_format writes ``1.0``)."""
    if isinstance(data, dict):
        return {key: _as_go_writes(data[key]) for key in sorted(data)}
    if isinstance(data, list):
        return [_as_go_writes(item) for item in data]
    if isinstance(data, float) and data.is_integer() and abs(data) < 2**53:
        return int(data)
    return data


def _is_synthetic(oneof: Any) -> bool:
    # A proto3 `optional` field's oneof; Go makes it a pointer field, not an interface.
    return len(oneof.fields) == 1 and oneof.name == f"_{oneof.fields[0].name}"


def _go_single(field: FieldDescriptor, item: Any) -> Any:
    if field.message_type is not None:
        return _go_value(item)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(item).decode()
    return item


def _merge(target: message.Message, data: Any, path: str) -> None:
    descriptor: Descriptor = target.DESCRIPTOR  # type: ignore[assignment]
    full_name = descriptor.full_name
    if full_name in _PROTO_JSON_TYPES or (isinstance(data, Mapping) and "@type" in data):
        _parse_proto_json(target, data, path)
        return
    if full_name in _SCALAR_WRAPPERS and not isinstance(data, Mapping):
        _set_scalar(target, descriptor.fields_by_name["value"], data, path)
        return
    if full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration") and isinstance(
        data, str
    ):
        _parse_proto_json(target, data, path)
        return
    if not isinstance(data, Mapping):
        raise GoJSONError(f"{path or full_name}: expected a JSON object, got {_kind(data)}")
    for key, value in data.items():
        field = _field(descriptor, key)
        if field is None or value is None:
            continue  # unknown fields are ignored; null is Go's nil (absent)
        _set_field(target, field, value, f"{path}.{field.name}" if path else field.name)


def _field(descriptor: Descriptor, key: str) -> FieldDescriptor | None:
    field = descriptor.fields_by_name.get(key)
    if field is not None:
        return field
    for candidate in descriptor.fields:
        if candidate.json_name == key:
            return candidate
    return None


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _set_field(target: message.Message, field: FieldDescriptor, value: Any, path: str) -> None:
    container: Any = getattr(target, field.name)
    if _is_map(field):
        if not isinstance(value, Mapping):
            raise GoJSONError(f"{path}: expected a JSON object (map), got {_kind(value)}")
        entry = field.message_type
        assert entry is not None  # a map field's entry type
        key_field = entry.fields_by_name["key"]
        value_field = entry.fields_by_name["value"]
        for raw_key, item in value.items():
            key = _scalar(key_field, raw_key, f"{path}[{raw_key!r}]")
            if item is None:
                continue
            if value_field.message_type is not None:
                _merge(container[key], item, f"{path}[{raw_key!r}]")
            else:
                container[key] = _scalar(value_field, item, f"{path}[{raw_key!r}]")
        return
    if field.is_repeated:
        if not isinstance(value, list):
            raise GoJSONError(f"{path}: expected a JSON array, got {_kind(value)}")
        for index, item in enumerate(value):
            if item is None:
                continue
            if field.message_type is not None:
                _merge(container.add(), item, f"{path}[{index}]")
            else:
                container.append(_scalar(field, item, f"{path}[{index}]"))
        return
    if field.message_type is not None:
        container.SetInParent()
        _merge(container, value, path)
        return
    _set_scalar(target, field, value, path)


def _set_scalar(target: message.Message, field: FieldDescriptor, value: Any, path: str) -> None:
    setattr(target, field.name, _scalar(field, value, path))


def _scalar(field: FieldDescriptor, value: Any, path: str) -> Any:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        if isinstance(value, str):
            return value
    elif kind == FieldDescriptor.TYPE_BOOL:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
    elif kind == FieldDescriptor.TYPE_BYTES:
        if isinstance(value, str):
            return _base64(value, path)
    elif kind == FieldDescriptor.TYPE_ENUM:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            enum = field.enum_type
            assert enum is not None  # an enum field's type
            by_name = enum.values_by_name.get(value)
            if by_name is not None:
                return by_name.number
            raise GoJSONError(f"{path}: {value!r} is not a {enum.full_name} value")
    elif kind in _INT_TYPES:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
    elif kind in _FLOAT_TYPES:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
    raise GoJSONError(f"{path}: {_kind(value)} does not fit a field of type {_type_name(field)}")


def _base64(text: str, path: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise GoJSONError(f"{path}: not Base64: {error}") from None


def _parse_proto_json(target: message.Message, data: Any, path: str) -> None:
    try:
        json_format.ParseDict(data, target, ignore_unknown_fields=True)
    except json_format.ParseError as error:
        raise GoJSONError(f"{path or target.DESCRIPTOR.full_name}: {error}") from None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", list: "an array", dict: "an object"}.get(
        type(value), "a number"
    )


def _type_name(field: FieldDescriptor) -> str:
    if field.enum_type is not None:
        return str(field.enum_type.full_name)
    return {
        FieldDescriptor.TYPE_STRING: "string",
        FieldDescriptor.TYPE_BOOL: "bool",
        FieldDescriptor.TYPE_BYTES: "bytes",
    }.get(field.type, "number")


def _message_class(type_hint: type | None) -> type[message.Message] | None:
    if isinstance(type_hint, type) and issubclass(type_hint, message.Message):
        return type_hint
    return None


def _class_for(payload: _Payload, type_hint: type | None) -> type[message.Message]:
    """The message class to decode into: the caller's type hint when it names the payload's
    ``messageType`` (so that a caller gets its own generated class, the SDK's or Stigmer's), else
    the class this process knows by that name (the SDK's own first, as Temporal's default
    converter would find it), else the type hint."""
    name = payload.metadata.get("messageType", b"").decode()
    hinted = _message_class(type_hint)
    if hinted is not None and (not name or hinted.DESCRIPTOR.full_name == name):
        return hinted
    if name:
        try:
            return message_class(name)
        except KeyError:
            pass
    if hinted is not None:
        return hinted
    raise RuntimeError(f"Unknown Protobuf type {name or '<none>'}")


#: Where proto JSON looks up the type of a ``google.protobuf.Any``: the SDK's private pool, then
#: protobuf's default pool (a user's own messages packed into a completion's result).
_ANY_POOLS = (POOL, descriptor_pool.Default())


def _json_with_any_pools(convert: Any) -> Any:
    error: json_format.Error | None = None
    for pool in _ANY_POOLS:
        try:
            return convert(pool)
        except json_format.Error as failed:  # an Any whose type is in the other pool
            error = failed if error is None else error
    assert error is not None
    raise error


def parse_json_proto(data: bytes | str, cls: type[_M]) -> _M:
    """Proto JSON into a new ``cls``, unknown fields ignored, an ``Any``'s type looked up in the
    SDK's private pool, then the default one.

    Raises:
        json_format.Error: ``data`` is not proto JSON of ``cls``.
    """
    parsed: _M = _json_with_any_pools(
        lambda pool: json_format.Parse(
            data, cls(), ignore_unknown_fields=True, descriptor_pool=pool
        )
    )
    return parsed


class TolerantJSONProtoPayloadConverter(temporalio.converter.JSONProtoPayloadConverter):
    """``json/protobuf`` that ignores unknown fields, and decodes a ``messageType`` this process
    does not know (a newer server's name, or none) into the requested type."""

    def __init__(self) -> None:
        """Ignore unknown fields."""
        super().__init__(ignore_unknown_fields=True)

    def to_payload(self, value: Any) -> _Payload | None:
        """As Temporal's, with ``Any`` fields resolved in the SDK's private pool too."""
        if not isinstance(value, message.Message):
            return None
        document = _json_with_any_pools(
            lambda pool: json_format.MessageToDict(value, descriptor_pool=pool)
        )
        return _Payload(
            metadata={
                "encoding": b"json/protobuf",
                "messageType": value.DESCRIPTOR.full_name.encode(),
            },
            data=json.dumps(document, separators=(",", ":"), sort_keys=True).encode(),
        )

    def from_payload(self, payload: _Payload, type_hint: type | None = None) -> Any:
        """Decode into ``type_hint`` or ``messageType`` (see the class docstring)."""
        cls = _class_for(payload, type_hint)
        try:
            return parse_json_proto(payload.data, cls)
        except json_format.Error as error:
            raise RuntimeError(f"Failed parsing json/protobuf: {error}") from error


class TolerantBinaryProtoPayloadConverter(temporalio.converter.BinaryProtoPayloadConverter):
    """``binary/protobuf`` that decodes a ``messageType`` this process does not know into the
    requested type (unknown fields are kept, as always in binary)."""

    def from_payload(self, payload: _Payload, type_hint: type | None = None) -> Any:
        """Decode into ``messageType``, else ``type_hint`` (see the class docstring)."""
        value = _class_for(payload, type_hint)()
        try:
            value.ParseFromString(payload.data)
        except message.DecodeError as error:
            raise RuntimeError(f"Failed parsing binary/protobuf: {error}") from error
        return value


class GoJSONPlainPayloadConverter(temporalio.converter.JSONPlainPayloadConverter):
    """``json/plain`` that also decodes Go-struct JSON into a requested proto type.

    Any other type hint (or none) is decoded as Temporal's default ``json/plain`` converter does.
    """

    def from_payload(self, payload: _Payload, type_hint: type | None = None) -> Any:
        """See the class docstring."""
        cls = _message_class(type_hint)
        if cls is None:
            return super().from_payload(payload, type_hint)
        try:
            document = json.loads(payload.data)
            return None if document is None else from_go_json(document, cls)
        except (json.JSONDecodeError, UnicodeDecodeError, GoJSONError) as error:
            raise RuntimeError(
                f"Failed parsing json/plain as {cls.DESCRIPTOR.full_name}: {error}"
            ) from error


class StigmerPayloadConverter(temporalio.converter.CompositePayloadConverter):
    """Temporal's default payload converter, decoding every Stigmer completion shape.

    Same encoders, in the same order, as ``temporalio.converter.DefaultPayloadConverter``, so
    what it writes is unchanged; see the module docstring for what it reads.
    """

    def __init__(self) -> None:
        """The default converters, with the tolerant proto and Go-struct JSON decoders."""
        super().__init__(
            temporalio.converter.BinaryNullPayloadConverter(),
            temporalio.converter.BinaryPlainPayloadConverter(),
            TolerantJSONProtoPayloadConverter(),
            TolerantBinaryProtoPayloadConverter(),
            GoJSONPlainPayloadConverter(),
        )


def with_stigmer_payloads(
    converter: temporalio.converter.DataConverter,
) -> temporalio.converter.DataConverter:
    """``converter`` with `StigmerPayloadConverter` as its payload converter (its codec and
    failure converter kept)."""
    return dataclasses.replace(converter, payload_converter_class=StigmerPayloadConverter)


#: Temporal's default data converter with `StigmerPayloadConverter`: pass it as
#: ``Client.connect(..., data_converter=data_converter)``.
data_converter = with_stigmer_payloads(temporalio.converter.DataConverter.default)
