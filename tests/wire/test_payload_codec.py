"""The encrypting payload codec and the service's binary payload converter."""

from __future__ import annotations

import os
import uuid

import pytest
import temporalio.api.common.v1
import temporalio.client
import temporalio.converter
from temporalio.client import WorkflowFailureError
from temporalio.worker import Worker

from stigmer_sdk import AgentExecution, AgentExecutionSpec
from stigmer_sdk.converter import with_stigmer_payloads
from stigmer_sdk.sandbox import sandboxed_workflow_runner
from stigmer_sdk.service.codec import (
    ENCRYPTED_ENCODING,
    KEY_ID_METADATA,
    EncryptingPayloadCodec,
    PayloadDecryptionError,
    ServicePayloadConverter,
)
from stigmer_sdk.system_activity import SystemActivities

from helpers.workflows import InnerAgentWorkflow


def _payload(data: bytes) -> temporalio.api.common.v1.Payload:
    return temporalio.api.common.v1.Payload(metadata={"encoding": b"binary/plain"}, data=data)


async def test_round_trip_with_the_newest_key_and_old_keys_still_decrypt() -> None:
    old, new = os.urandom(32), os.urandom(32)
    before = EncryptingPayloadCodec({"2025": old})
    after = EncryptingPayloadCodec({"2025": old, "2026": new})
    sealed_before = await before.encode([_payload(b"secret one")])
    sealed_after = await after.encode([_payload(b"secret two")])

    assert sealed_after[0].metadata[KEY_ID_METADATA] == b"2026"
    assert sealed_after[0].metadata["encoding"] == ENCRYPTED_ENCODING
    assert b"secret" not in sealed_after[0].data
    assert await after.decode([*sealed_before, *sealed_after]) == [
        _payload(b"secret one"),
        _payload(b"secret two"),
    ]
    # Unencrypted payloads (written before the codec was installed) pass through.
    assert await after.decode([_payload(b"plain")]) == [_payload(b"plain")]


async def test_unknown_key_wrong_key_and_tampering_are_refused() -> None:
    codec = EncryptingPayloadCodec({"k1": os.urandom(32)})
    (sealed,) = await codec.encode([_payload(b"x")])
    with pytest.raises(PayloadDecryptionError, match="no key with id b'k1'"):
        await EncryptingPayloadCodec({"k2": os.urandom(32)}).decode([sealed])
    with pytest.raises(PayloadDecryptionError, match="cannot be decrypted"):
        await EncryptingPayloadCodec({"k1": os.urandom(32)}).decode([sealed])
    tampered = temporalio.api.common.v1.Payload()
    tampered.CopyFrom(sealed)
    tampered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadDecryptionError):
        await codec.decode([tampered])
    relabelled = temporalio.api.common.v1.Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[KEY_ID_METADATA] = b"k2"
    with pytest.raises(PayloadDecryptionError):
        await EncryptingPayloadCodec({"k1": os.urandom(32), "k2": os.urandom(32)}).decode(
            [relabelled]
        )


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        EncryptingPayloadCodec({})
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptingPayloadCodec({"k": b"short"})
    with pytest.raises(ValueError, match="not among the keys"):
        EncryptingPayloadCodec({"k": os.urandom(32)}, active_key_id="other")


def test_the_service_converter_writes_messages_and_bytes_in_binary() -> None:
    converter = ServicePayloadConverter()
    execution = AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m"))
    message, raw, record = converter.to_payloads([execution, b"\x00\x01", {"n": 1}])
    assert message.metadata["encoding"] == b"binary/protobuf"
    assert raw.metadata["encoding"] == b"binary/plain"
    assert raw.data == b"\x00\x01"
    assert record.metadata["encoding"] == b"json/plain"
    # json/protobuf is still read, unknown fields ignored (a newer runner's status).
    json_payload = temporalio.converter.JSONProtoPayloadConverter().to_payload(execution)
    assert json_payload is not None
    json_payload.data = json_payload.data[:-1] + b', "fieldFromTheFuture": 1}'
    (decoded,) = converter.from_payloads([json_payload], [AgentExecution])
    assert decoded == execution


@pytest.mark.integration
async def test_with_the_codec_the_system_activity_input_keeps_the_token_out_of_history(
    temporal_client: temporalio.client.Client,
) -> None:
    token = b"\x0a\x30" + uuid.uuid4().bytes * 3 + b"a token in a system activity input"
    config = temporal_client.config()
    config["data_converter"] = with_stigmer_payloads(
        temporalio.converter.DataConverter(
            payload_codec=EncryptingPayloadCodec({"k1": os.urandom(32)})
        )
    )
    encrypted = temporalio.client.Client(**config)
    queue = f"codec-{uuid.uuid4().hex[:8]}"
    async with Worker(
        encrypted,
        task_queue=queue,
        workflows=[InnerAgentWorkflow],
        activities=SystemActivities(encrypted).activities(),
        workflow_runner=sandboxed_workflow_runner(),
    ):
        handles = []
        for client in (encrypted, temporal_client):
            handle = await client.start_workflow(
                InnerAgentWorkflow.run,
                args=[AgentExecution(spec=AgentExecutionSpec(agent_id="a", message="m")), token],
                id=f"codec-{uuid.uuid4()}",
                task_queue=queue,
            )
            with pytest.raises(WorkflowFailureError):  # a made-up token: INVALID_TOKEN
                await handle.result()
            handles.append(handle)
    histories = []
    for handle in handles:
        events = [event async for event in handle.fetch_history_events()]
        histories.append(b"".join(event.SerializeToString() for event in events))
    with_codec, without_codec = histories
    assert token[10:] in without_codec  # the control: the input carries it
    assert token[10:] not in with_codec
    assert ENCRYPTED_ENCODING in with_codec
