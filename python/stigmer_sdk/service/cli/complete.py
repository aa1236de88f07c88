"""``stigmer-sdk complete``: complete, fail or cancel a pending caller activity by hand."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from google.protobuf import json_format

from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    ActivityById,
    ActivityTarget,
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    message_class,
    report_external_cancellation,
)
from stigmer_sdk.service.cli._common import (
    EXIT_CODES,
    AddressOption,
    ApiKeyOption,
    EncryptionKeyOption,
    ExitCode,
    JsonOption,
    NamespaceOption,
    StoreOption,
    TlsCertOption,
    TlsKeyOption,
    TlsOption,
    UserError,
    connect_temporal,
    emit,
    encryption_keys,
    logger,
    open_existing_store,
    read_token,
    run_command,
    temporal_connection,
)
from stigmer_sdk.service.store import DEFAULT_STORE_URL
from stigmer_sdk.tokens import TaskToken, short_token_digest, token_preview

if TYPE_CHECKING:
    import temporalio.client

    from stigmer_sdk.service.store import EncryptionKey, StoredExecution


# --- complete -------------------------------------------------------------------------------------


def _result_message(text: str, type_name: str) -> Any:
    try:
        result = message_class(type_name)()
    except KeyError:
        raise UserError(f"--result-type: unknown message type {type_name}") from None
    try:
        json_format.Parse(text, result)
    except json_format.ParseError as error:
        raise UserError(f"--result is not a {type_name} in JSON: {error}") from None
    return result


def _completion_target(
    token: str | None, workflow_id: str | None, run_id: str, activity_id: str | None
) -> ActivityTarget:
    if token is not None and (workflow_id or activity_id):
        raise UserError("give --token, or --workflow-id with --activity-id, not both")
    if token is not None:
        return read_token(token, "--token")
    if workflow_id and activity_id:
        return ActivityById(workflow_id, activity_id, run_id)
    raise UserError("give --token, or --workflow-id with --activity-id")


#: Outcomes after which the stored token can no longer be delivered: ``complete`` records them.
_FINAL_OUTCOMES = frozenset(
    {
        CompletionOutcome.COMPLETED.name,
        CompletionOutcome.ALREADY_COMPLETED.name,
        CompletionOutcome.INVALID_TOKEN.name,
    }
)


def _names_target(row: StoredExecution, target: ActivityTarget) -> bool:
    """Whether the row's stored token is the one ``target`` gives, or names its activity."""
    if not row.callback_token:
        return False
    if isinstance(target, ActivityById):
        info = TaskToken(row.callback_token).inspect()
        return (
            info is not None
            and (info.workflow_id, info.activity_id) == (target.workflow_id, target.activity_id)
            and (not target.run_id or info.run_id == target.run_id)
        )
    raw = target.raw if isinstance(target, TaskToken) else bytes(target)
    return raw == row.callback_token


async def _record_outcome(
    url: str,
    keys: Sequence[EncryptionKey],
    execution_id: str,
    target: ActivityTarget,
    outcome: str,
) -> bool:
    """Record a manual completion's final outcome on the execution, as the service's own finish
    step does (the token is erased, its digest kept), so that ``pending`` agrees. Only while the
    stored token is the one completed: a retried caller's newer token stays owed."""
    from stigmer_sdk.tokens import token_digest

    opened = await open_existing_store(url, keys)
    try:
        row = await opened.get(execution_id)
        if row is None:
            raise UserError(
                f"the outcome was delivered, but the store has no execution {execution_id}",
                ExitCode.NOT_FOUND,
            )
        if not _names_target(row, target):
            logger.warning(
                "Manual completion not recorded execution_id=%s: its stored token is another "
                "activity's, or none, or unreadable (--encryption-key)",
                execution_id,
            )
            return False
        digest = token_digest(row.callback_token)
        marked = await opened.mark_completion(execution_id, outcome, token_digest=digest)
    finally:
        await opened.close()
    logger.info("Manual completion recorded execution_id=%s outcome=%s", execution_id, outcome)
    return marked.completion_outcome == outcome


def _target_preview(target: ActivityTarget) -> str:
    """How logs name a completion's target: its ids, or its token's preview."""
    if isinstance(target, ActivityById):
        return target.describe()
    return token_preview(target.raw if isinstance(target, TaskToken) else bytes(target))


async def not_found_reason(client: temporalio.client.Client, target: ActivityTarget) -> str | None:
    """Why Temporal answered NOT_FOUND, when the activity never existed: ``None`` when it did
    (it was completed, failed, cancelled or timed out: ALREADY_COMPLETED)."""
    import temporalio.service

    if isinstance(target, ActivityById):
        workflow_id, run_id, activity_id = target.workflow_id, target.run_id, target.activity_id
    else:
        info = (TaskToken(target) if isinstance(target, bytes) else target).inspect()
        if info is None or not info.workflow_id:
            return None
        workflow_id, run_id, activity_id = info.workflow_id, info.run_id, info.activity_id
    handle = client.get_workflow_handle(workflow_id, run_id=run_id or None)
    try:
        async for event in handle.fetch_history_events():
            scheduled = event.activity_task_scheduled_event_attributes
            if event.HasField("activity_task_scheduled_event_attributes") and (
                scheduled.activity_id == activity_id
            ):
                return None
    except temporalio.service.RPCError as error:
        if error.status is temporalio.service.RPCStatusCode.NOT_FOUND:
            run = f" run {run_id}" if run_id else ""
            return f"no workflow {workflow_id!r}{run} in namespace {client.namespace}"
        return None
    return f"workflow {workflow_id!r} has no activity {activity_id!r}"


