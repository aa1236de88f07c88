"""How the service's workflow I/O is written into Temporal payloads, and a payload codec.

`ServicePayloadConverter` writes protobuf messages as ``binary/protobuf`` (the default
converter writes ``json/protobuf``) and ``bytes`` as ``binary/plain``; it reads every encoding the
default converter reads, ignoring unknown protobuf fields (a newer runner may send fields this
SDK does not know). The service's workers run on a client with `service_data_converter`.

`EncryptingPayloadCodec` encrypts every payload with AES-GCM under a key id written into
the payload's metadata. Use it on every client and worker of a service that schedules the
cross-language system activity (``stigmer/system/complete-external-activity``), whose input
carries the caller's callback token by contract: with the codec, Temporal's history and
database hold only ciphertext. The reference service's own workflow never puts a token into
history, so it does not need the codec. See ``docs/payload-codec.md``.

Examples:
    >>> codec = EncryptingPayloadCodec({"k1": bytes(32)})
    >>> import asyncio, temporalio.api.common.v1
    >>> payload = temporalio.api.common.v1.Payload(metadata={"encoding": b"binary/plain"}, data=b"x")
    >>> sealed = asyncio.run(codec.encode([payload]))
    >>> sealed[0].metadata["encryption-key-id"], sealed[0].data == b"x"
    (b'k1', False)
    >>> asyncio.run(codec.decode(sealed))[0] == payload
    True
"""  # noqa: E501

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import temporalio.api.common.v1
import temporalio.converter
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stigmer_sdk.converter import (
    TolerantBinaryProtoPayloadConverter,
    TolerantJSONProtoPayloadConverter,
)

#: Largest serialized ``spec`` ``create`` accepts. It leaves room under Temporal's 2 MiB payload
#: limit for the execution's metadata and a status as large again as half a MiB (the delivered
#: execution carries both the spec and the status).
MAX_SPEC_BYTES = 1024 * 1024

#: Temporal's default limit on one payload (``limit.blobSize.error``).
TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024

#: ``encoding`` metadata of an encrypted payload.
ENCRYPTED_ENCODING = b"binary/encrypted"
#: Metadata naming the key a payload was encrypted with.
KEY_ID_METADATA = "encryption-key-id"

_NONCE_BYTES = 12


class ServicePayloadConverter(temporalio.converter.CompositePayloadConverter):
    """Binary first: protobuf messages as ``binary/protobuf``, bytes as ``binary/plain``.

    Decoding accepts ``json/protobuf`` too (unknown fields ignored) and plain JSON.
    """

    def __init__(self) -> None:
        super().__init__(
            temporalio.converter.BinaryNullPayloadConverter(),
            temporalio.converter.BinaryPlainPayloadConverter(),
            # The SDK's proto converters: its messages live in a private descriptor pool, which
            # Temporal's own do not search (docs/handshake-contract.md).
            TolerantBinaryProtoPayloadConverter(),
            TolerantJSONProtoPayloadConverter(),
            temporalio.converter.JSONPlainPayloadConverter(),
        )


def service_data_converter(
    payload_codec: temporalio.converter.PayloadCodec | None = None,
) -> temporalio.converter.DataConverter:
    """The data converter of the service's workers (optionally with a payload codec)."""
    return temporalio.converter.DataConverter(
        payload_converter_class=ServicePayloadConverter, payload_codec=payload_codec
    )


class PayloadDecryptionError(Exception):
    """A payload could not be decrypted: unknown key id, wrong key, or altered ciphertext."""


class EncryptingPayloadCodec(temporalio.converter.PayloadCodec):
    """AES-GCM encryption of whole payloads, with a key id in each payload's metadata.

    Args:
        keys: key id to 32-byte AES key. Every key can decrypt; keep retired keys here as long as
            histories encrypted with them are read.
        active_key_id: the key new payloads are encrypted with; the last of ``keys`` by default
            (the newest, when the mapping lists keys oldest first).

    The key id is also the associated data, so a ciphertext relabelled with another id fails.
    """

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str | None = None) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes, not {len(key)}")
            if not key_id or not key_id.isascii():
                raise ValueError(f"key id {key_id!r} must be non-empty ASCII")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active_key_id = active_key_id or list(keys)[-1]
        if self.active_key_id not in self._keys:
            raise ValueError(f"active key {self.active_key_id!r} is not among the keys")

    async def encode(
        self, payloads: Sequence[temporalio.api.common.v1.Payload]
    ) -> list[temporalio.api.common.v1.Payload]:
        """Encrypt each payload (metadata included) with the active key."""
        key_id = self.active_key_id.encode()
        aead = self._keys[self.active_key_id]
        sealed = []
        for payload in payloads:
            nonce = os.urandom(_NONCE_BYTES)
            data = nonce + aead.encrypt(nonce, payload.SerializeToString(), key_id)
            sealed.append(
                temporalio.api.common.v1.Payload(
                    metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: key_id}, data=data
                )
            )
        return sealed

    async def decode(
        self, payloads: Sequence[temporalio.api.common.v1.Payload]
    ) -> list[temporalio.api.common.v1.Payload]:
        """Decrypt encrypted payloads; pass others (written without the codec) through."""
        opened = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCRYPTED_ENCODING:
                opened.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID_METADATA, b"")
            aead = self._keys.get(key_id.decode(errors="replace"))
            if aead is None:
                raise PayloadDecryptionError(f"no key with id {key_id!r} to decrypt a payload")
            nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
            try:
                plain = aead.decrypt(nonce, sealed, key_id)
            except InvalidTag:
                raise PayloadDecryptionError(
                    f"payload encrypted with key {key_id!r} cannot be decrypted: wrong key, or "
                    "the ciphertext was altered"
                ) from None
            opened.append(temporalio.api.common.v1.Payload.FromString(plain))
        return opened


__all__ = [
    "ENCRYPTED_ENCODING",
    "KEY_ID_METADATA",
    "MAX_SPEC_BYTES",
    "TEMPORAL_PAYLOAD_LIMIT_BYTES",
    "EncryptingPayloadCodec",
    "PayloadDecryptionError",
    "ServicePayloadConverter",
    "service_data_converter",
]
