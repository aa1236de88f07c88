"""Task token tools: preview, validation and diagnostic inspection.

A Temporal task token is a bearer credential: whoever holds it can complete the activity it was
issued for. This module is the one place that renders a token for humans, and it only ever renders
a preview (the first 20 Base64 characters and ``...``). `TaskToken` keeps the raw bytes for
the completion call but never shows them in ``repr``, ``str`` or exceptions.

Examples:
    >>> token = TaskToken(bytes(range(64)))
    >>> token.preview()
    'AAECAwQFBgcICQoLDA0O...'
    >>> len(token)
    64
    >>> token
    TaskToken(length=64, preview='AAECAwQFBgcICQoLDA0O...')
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from stigmer_sdk import _contract
from stigmer_sdk.errors import EmptyTokenError, MalformedTokenError, TokenTooLargeError

#: Largest token accepted by default. Real Temporal tokens are a few hundred bytes.
DEFAULT_MAX_TOKEN_BYTES = _contract.MAX_TOKEN_BYTES

#: How many Base64 characters a preview shows.
PREVIEW_CHARS = _contract.TOKEN_PREVIEW_CHARS

_EMPTY_PREVIEW = "<empty>"


def token_digest(token: bytes) -> str:
    """Hex SHA-256 of ``token``: tells two tokens apart without carrying either.

    For bookkeeping (which token a completion went to). Logs carry the short form,
    `short_token_digest`, beside the preview.

    >>> token_digest(b"")[:16]
    'e3b0c44298fc1c14'
    >>> token_digest(b"a") == token_digest(b"a") != token_digest(b"b")
    True
    """
    return hashlib.sha256(token).hexdigest()


#: How many hex characters of the SHA-256 the short digest keeps.
SHORT_DIGEST_CHARS = _contract.TOKEN_DIGEST_CHARS


def short_token_digest(token: bytes) -> str:
    """The ``token_digest`` log field: the first 12 lowercase hex characters of SHA-256(token).

    Logged beside every ``token_preview`` (identical in the Python, Go and Java SDKs), so one
    token can be followed from the caller's log through the service's to the completion's, and
    two tokens with the same preview (the same workflow, a retried attempt) told apart. 48 bits
    of a hash reveal nothing usable about the token.

    >>> short_token_digest(b"")
    'e3b0c44298fc'
    >>> short_token_digest(b"abc")
    'ba7816bf8f01'
    """
    return token_digest(token)[:SHORT_DIGEST_CHARS]


def token_preview(token: bytes) -> str:
    """Return the loggable preview of a token: its first 20 Base64 characters and ``...``.

    A token whose Base64 form has 20 characters or fewer shows only the first half of it, so a
    short token is never shown whole. The empty token previews as ``<empty>``.

    Examples:
        >>> token_preview(b"\\x00" * 30)
        'AAAAAAAAAAAAAAAAAAAA...'
        >>> token_preview(b"abc")
        'YW...'
        >>> token_preview(b"")
        '<empty>'
    """
    if not token:
        return _EMPTY_PREVIEW
    encoded = base64.b64encode(token).decode("ascii")
    shown = PREVIEW_CHARS if len(encoded) > PREVIEW_CHARS else len(encoded) // 2
    return encoded[:shown] + "..."


@dataclass(frozen=True)
class TokenInfo:
    """What a Temporal task token says about the activity it belongs to.

    For diagnostics and correlation only: the token format is internal to Temporal, so any field
    may be missing (empty or zero) in tokens from other server versions.
    """

    namespace_id: str = ""
    workflow_id: str = ""
    run_id: str = ""
    scheduled_event_id: int = 0
    attempt: int = 0
    activity_id: str = ""
    workflow_type: str = ""
    activity_type: str = ""


# Field numbers of temporal.server.api.token.v1.Task.
_STRING_FIELDS = {
    1: "namespace_id",
    2: "workflow_id",
    3: "run_id",
    6: "activity_id",
    7: "workflow_type",
    8: "activity_type",
}
_INT_FIELDS = {4: "scheduled_event_id", 5: "attempt"}


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _parse_fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """Walk the protobuf wire format; raise ValueError where it is not well formed."""
    fields: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        value: int | bytes
        if wire_type == 0:
            value, pos = _read_varint(data, pos)
        elif wire_type == 1:
            value, pos = int.from_bytes(data[pos : pos + 8], "little"), pos + 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            value, pos = data[pos : pos + length], pos + length
        elif wire_type == 5:
            value, pos = int.from_bytes(data[pos : pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
        if pos > len(data):
            raise ValueError("field runs past the end of the token")
        fields.append((number, value))
    return fields


class TaskToken:
    """A Temporal task token that only ever shows its preview.

    Examples:
        >>> token = TaskToken.from_base64("CgdkZWZhdWx0EgR3Zi0x")
        >>> token.inspect().workflow_id
        'wf-1'
        >>> str(token)
        'CgdkZWZhdW...'
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: bytes) -> None:
        """Wrap raw token bytes, exactly as Temporal issued them."""
        self._raw = bytes(raw)

    @classmethod
    def from_base64(cls, text: str) -> TaskToken:
        """Decode a token from standard or URL-safe Base64, as operators copy it from tools.

        Raises:
            MalformedTokenError: the text is not Base64.
        """
        cleaned = "".join(text.split())
        # URL-safe text is translated first, so both alphabets get the strict check.
        standard = cleaned.translate(str.maketrans("-_", "+/"))
        padded = standard + "=" * (-len(standard) % 4)
        try:
            return cls(base64.b64decode(padded, validate=True))
        except (binascii.Error, ValueError) as error:
            raise MalformedTokenError("token is not valid Base64") from error

    @classmethod
    def from_argument(cls, argument: str) -> TaskToken:
        """Read a token the way the CLI takes it: Base64 text, or ``@path`` to a file.

        The file may hold the raw token bytes or its Base64 text.
        """
        if not argument.startswith("@"):
            return cls.from_base64(argument)
        data = Path(argument[1:]).read_bytes()
        try:
            return cls.from_base64(data.decode("ascii"))
        except (UnicodeDecodeError, MalformedTokenError):
            return cls(data)

    @property
    def raw(self) -> bytes:
        """The raw bytes, for the completion call only. Never log them."""
        return self._raw

    def __len__(self) -> int:
        return len(self._raw)

    def __bool__(self) -> bool:
        return bool(self._raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaskToken) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    def __repr__(self) -> str:
        return f"TaskToken(length={len(self._raw)}, preview={self.preview()!r})"

    def __str__(self) -> str:
        return self.preview()

    def preview(self) -> str:
        """The loggable preview; see `token_preview`."""
        return token_preview(self._raw)

    def digest(self) -> str:
        """The loggable short digest; see `short_token_digest`."""
        return short_token_digest(self._raw)

    def validate(self, max_bytes: int = DEFAULT_MAX_TOKEN_BYTES) -> None:
        """Check that the token is non-empty, at most ``max_bytes`` long and well formed.

        Well formed means it parses as protobuf wire format, which every Temporal task token does;
        field contents are not checked (see `inspect`).

        Raises:
            EmptyTokenError: the token is empty.
            TokenTooLargeError: the token is longer than ``max_bytes``.
            MalformedTokenError: the token is not protobuf wire format.
        """
        if not self._raw:
            raise EmptyTokenError("task token is empty")
        if len(self._raw) > max_bytes:
            raise TokenTooLargeError(
                f"task token is {len(self._raw)} bytes, above the limit of {max_bytes}"
            )
        try:
            _parse_fields(self._raw)
        except ValueError as error:
            raise MalformedTokenError(
                f"task token {self.preview()} is not decodable: {error}"
            ) from error

    def inspect(self) -> TokenInfo | None:
        """Decode what the token says about its activity, or ``None`` if it cannot be decoded.

        Tolerates unknown and missing fields, and never raises: the format is internal to
        Temporal and may change between server versions.
        """
        try:
            fields = _parse_fields(self._raw)
        except ValueError:
            return None
        values: dict[str, str | int] = {}
        for number, value in fields:
            if number in _STRING_FIELDS and isinstance(value, bytes):
                values[_STRING_FIELDS[number]] = value.decode("utf-8", errors="replace")
            elif number in _INT_FIELDS and isinstance(value, int):
                # int64/int32 varints: fold back two's-complement negatives.
                values[_INT_FIELDS[number]] = value - (1 << 64) if value >= 1 << 63 else value
        return TokenInfo(**values)  # type: ignore[arg-type]
