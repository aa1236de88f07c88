"""The service's logic without gRPC: the create pipeline and the queries raise typed refusals,
and the edge maps every refusal to its status code and ``google.rpc`` details."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import grpc
import pytest
import temporalio.client
import temporalio.service
from google.rpc import error_details_pb2

from stigmer_sdk._execution import API_VERSION, ExecutionKind, ExecutionPhase
from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution
from stigmer_sdk.api.agentic.agentexecution.v1.spec_pb2 import AgentExecutionSpec
from stigmer_sdk.service import instance as instance_module
from stigmer_sdk.service import refusals
from stigmer_sdk.service.auth import ANONYMOUS, Principal, Role
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.executions import ExecutionUpdates
from stigmer_sdk.service.instance import ExecutionService
from stigmer_sdk.service.servicer import ERROR_DOMAIN, REFUSAL_CODES, refusal_status
from stigmer_sdk.service.store import ExecutionStore, open_store

ALICE = Principal(name="key:alice", roles=frozenset({Role.CALLER}))
BOB = Principal(name="key:bob", roles=frozenset({Role.CALLER}))


def _ask(message: str = "what changed?") -> AgentExecution:
    request = AgentExecution(
        api_version=API_VERSION,
        kind="AgentExecution",
        spec=AgentExecutionSpec(agent_id="quick", message=message),
    )
    request.metadata.name = "exec-pipeline"
    return request


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ExecutionStore]:
    async with await open_store(f"sqlite:///{tmp_path / 'stigmer.db'}") as opened:
        yield opened


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[ExecutionKind, str]]:
    """The invoke workflows the pipeline starts (no Temporal: recorded only)."""
    starts: list[tuple[ExecutionKind, str]] = []

    async def start_invoke(
        _client: Any, _settings: Any, kind: ExecutionKind, execution_id: str, **_: Any
    ) -> bool:
        starts.append((kind, execution_id))
        return True

    monkeypatch.setattr(instance_module, "start_invoke", start_invoke)
    return starts


def _service(store: ExecutionStore, **settings: Any) -> ExecutionService:
    # No Temporal client is used: token checks are off and the start is recorded.
    no_client = cast(temporalio.client.Client, object())
    return ExecutionService(
        store, ExecutionUpdates(store), no_client, None, ServiceSettings(**settings)
    )


async def test_a_create_is_persisted_pending_without_its_token_and_its_workflow_started(
    store: ExecutionStore, started: list[tuple[ExecutionKind, str]]
) -> None:
    request = _ask()
    request.spec.callback_token = b"\x0a\x03abc"
    request.status.phase = ExecutionPhase.EXECUTION_COMPLETED  # the caller's status is ignored

    ack = await _service(store).create(ExecutionKind.AGENT, request, principal=ALICE)

    assert ack.metadata.id.startswith("aex_")
    assert ack.status.phase == ExecutionPhase.EXECUTION_PENDING
    assert not ack.spec.callback_token
    assert started == [(ExecutionKind.AGENT, ack.metadata.id)]
    row = await store.get(ack.metadata.id)
    assert row is not None
    assert (row.owner, row.callback_token) == ("key:alice", b"\x0a\x03abc")


async def test_an_invalid_create_names_its_fields_and_persists_nothing(
    store: ExecutionStore, started: list[tuple[ExecutionKind, str]]
) -> None:
    request = _ask()
    request.spec.agent_id = ""

    with pytest.raises(refusals.InvalidRequest) as raised:
        await _service(store).create(ExecutionKind.AGENT, request, principal=ALICE)

    (field, description), *_ = raised.value.violations
    assert field.startswith("spec")  # no agent named: the spec's rule
    assert raised.value.message.startswith(f"{field}: {description}")
    assert started == []
    assert await store.count_open("key:alice") == 0


async def test_the_pipeline_refuses_by_role_key_and_quota(
    store: ExecutionStore, started: list[tuple[ExecutionKind, str]]
) -> None:
    service = _service(store, max_open_executions_per_principal=1)
    runner_only = Principal(name="key:runner", roles=frozenset({Role.RUNNER}))
    with pytest.raises(refusals.PermissionDenied, match="role caller needed"):
        await service.create(ExecutionKind.AGENT, _ask(), principal=runner_only)
    with pytest.raises(refusals.InvalidRequest, match="sent more than once"):
        await service.create(
            ExecutionKind.AGENT, _ask(), principal=ALICE, idempotency_keys_sent=["a", "b"]
        )

    await service.create(ExecutionKind.AGENT, _ask(), principal=ALICE, idempotency_keys_sent=["k"])
    # The same key again opens nothing: the quota does not apply to it.
    await service.create(ExecutionKind.AGENT, _ask(), principal=ALICE, idempotency_keys_sent=["k"])
    with pytest.raises(refusals.ResourceExhausted) as quota:
        await service.create(ExecutionKind.AGENT, _ask("another"), principal=ALICE)

    assert quota.value.reason == instance_module.OPEN_EXECUTIONS_QUOTA_REASON
    assert len(started) == 2  # the repeated create starts (or joins) its workflow too


async def test_a_repeated_key_with_another_request_is_a_failed_precondition(
    store: ExecutionStore, started: list[tuple[ExecutionKind, str]]
) -> None:
    service = _service(store)
    await service.create(ExecutionKind.AGENT, _ask(), principal=ALICE, idempotency_keys_sent=["k"])
    with pytest.raises(refusals.FailedPrecondition) as raised:
        await service.create(
            ExecutionKind.AGENT, _ask("other"), principal=ALICE, idempotency_keys_sent=["k"]
        )
    assert raised.value.reason == "IDEMPOTENCY_CONFLICT_REQUEST"
    assert "execution_id=" in raised.value.log_note  # for the log line, not for the client
    assert "execution_id" not in raised.value.message


async def test_queries_answer_not_found_for_another_callers_execution(
    store: ExecutionStore, started: list[tuple[ExecutionKind, str]]
) -> None:
    service = _service(store)
    ack = await service.create(ExecutionKind.AGENT, _ask(), principal=ALICE)

    assert (await service.get(ack.metadata.id, principal=ALICE)).metadata.id == ack.metadata.id
    assert (await service.get(ack.metadata.id, principal=ANONYMOUS)).metadata.id  # admin
    with pytest.raises(refusals.NotFound):
        await service.get(ack.metadata.id, principal=BOB)
    with pytest.raises(refusals.NotFound):
        await service.cancel(ack.metadata.id, principal=BOB)
    with pytest.raises(refusals.InvalidRequest, match="value: must not be empty"):
        await service.get("", principal=ALICE)
    with pytest.raises(refusals.PermissionDenied, match="role runner needed"):
        await service.update_status(ack.metadata.id, ack.status, principal=ALICE)


async def test_a_cancel_temporal_cannot_take_is_recorded_and_unavailable(
    store: ExecutionStore,
    started: list[tuple[ExecutionKind, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def request_cancel(*_: Any) -> bool:
        raise temporalio.service.RPCError("down", temporalio.service.RPCStatusCode.UNAVAILABLE, b"")

    monkeypatch.setattr(instance_module, "request_cancel", request_cancel)
    service = _service(store)
    ack = await service.create(ExecutionKind.AGENT, _ask(), principal=ALICE)

    with pytest.raises(refusals.Unavailable, match="is recorded"):
        await service.cancel(ack.metadata.id, principal=ALICE)
    cancelled = await service.get(ack.metadata.id, principal=ALICE)
    assert cancelled.metadata.annotations["stigmer.ai/cancel-requested"] == "true"


def test_the_edge_maps_every_refusal_to_a_status_code() -> None:
    declared = {
        value
        for value in vars(refusals).values()
        if inspect.isclass(value)
        and issubclass(value, refusals.Refusal)
        and value is not refusals.Refusal
    }
    assert declared == set(REFUSAL_CODES)
    assert len(set(REFUSAL_CODES.values())) == len(REFUSAL_CODES)  # one code, one refusal


def test_the_edge_answers_with_the_google_rpc_details() -> None:
    code, status = refusal_status(refusals.InvalidRequest([("spec.agent_id", "must be set")]))
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert status is not None
    assert (status.code, status.message) == (3, "spec.agent_id: must be set")
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("spec.agent_id", "must be set")
    ]

    code, status = refusal_status(refusals.ResourceExhausted("too many", reason="SPEC_TOO_LARGE"))
    assert code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert (info.reason, info.domain) == ("SPEC_TOO_LARGE", ERROR_DOMAIN)

    # Without a reason: a plain status, no details (as the deployed service answers).
    assert refusal_status(refusals.NotFound("execution x not found")) == (
        grpc.StatusCode.NOT_FOUND,
        None,
    )
