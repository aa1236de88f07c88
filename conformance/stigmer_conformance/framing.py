"""Length-prefixed protobuf frames: a 4-byte big-endian length, then the message."""

from __future__ import annotations

import asyncio
import struct
from typing import BinaryIO, TypeVar

from google.protobuf import message

_M = TypeVar("_M", bound=message.Message)
_HEADER = struct.Struct(">I")
#: Largest frame accepted; a vector or response is far smaller.
MAX_FRAME = 64 * 1024 * 1024


class FrameError(Exception):
    """The stream ended inside a frame, or a frame is too large."""


def encode_frame(value: message.Message) -> bytes:
    """One frame holding ``value``."""
    data = value.SerializeToString()
    return _HEADER.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader, message_type: type[_M]) -> _M | None:
    """The next message, or ``None`` at a clean end of stream."""
    header = await reader.read(_HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        header += await reader.readexactly(_HEADER.size - len(header))
    (length,) = _HEADER.unpack(header)
    if length > MAX_FRAME:
        raise FrameError(f"frame of {length} bytes is over the limit")
    try:
        data = await reader.readexactly(length)
    except asyncio.IncompleteReadError as error:
        raise FrameError("stream ended inside a frame") from error
    return message_type.FromString(data)


def read_frame_sync(stream: BinaryIO, message_type: type[_M]) -> _M | None:
    """Blocking :func:`read_frame`, for executables that read stdin in a thread."""
    header = stream.read(_HEADER.size)
    if not header:
        return None
    if len(header) < _HEADER.size:
        raise FrameError("stream ended inside a frame header")
    (length,) = _HEADER.unpack(header)
    data = stream.read(length)
    if len(data) < length:
        raise FrameError("stream ended inside a frame")
    return message_type.FromString(data)
