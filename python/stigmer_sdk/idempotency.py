"""Idempotency keys that make a retried caller activity safe.

A retried activity gets a new task token, so a retry that sent a second ``create`` would start a
second agent. The key is derived from the activity (namespace, workflow id, run id, activity id),
not from the attempt: every attempt sends the same key with its own token, and the service moves
the existing execution to the newest token instead of starting another run.

The key travels twice, so that it survives proxies that drop metadata and stores that drop
annotations: as gRPC request metadata `IDEMPOTENCY_METADATA_KEY` and as the execution
annotation `IDEMPOTENCY_ANNOTATION`.

The key also names the execution when the caller gave it no ``metadata.name``
(`execution_name`), since the deployed Stigmer service refuses a nameless resource: every
attempt then sends the same name too.

Examples:
    >>> idempotency_key("default", "wf-1", "run-1", "1")
    'v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6'
    >>> execution_name(idempotency_key("default", "wf-1", "run-1", "1"))
    'exec-f5fdba99bcea2eb1aa06'
"""

from __future__ import annotations

import hashlib

from stigmer_sdk import _contract

#: gRPC request metadata carrying the key on ``create``.
IDEMPOTENCY_METADATA_KEY = _contract.HEADER_IDEMPOTENCY_KEY

#: ``metadata.annotations`` entry carrying the key on the execution itself.
IDEMPOTENCY_ANNOTATION = _contract.ANNOTATION_IDEMPOTENCY_KEY

_SEPARATOR = "\x1f"  # ASCII unit separator: cannot be confused with id characters.


def idempotency_key(namespace: str, workflow_id: str, run_id: str, activity_id: str) -> str:
    """Derive the key of one activity, identical in the Python, Go and Java SDKs.

    ``"v1:" + hex(SHA-256(namespace US workflow_id US run_id US activity_id))``, where US is the
    ASCII unit separator and the text is UTF-8.
    """
    material = _SEPARATOR.join((namespace, workflow_id, run_id, activity_id)).encode("utf-8")
    return "v1:" + hashlib.sha256(material).hexdigest()


#: Prefix of the names `execution_name` derives.
EXECUTION_NAME_PREFIX = _contract.EXECUTION_NAME_PREFIX
_NAME_HEX_CHARS = _contract.EXECUTION_NAME_HEX_CHARS


def execution_name(key: str) -> str:
    """The ``metadata.name`` the SDK gives a nameless execution created under ``key``.

    ``"exec-" + the first 20 lowercase hex characters of SHA-256(key, UTF-8)``, identical in the
    Python, Go and Java SDKs. Deterministic, so a retried attempt names the same execution; a
    valid slug as it stands (lowercase letters, digits and one hyphen).
    """
    return EXECUTION_NAME_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:_NAME_HEX_CHARS]
