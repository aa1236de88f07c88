"""``stigmer-sdk pending``: executions whose caller completion is still owed (read-only)."""

from __future__ import annotations

import base64
import json
import shlex
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stigmer_sdk.service.cli._common import (
    EncryptionKeyOption,
    JsonOption,
    StoreOption,
    console,
    encryption_keys,
    errors,
    open_existing_store,
    parse_duration,
    run_command,
)
from stigmer_sdk.service.store import DEFAULT_STORE_URL
from stigmer_sdk.tokens import TaskToken, short_token_digest

if TYPE_CHECKING:
    from stigmer_sdk.service.store import StoredExecution


# --- pending --------------------------------------------------------------------------------------


def _phase_name(execution: Any) -> str:
    field = execution.status.DESCRIPTOR.fields_by_name["phase"]
    value = field.enum_type.values_by_number.get(execution.status.phase)
    return value.name if value is not None else str(execution.status.phase)


def pending_record(row: StoredExecution, now: datetime) -> dict[str, Any]:
    """What ``pending`` shows of one row: ids, age, phase, the caller's ids and the command."""
    from stigmer_sdk.service.executions import decode

    execution = decode(row)
    spec: Any = execution.spec
    record: dict[str, Any] = {
        "execution_id": row.id,
        "kind": row.kind.value,
        "target": getattr(spec, "agent_id", "") or getattr(spec, "workflow_id", ""),
        "phase": _phase_name(execution),
        "age_seconds": round((now - row.created_at).total_seconds(), 3),
        "token_preview": row.callback_token_preview,
        "token_digest": short_token_digest(row.callback_token) if row.callback_token else "",
    }
    if row.callback_token_error:
        record["token_error"] = row.callback_token_error
    info = TaskToken(row.callback_token).inspect() if row.callback_token else None
    if info is not None and info.workflow_id and info.activity_id:
        record.update(
            workflow_id=info.workflow_id, run_id=info.run_id, activity_id=info.activity_id
        )
        record["complete_command"] = shlex.join(
            [
                "stigmer-sdk",
                "complete",
                "--workflow-id",
                info.workflow_id,
                "--run-id",
                info.run_id,
                "--activity-id",
                info.activity_id,
                "--error",
                f"completed by hand: execution {row.id}",
                "--type",
                "MANUAL_COMPLETION",
                "--execution-id",
                row.id,
            ]
        )
    return record


#: What ``pending --show-token`` says first, on standard error.
SHOW_TOKEN_WARNING = (
    "[yellow]warning:[/yellow] --show-token prints bearer credentials: whoever holds a token can "
    "complete, fail or cancel its caller's activity. Keep them out of tickets, chats and logs."
)


def _pending_text(record: dict[str, Any]) -> str:
    age = _human(timedelta(seconds=record["age_seconds"]))
    lines = [
        f"[bold]{record['execution_id']}[/bold]  {record['kind']} {record['target']}  "
        f"{record['phase']}  age {age}"
    ]
    if "workflow_id" in record:
        lines.append(
            f"  caller    workflow {record['workflow_id']}  run {record['run_id']}  "
            f"activity {record['activity_id']}"
        )
    lines.append(f"  token     {record['token_preview']}  digest {record['token_digest'] or '-'}")
    if "token_error" in record:
        lines.append(f"  [yellow]cannot read the token:[/yellow] {record['token_error']}")
    if "complete_command" in record:
        lines.append(f"  complete  {record['complete_command']}")
    if "token" in record:
        lines.append(f"  full token {record['token']}")
    return "\n".join(lines)


def pending(
    store: StoreOption = DEFAULT_STORE_URL,
    older_than: Annotated[
        str | None, typer.Option(help="Only those pending longer than this, e.g. 1h.")
    ] = None,
    encryption_key: EncryptionKeyOption = None,
    show_token: Annotated[
        bool,
        typer.Option(
            help="Also print each full token (Base64): a bearer credential, for `token inspect` "
            "or `complete --token`; the ids and the printed command need none."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List executions whose caller completion is still owed, oldest first (read-only).

    Each shows the caller's workflow, run and activity ids, and the `complete` command that
    fails the caller by hand (edit its outcome first). Exit codes: 0 listed (maybe none),
    7 no store at that URL, 8 the database is unreachable.
    """

    async def run() -> None:
        threshold = parse_duration(older_than, "--older-than") if older_than else None
        keys = encryption_keys(encryption_key)
        opened = await open_existing_store(store, keys)
        try:
            rows = await opened.list_pending(older_than=threshold)
        finally:
            await opened.close()
        now = datetime.now(UTC)
        records = [pending_record(row, now) for row in rows]
        if show_token:
            errors.print(SHOW_TOKEN_WARNING, highlight=False)
            for record, row in zip(records, rows, strict=True):
                if row.callback_token:
                    record["token"] = base64.b64encode(row.callback_token).decode()
        if as_json:
            for record in records:
                typer.echo(json.dumps(record))
            return
        console.print(f"Completions owed: {len(records)} (oldest first)", highlight=False)
        for record in records:
            console.print("\n" + _pending_text(record), highlight=False)

    run_command(run())


def _human(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