def complete(
    token: Annotated[
        str | None, typer.Option(help="Task token in Base64, or @file (raw or Base64).")
    ] = None,
    workflow_id: Annotated[str | None, typer.Option(help="Caller's workflow id.")] = None,
    run_id: Annotated[str, typer.Option(help="Caller's run id (default: latest).")] = "",
    activity_id: Annotated[str | None, typer.Option(help="Caller's activity id.")] = None,
    result: Annotated[
        str | None, typer.Option(help="Result as proto JSON of --result-type.")
    ] = None,
    result_type: Annotated[
        str, typer.Option(help="Full proto name of the result.")
    ] = "ai.stigmer.agentic.agentexecution.v1.AgentExecution",
    plain_json: Annotated[
        bool, typer.Option(help="Send --result as plain JSON instead of a proto message.")
    ] = False,
    error: Annotated[str | None, typer.Option(help="Fail the activity with this message.")] = None,
    error_type: Annotated[str, typer.Option("--type", help="Failure type.")] = "MANUAL_COMPLETION",
    non_retryable: Annotated[bool, typer.Option(help="Mark the failure non-retryable.")] = False,
    cancel: Annotated[bool, typer.Option(help="Report the activity cancelled.")] = False,
    execution_id: Annotated[
        str | None,
        typer.Option(
            help="The execution whose caller this is (as `pending` prints it): the outcome is "
            "recorded in --store, so that `pending` no longer lists it."
        ),
    ] = None,
    store: StoreOption = DEFAULT_STORE_URL,
    encryption_key: EncryptionKeyOption = None,
    address: AddressOption = "127.0.0.1:7233",
    namespace: NamespaceOption = "default",
    tls: TlsOption = False,
    tls_cert: TlsCertOption = None,
    tls_key: TlsKeyOption = None,
    api_key: ApiKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Complete, fail or cancel a pending caller activity by hand.

    Give the activity by --token, or by --workflow-id and --activity-id (as `pending` prints
    them), and exactly one outcome: --result, --error or --cancel. With --execution-id the
    outcome is also recorded in the service's store (--store). Exit codes: 0 delivered,
    3 already completed, 4 invalid token, 5 empty token, 6 transient, 7 not found.
    """

    async def run() -> ExitCode:
        target = _completion_target(token, workflow_id, run_id, activity_id)
        if sum((result is not None, error is not None, cancel)) != 1:
            raise UserError(
                "give exactly one of --result, --error and --cancel: complete never delivers "
                "an empty result by default (for one, pass --plain-json --result null)"
            )
        value: Any = None
        if result is not None:
            if plain_json:
                try:
                    value = json.loads(result)
                except json.JSONDecodeError as problem:
                    raise UserError(f"--result is not JSON: {problem}") from None
            else:
                value = _result_message(result, result_type)
        connection = temporal_connection(address, namespace, tls, tls_cert, tls_key, api_key)
        client = await connect_temporal(connection)
        # An activity that never existed is NOT_FOUND before anything is sent, so that the
        # completion's own log line (Temporal's NOT_FOUND reads ALREADY_COMPLETED there) and
        # the exit code never disagree.
        reason = await not_found_reason(client, target)
        if reason is not None:
            name, code, message = "NOT_FOUND", ExitCode.NOT_FOUND, reason
            preview = _target_preview(target)
            logger.warning(
                "Manual completion not sent outcome=NOT_FOUND target=%s %s", preview, reason
            )
        else:
            outcome = await _deliver(client, target, value)
            name, code = outcome.outcome.name, EXIT_CODES[outcome.outcome]
            message, preview = outcome.message, outcome.token_preview
        record: dict[str, Any] = {"outcome": name, "token_preview": preview, "message": message}
        if execution_id and name in _FINAL_OUTCOMES:
            record["recorded"] = await _record_outcome(
                store, encryption_keys(encryption_key), execution_id, target, name
            )
        if isinstance(target, TaskToken):
            record["token_digest"] = short_token_digest(target.raw)
        colour = "green" if code is ExitCode.OK else "yellow"
        emit(as_json, record, f"[{colour}]{name}[/{colour}] {preview} {message}")
        return code

    async def _deliver(
        client: temporalio.client.Client, target: ActivityTarget, value: Any
    ) -> CompletionResult:
        if cancel:
            return await report_external_cancellation(client, target)
        if error is not None:
            failure = completion_pb2.ActivityFailure(
                message=error, type=error_type, non_retryable=non_retryable
            )
            return await complete_external_activity(client, target, failure=failure)
        return await complete_external_activity(client, target, result=value)

    raise typer.Exit(run_command(run()))
