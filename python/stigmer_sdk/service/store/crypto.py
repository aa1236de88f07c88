"""Encryption of callback tokens at rest (AES-256-GCM)."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stigmer_sdk.service.store.base import TokenDecryptionError

#: Environment variable holding the Base64 token encryption key; see :func:`load_encryption_key`.
ENCRYPTION_KEY_ENV = "STIGMER_TOKEN_ENCRYPTION_KEY"

#: Length of the AES-256-GCM key, in bytes.
ENCRYPTION_KEY_BYTES = 32


def load_encryption_key(text: str) -> bytes:
    """Decode the token encryption key from its Base64 text (standard or URL-safe alphabet).

    Generate one with ``python -c "import base64, os; print(base64.b64encode(os.urandom(32)))"``.

    Example:
        >>> len(load_encryption_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="))
        32

    Raises:
        ValueError: the text is not Base64 of exactly 32 bytes. The message never repeats it.
    """
    cleaned = "".join(text.split()).translate(str.maketrans("-_", "+/"))
    try:
        key = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(
            f"{ENCRYPTION_KEY_ENV} must be Base64 of {ENCRYPTION_KEY_BYTES} random bytes; "
            "it is not valid Base64"
        ) from None
    if len(key) != ENCRYPTION_KEY_BYTES:
        raise ValueError(
            f"{ENCRYPTION_KEY_ENV} must be Base64 of {ENCRYPTION_KEY_BYTES} random bytes; "
            f"it decodes to {len(key)} bytes"
        )
    return key


# Envelope of an encrypted token: version byte, 12-byte nonce, ciphertext with its 16-byte tag.
_ENVELOPE_V1 = b"\x01"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class TokenCipher:
    """Seals tokens for storage and opens them again; plain pass-through without a key."""

    def __init__(self, key: bytes | None) -> None:
        self._aead = AESGCM(key) if key is not None else None

    def seal(self, execution_id: str, token: bytes) -> tuple[bytes, bool]:
        """The stored form of ``token`` and whether it is encrypted."""
        if not token or self._aead is None:
            return token, False
        nonce = os.urandom(_NONCE_BYTES)
        # The id as associated data: a ciphertext copied to another row does not decrypt.
        sealed = self._aead.encrypt(nonce, token, execution_id.encode("utf-8"))
        return _ENVELOPE_V1 + nonce + sealed, True

    def open(self, execution_id: str, stored: bytes, encrypted: bool) -> bytes:
        """The raw token from its stored form."""
        if not encrypted:
            return stored
        if self._aead is None:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} is encrypted, but the store was "
                f"opened without an encryption key (set {ENCRYPTION_KEY_ENV})"
            )
        if len(stored) < 1 + _NONCE_BYTES + _TAG_BYTES or stored[:1] != _ENVELOPE_V1:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} has an unknown encrypted format"
            )
        nonce = stored[1 : 1 + _NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, stored[1 + _NONCE_BYTES :], execution_id.encode())
        except InvalidTag:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} cannot be decrypted: wrong "
                "encryption key, or the ciphertext was altered or copied from another execution"
            ) from None
