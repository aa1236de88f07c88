"""Log checks: each executable reports the SDK's log records; the contract's lines must be there.

The contract (docs/handshake-contract.md section 7) fixes the message and fields of each line.
After the scenarios, the runner asks every process for its records (``LogsRequest``) and checks,
per language, against the cases that language took part in:

- ``caller-token-taken``: ``Extracted task token`` with ``token_preview``, ``token_length`` and
  ``activity_id``, for the tokens of its caller cases;
- ``caller-ack``: ``Agent execution started, activity pending`` with ``execution_id`` (the ACK's
  id: the case id), ``token_preview``, ``token_digest``, ``token_length``;
- ``completion``: ``Completing external activity with success`` and ``External activity completed
  successfully`` with ``execution_id`` and ``token_preview``, for the cases it completed;
- ``token-digest``: every record with a ``token_preview`` has a ``token_digest`` beside it: the
  first 12 lowercase hex characters of the token's SHA-256, checked against the tokens the caller
  reported where the record names a case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stigmer_conformance.cases import CaseFailure, check
from stigmer_conformance.processes import RoleProcess
from stigmer_sdk import _contract as contract
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb

TOKEN_TAKEN = contract.LOG_TOKEN_TAKEN.message
ACK = contract.LOG_ACK_AGENT.message
COMPLETING = contract.LOG_COMPLETING_SUCCESS.message
COMPLETED = contract.LOG_COMPLETED.message
CREATE_FAILED = contract.LOG_CREATE_FAILED.message
DIGEST = re.compile(r"^[0-9a-f]{12}$")

#: The checks, in the order they are reported.
CHECKS = ("caller-token-taken", "caller-ack", "completion", "token-digest")


def short_digest(seen: pb.TokenSeen) -> str:
    """The contract's ``token_digest`` of a token reported by its SHA-256."""
    return seen.sha256.hex()[:12]


@dataclass
class LanguageLogs:
    """One language's records, and the cases it played."""

    language: str
    caller: list[pb.LogRecord]
    completer: list[pb.LogRecord]
    #: case id -> the caller's token report, for the cases this language called in.
    caller_tokens: dict[str, pb.TokenSeen]
    #: case ids this language's service (or system worker) completed with a result.
    completed: list[str]

    @staticmethod
    async def collect(
        language: str,
        caller: RoleProcess,
        completers: Iterable[RoleProcess],
        caller_tokens: dict[str, pb.TokenSeen],
        completed: list[str],
    ) -> LanguageLogs:
        records = list((await caller.request(logs=pb.LogsRequest())).logs.records)
        completer_records: list[pb.LogRecord] = []
        for process in completers:
            completer_records.extend((await process.request(logs=pb.LogsRequest())).logs.records)
        return LanguageLogs(language, records, completer_records, caller_tokens, completed)


def _find(records: list[pb.LogRecord], message: str, **fields: str) -> pb.LogRecord | None:
    for record in records:
        if record.message == message and all(
            record.fields.get(key) == value for key, value in fields.items()
        ):
            return record
    return None


def _describe(records: list[pb.LogRecord], message: str) -> str:
    same = [r for r in records if r.message == message]
    if not same:
        near = sorted({r.message for r in records if message.split()[0] in r.message})
        return f"no record {message!r} at all (similar: {near[:3]})"
    return f"the {len(same)} {message!r} records have fields {dict(same[-1].fields)}"


def check_logs(logs: LanguageLogs, name: str) -> dict[str, Any]:
    """Run one check; raises CaseFailure."""
    if name == "caller-token-taken":
        check(bool(logs.caller_tokens), "no caller case ran in this language")
        for case_id, seen in logs.caller_tokens.items():
            record = _find(
                logs.caller, TOKEN_TAKEN, token_preview=seen.preview, token_length=str(seen.length)
            )
            check(
                record is not None,
                f"{case_id}: {_describe(logs.caller, TOKEN_TAKEN)}; expected token_preview="
                f"{seen.preview} token_length={seen.length}",
            )
            assert record is not None
            check("activity_id" in record.fields, f"{case_id}: no activity_id field")
        return {"cases": len(logs.caller_tokens)}
    if name == "caller-ack":
        check(bool(logs.caller_tokens), "no caller case ran in this language")
        for case_id, seen in logs.caller_tokens.items():
            record = _find(logs.caller, ACK, execution_id=case_id)
            check(record is not None, f"{case_id}: {_describe(logs.caller, ACK)}")
            assert record is not None
            want = {
                "token_preview": seen.preview,
                "token_length": str(seen.length),
                "token_digest": short_digest(seen),
            }
            for key, value in want.items():
                check(
                    record.fields.get(key) == value,
                    f"{case_id}: ACK field {key}={record.fields.get(key)!r}, expected {value!r}",
                )
        return {"cases": len(logs.caller_tokens)}
    if name == "completion":
        check(bool(logs.completed), "this language completed no case")
        for case_id in logs.completed:
            for message in (COMPLETING, COMPLETED):
                record = _find(logs.completer, message, execution_id=case_id)
                check(record is not None, f"{case_id}: {_describe(logs.completer, message)}")
                assert record is not None
                check(
                    bool(record.fields.get("token_preview")), f"{case_id}: {message!r} no preview"
                )
        return {"cases": len(logs.completed)}
    if name == "token-digest":
        by_case = {case_id: short_digest(seen) for case_id, seen in logs.caller_tokens.items()}
        with_preview = [r for r in (*logs.caller, *logs.completer) if "token_preview" in r.fields]
        callers = {id(r) for r in logs.caller}
        check(bool(with_preview), "no record carries a token_preview")
        for record in with_preview:
            digest = record.fields.get("token_digest")
            check(
                digest is not None,
                f"{record.message!r} has token_preview but no token_digest ({dict(record.fields)})",
            )
            assert digest is not None
            check(bool(DIGEST.match(digest)), f"{record.message!r}: token_digest {digest!r}")
            # A completer may use a mutated token (garbage, truncated); a caller's line is about
            # its own token.
            case_id = record.fields.get("execution_id", "")
            if id(record) in callers and case_id in by_case:
                check(
                    digest == by_case[case_id],
                    f"{record.message!r} for {case_id}: token_digest {digest}, the caller's "
                    f"token has {by_case[case_id]}",
                )
        return {"records": len(with_preview)}
    raise CaseFailure(f"unknown log check {name}")


async def check_create_failed_logs(
    caller: RoleProcess, expected: dict[str, tuple[str, bool]]
) -> dict[str, Any]:
    """``Stigmer create failed`` with ``code`` and ``retryable``, for each create-error case.

    ``expected``: case id -> (gRPC code name, retryable), for the cases this language ran.
    """
    check(bool(expected), "no create-error case ran in this language")
    records = [
        r
        for r in (await caller.request(logs=pb.LogsRequest())).logs.records
        if r.message == CREATE_FAILED
    ]
    check(bool(records), f"no {CREATE_FAILED!r} record at all")
    for case_id, (code, retryable) in expected.items():
        found = [r for r in records if r.fields.get("code") == code]
        check(bool(found), f"{case_id}: no {CREATE_FAILED!r} record with code={code}")
        record = found[-1]
        check(
            record.fields.get("retryable") == str(retryable).lower(),
            f"{case_id}: retryable={record.fields.get('retryable')!r}, expected {retryable}",
        )
        for key in ("activity_id", "token_preview", "token_digest"):
            check(key in record.fields, f"{case_id}: {CREATE_FAILED!r} has no {key}")
    return {"cases": len(expected)}
