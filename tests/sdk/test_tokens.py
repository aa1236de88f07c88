"""TaskToken, previews and idempotency keys."""

from __future__ import annotations

import base64

import pytest

from stigmer_sdk import (
    DEFAULT_MAX_TOKEN_BYTES,
    EmptyTokenError,
    MalformedTokenError,
    TaskToken,
    TokenTooLargeError,
    idempotency_key,
    token_preview,
)

from helpers.fixtures import varint


def _field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def _temporal_like_token(**extra: bytes | int) -> bytes:
    return (
        _field(1, b"5a6f-namespace-uuid")
        + _field(2, b"order-workflow")
        + _field(3, b"run-7")
        + _field(4, 5)
        + _field(5, 2)
        + _field(6, b"1")
        + _field(7, b"OrderWorkflow")
        + _field(8, b"run_agent")
        + b"".join(_field(int(k[1:]), v) for k, v in extra.items())
    )


def test_preview_is_first_20_base64_characters() -> None:
    token = bytes(range(200))
    assert token_preview(token) == base64.b64encode(token).decode()[:20] + "..."


def test_preview_of_short_token_never_shows_it_whole() -> None:
    assert token_preview(b"abcdefghijklmno") == "YWJjZGVmZ2..."  # 20 Base64 chars -> 10
    assert token_preview(b"a") == "YQ..."  # "YQ==" -> 2
    assert token_preview(b"") == "<empty>"


def test_task_token_shows_only_its_preview() -> None:
    raw = bytes(range(100))
    token = TaskToken(raw)
    full = base64.b64encode(raw).decode()
    assert full not in repr(token)
    assert full not in str(token)
    assert len(token) == 100
    assert token.raw == raw


def test_validate_rejects_empty_oversize_and_garbage() -> None:
    with pytest.raises(EmptyTokenError):
        TaskToken(b"").validate()
    big = _temporal_like_token() + _field(99, b"x" * DEFAULT_MAX_TOKEN_BYTES)
    with pytest.raises(TokenTooLargeError, match="above the limit of 65536"):
        TaskToken(big).validate()
    with pytest.raises(MalformedTokenError) as raised:
        TaskToken(b"\xff\xff\xff garbage").validate()
    assert base64.b64encode(b"\xff\xff\xff garbage").decode() not in str(raised.value)
    TaskToken(_temporal_like_token()).validate()


def test_truncated_token_is_malformed() -> None:
    token = _temporal_like_token()
    with pytest.raises(MalformedTokenError):
        TaskToken(token[:-3]).validate()


def test_inspect_reads_the_activity_and_ignores_unknown_fields() -> None:
    info = TaskToken(_temporal_like_token(f12=b"\x08\x01", f99=7)).inspect()
    assert info is not None
    assert info.namespace_id == "5a6f-namespace-uuid"
    assert info.workflow_id == "order-workflow"
    assert info.run_id == "run-7"
    assert info.scheduled_event_id == 5
    assert info.attempt == 2
    assert info.activity_id == "1"
    assert info.workflow_type == "OrderWorkflow"
    assert info.activity_type == "run_agent"


def test_inspect_tolerates_missing_fields_and_garbage() -> None:
    partial = TaskToken(_field(2, b"only-workflow")).inspect()
    assert partial is not None
    assert (partial.workflow_id, partial.run_id, partial.attempt) == ("only-workflow", "", 0)
    assert TaskToken(b"\xff\xff\xff").inspect() is None


def test_from_base64_accepts_standard_urlsafe_and_unpadded() -> None:
    raw = bytes([0xFB, 0xFF, 0x01, 0x02])
    assert TaskToken.from_base64(base64.b64encode(raw).decode()).raw == raw
    assert TaskToken.from_base64(base64.urlsafe_b64encode(raw).decode().rstrip("=")).raw == raw
    with pytest.raises(MalformedTokenError):
        TaskToken.from_base64("not base64 at all!")


def test_from_argument_reads_files(tmp_path) -> None:
    raw = _temporal_like_token()
    (tmp_path / "raw.bin").write_bytes(raw)
    (tmp_path / "text.b64").write_text(base64.b64encode(raw).decode() + "\n")
    assert TaskToken.from_argument(f"@{tmp_path / 'raw.bin'}").raw == raw
    assert TaskToken.from_argument(f"@{tmp_path / 'text.b64'}").raw == raw


def test_idempotency_key_depends_on_activity_not_attempt() -> None:
    key = idempotency_key("default", "wf-1", "run-1", "1")
    assert key == "v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6"
    assert idempotency_key("default", "wf-1", "run-1", "2") != key
    assert idempotency_key("other", "wf-1", "run-1", "1") != key
    # The separator keeps shifted boundaries apart.
    assert idempotency_key("default", "wf-1r", "un-1", "1") != key


def test_short_token_digest_is_the_first_12_hex_of_sha256() -> None:
    import hashlib

    from stigmer_sdk import short_token_digest

    raw = bytes(range(200))
    assert short_token_digest(raw) == hashlib.sha256(raw).hexdigest()[:12]
    assert TaskToken(raw).digest() == short_token_digest(raw)
    # Tokens that share a preview (same first bytes) have different digests.
    other = raw[:-1] + b"\x00"
    assert TaskToken(other).preview() == TaskToken(raw).preview()
    assert short_token_digest(other) != short_token_digest(raw)
