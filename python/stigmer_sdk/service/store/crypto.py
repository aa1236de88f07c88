"""Encryption of callback tokens at rest: AES-256-GCM with key ids, and key configuration.

Keys are configured as ``kid:base64key`` items (`parse_encryption_key`), oldest first:
``STIGMER_ENCRYPTION_KEYS="2025-01:AAEC...=,2026-06:ZmZm...="`` or ``--encryption-key`` given
once per key. The LAST key is the newest: new writes use it, and each row records the id of the
key its token was sealed with. Older keys only decrypt; after `ExecutionStore.rotate_key`
re-encrypted every row under the newest key they can be removed. A key id is 1 to 64 characters
of ``A-Z a-z 0-9 . _ -``. A bare Base64 key (``STIGMER_TOKEN_ENCRYPTION_KEY``, the single-key
form of earlier releases) has the id ``default``.

A 32-byte key: ``python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"``.

Examples:
    >>> keys = load_encryption_keys(
    ...     "old:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,"
    ...     " new:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    ... )
    >>> [key.kid for key in keys]
    ['old', 'new']
    >>> keys[1]
    EncryptionKey(kid='new', key=<32 bytes>)
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from stigmer_sdk.service.store.base import TokenDecryptionError

#: Environment variable holding one bare Base64 token encryption key (key id ``default``).
ENCRYPTION_KEY_ENV = "STIGMER_TOKEN_ENCRYPTION_KEY"

#: Environment variable holding ``kid:base64key`` items, oldest first, separated by commas or
#: whitespace; see `load_encryption_keys`.
ENCRYPTION_KEYS_ENV = "STIGMER_ENCRYPTION_KEYS"

#: Length of the AES-256-GCM key, in bytes.
ENCRYPTION_KEY_BYTES = 32

#: Key id of a key configured without one.
DEFAULT_KEY_ID = "default"

_KID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Envelope of an encrypted token: version byte, 12-byte nonce, ciphertext with its 16-byte tag.
# The key id is a column of the row, not part of the envelope. Version 1 (earlier releases) bound
# the ciphertext to the execution id only; version 2 binds it to its purpose, its key id and its
# row (`associated_data`). Version 1 rows stay readable; rotation re-seals them as version 2.
_ENVELOPE_V1 = b"\x01"
_ENVELOPE_V2 = b"\x02"
#: First byte of what `TokenCipher.seal` writes now.
CURRENT_ENVELOPE = _ENVELOPE_V2
_NONCE_BYTES = 12
_TAG_BYTES = 16
#: What a sealed value is: part of the associated data, so that no other sealed value of the
#: service (of another purpose) can stand in for a callback token.
_PURPOSE = b"stigmer/executions.callback_token/v2"


def associated_data(execution_id: str, kid: str) -> bytes:
    """The AES-GCM associated data of a version 2 envelope: purpose, key id and row id.

    A ciphertext copied to another row, relabelled with another key id, or taken from another
    purpose does not decrypt.

    Examples:
        >>> associated_data("aex_1", "k1")
        b'stigmer/executions.callback_token/v2\\x00k1\\x00aex_1'
    """
    return b"\x00".join((_PURPOSE, kid.encode("utf-8"), execution_id.encode("utf-8")))


@dataclass(frozen=True)
class EncryptionKey:
    """One token encryption key and its id. ``repr`` never shows the key."""

    #: Recorded in each row the key sealed; 1-64 characters of ``A-Z a-z 0-9 . _ -``.
    kid: str
    #: 32 random bytes.
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KID.fullmatch(self.kid):
            raise ValueError(
                f"encryption key id {self.kid!r} must be 1-64 characters of A-Z a-z 0-9 . _ -"
            )
        if len(self.key) != ENCRYPTION_KEY_BYTES:
            raise ValueError(
                f"encryption key {self.kid!r} must be {ENCRYPTION_KEY_BYTES} bytes, "
                f"got {len(self.key)}"
            )

    def __repr__(self) -> str:
        return f"EncryptionKey(kid={self.kid!r}, key=<{len(self.key)} bytes>)"


def load_encryption_key(text: str) -> bytes:
    """Decode the token encryption key from its Base64 text (standard or URL-safe alphabet).

    Examples:
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


def parse_encryption_key(text: str) -> EncryptionKey:
    """Parse one ``kid:base64key`` item; a bare Base64 key gets the id ``default``.

    Examples:
        >>> parse_encryption_key("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").kid
        'k1'
        >>> parse_encryption_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").kid
        'default'

    Raises:
        ValueError: a bad key id, or a key that is not Base64 of 32 bytes. The message names the
            key id, never the key.
    """
    kid, separator, encoded = text.strip().partition(":")
    if not separator:
        kid, encoded = DEFAULT_KEY_ID, text
    if not _KID.fullmatch(kid):
        raise ValueError(
            f"encryption key id {kid[:64]!r} must be 1-64 characters of A-Z a-z 0-9 . _ -; "
            "write each key as kid:base64key"
        )
    try:
        key = load_encryption_key(encoded)
    except ValueError as error:
        raise ValueError(f"encryption key {kid!r}: {error}") from None
    return EncryptionKey(kid, key)


def load_encryption_keys(text: str | Iterable[str]) -> list[EncryptionKey]:
    """Parse ``kid:base64key`` items, oldest first (the last is used for new writes).

    ``text`` is one string of items separated by commas or whitespace, or an iterable of such
    strings (a repeated command line option). Empty input gives no keys.

    Raises:
        ValueError: a bad item, or two keys with one id.
    """
    chunks = [text] if isinstance(text, str) else list(text)
    items = [item for chunk in chunks for item in re.split(r"[\s,]+", chunk) if item]
    keys = [parse_encryption_key(item) for item in items]
    check_unique_key_ids(keys)
    return keys


def encryption_keys_from(
    options: Sequence[str] = (), environ: Mapping[str, str] | None = None
) -> list[EncryptionKey]:
    """The keys a command configures: ``options`` (repeated ``--encryption-key``) if any, else
    `ENCRYPTION_KEYS_ENV`, after the bare `ENCRYPTION_KEY_ENV` key if that is set.

    Raises:
        ValueError: a bad key, or two keys with one id.
    """
    if options:
        return load_encryption_keys(options)
    env = os.environ if environ is None else environ
    keys: list[EncryptionKey] = []
    if env.get(ENCRYPTION_KEY_ENV, "").strip():
        keys.append(EncryptionKey(DEFAULT_KEY_ID, load_encryption_key(env[ENCRYPTION_KEY_ENV])))
    keys.extend(load_encryption_keys(env.get(ENCRYPTION_KEYS_ENV, "")))
    check_unique_key_ids(keys)
    return keys


def check_unique_key_ids(keys: Sequence[EncryptionKey]) -> None:
    """Raise ValueError when two of ``keys`` share an id."""
    seen: set[str] = set()
    for key in keys:
        if key.kid in seen:
            raise ValueError(f"encryption key id {key.kid!r} is configured twice")
        seen.add(key.kid)


def plaintext_token_warning(
    store_url: str, keys: Sequence[EncryptionKey] | bytes | None, *, development: bool = False
) -> str | None:
    """The warning to log on every start when callback tokens are stored in plain text.

    ``None`` when ``keys`` holds a key, in ``development`` (``serve --dev``), and for an in-memory
    SQLite store, which nothing else can read. The text names the store without its password.

    Examples:
        >>> print(plaintext_token_warning("postgresql://svc:pw@db/stigmer", []))
        ... # doctest: +NORMALIZE_WHITESPACE
        Callback tokens are stored in PLAIN TEXT in postgresql://svc@db/stigmer: anyone who can
        read the database can complete the callers' activities. Configure an encryption key
        (--encryption-key kid:base64key or STIGMER_ENCRYPTION_KEYS), then run
        `stigmer-sdk store encrypt` to encrypt the tokens already stored.
        >>> plaintext_token_warning("sqlite://", []) is None
        True
    """
    if keys or development:
        return None
    if store_url.partition("://")[0].lower() == "sqlite" and store_url[len("sqlite://") :] in (
        "",
        ":memory:",
        "/:memory:",
    ):
        return None
    return (
        f"Callback tokens are stored in PLAIN TEXT in {redact_url(store_url)}: anyone who can "
        "read the database can complete the callers' activities. Configure an encryption key "
        f"(--encryption-key kid:base64key or {ENCRYPTION_KEYS_ENV}), then run "
        "`stigmer-sdk store encrypt` to encrypt the tokens already stored."
    )


def redact_url(url: str) -> str:
    """``url`` without the password of its user part.

    >>> redact_url("postgresql://svc:secret@db:5432/stigmer?sslmode=require")
    'postgresql://svc@db:5432/stigmer?sslmode=require'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=user + host).geturl()


class TokenCipher:
    """Seals tokens for storage and opens them again; plain pass-through without keys.

    The last key of ``keys`` seals; any of them opens the rows that recorded its id. A row
    sealed before key ids were recorded (no id) is opened with whichever key authenticates it.
    With keys configured, a row marked plain is refused (a downgrade: whoever can write the
    database could otherwise plant any token); `ExecutionStore.rotate_key`
    (``stigmer-sdk store encrypt``) encrypts such rows.
    """

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        check_unique_key_ids(keys)
        self._aeads = {key.kid: AESGCM(key.key) for key in keys}
        #: Id of the key new writes use; ``None`` without keys.
        self.write_kid: str | None = keys[-1].kid if keys else None

    @property
    def kids(self) -> tuple[str, ...]:
        """Ids of the configured keys, oldest first."""
        return tuple(self._aeads)

    def seal(self, execution_id: str, token: bytes) -> tuple[bytes, bool, str | None]:
        """The stored form of ``token``, whether it is encrypted, and the key id."""
        if not token or self.write_kid is None:
            return token, False, None
        nonce = os.urandom(_NONCE_BYTES)
        aad = associated_data(execution_id, self.write_kid)
        sealed = self._aeads[self.write_kid].encrypt(nonce, token, aad)
        return _ENVELOPE_V2 + nonce + sealed, True, self.write_kid

    def open(
        self,
        execution_id: str,
        stored: bytes,
        encrypted: bool,
        kid: str | None,
        *,
        allow_plain: bool = False,
    ) -> bytes:
        """The raw token from its stored form.

        Raises:
            TokenDecryptionError: the token cannot be decrypted, or it is stored in plain text
                while keys are configured (unless ``allow_plain``: the rotation that encrypts it).
        """
        if not encrypted:
            if stored and self._aeads and not allow_plain:
                raise TokenDecryptionError(
                    f"callback token of execution {execution_id!r} is stored in plain text, but "
                    "encryption keys are configured: refused (a row from before encryption was "
                    "switched on, or a downgrade); run `stigmer-sdk store encrypt` to encrypt "
                    "the plain rows"
                )
            return stored
        if not self._aeads:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} is encrypted, but the store was "
                f"opened without an encryption key (set {ENCRYPTION_KEYS_ENV} or "
                f"{ENCRYPTION_KEY_ENV})"
            )
        version = stored[:1]
        if len(stored) < 1 + _NONCE_BYTES + _TAG_BYTES or version not in (
            _ENVELOPE_V1,
            _ENVELOPE_V2,
        ):
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} has an unknown encrypted format"
            )
        if kid is not None and kid not in self._aeads:
            raise TokenDecryptionError(
                f"callback token of execution {execution_id!r} is encrypted with key id "
                f"{kid!r}, which is not configured (configured: {', '.join(self._aeads)})"
            )
        candidates = [kid] if kid is not None else list(self._aeads)
        nonce, sealed = stored[1 : 1 + _NONCE_BYTES], stored[1 + _NONCE_BYTES :]
        for candidate in candidates:
            aad = (
                execution_id.encode("utf-8")  # version 1: the row id only
                if version == _ENVELOPE_V1
                else associated_data(execution_id, candidate)
            )
            try:
                return self._aeads[candidate].decrypt(nonce, sealed, aad)
            except InvalidTag:
                continue
        raise TokenDecryptionError(
            f"callback token of execution {execution_id!r} cannot be decrypted: wrong "
            "encryption key, or the ciphertext was altered or copied from another execution"
        )
