"""Checks from outside, against the generated contract (stigmer_sdk._contract).

What an operator or another language sees, not what an executable reports about itself:

- ``system-input``: in the Temporal histories of every workflow of a language that scheduled the
  system activity, the input payload's ``encoding`` and ``messageType`` are the contract's
  (``binary/protobuf``, ``ai.stigmer.sdk.v1.CompleteExternalActivityInput``), and every result
  carries the result's ``messageType``;
- ``failure-retryability``: in the histories of a language's caller workflows, every failure of a
  contract type that the contract makes always or never retryable has that ``non_retryable``;
- ``logs``: every record of a language whose message starts with a contract message is exactly
  that message (no field written into the text), at exactly the contract's level, with exactly
  the contract's fields (compared as a set);
- ``metrics``: each process's Prometheus exposition: every ``stigmer_`` series is a contract
  metric, labelled ``service`` = the language, histograms with the contract's buckets.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterable
from typing import Any

import grpc
import temporalio.client
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType

from stigmer_conformance.cases import CaseFailure, check
from stigmer_sdk import _contract as contract
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb

#: The checks, in the order they are reported (case ids ``contract/NAME/LANG``).
CHECKS = ("system-input", "failure-retryability", "logs", "metrics")

SYSTEM_WORKFLOW = "conformance/complete-via-system-activity"
CALLER_WORKFLOW = "conformance/caller"
#: The harness's log levels (pb.LogRecord.level) for the contract's.
_LEVELS = {"WARNING": "WARN"}
_STATUS_CODES = {code.name for code in grpc.StatusCode}


def _metadata(payload: Payload) -> dict[str, str]:
    return {key: value.decode(errors="replace") for key, value in payload.metadata.items()}


async def _histories(
    temporal: temporalio.client.Client, workflow_type: str, queue_prefix: str
) -> list[list[Any]]:
    """The event lists of every workflow of ``workflow_type`` started on a queue of the prefix."""
    histories = []
    async for execution in temporal.list_workflows(f'WorkflowType = "{workflow_type}"'):
        if not execution.task_queue.startswith(queue_prefix):
            continue
        handle = temporal.get_workflow_handle(execution.id, run_id=execution.run_id)
        histories.append([event async for event in handle.fetch_history_events()])
    return histories


async def check_system_input(
    temporal: temporalio.client.Client, service_queue_prefix: str
) -> dict[str, Any]:
    """The system activity's input and result payloads, as scheduled by one language."""
    histories = await _histories(temporal, SYSTEM_WORKFLOW, service_queue_prefix)
    inputs = results = 0
    for events in histories:
        scheduled: set[int] = set()
        for event in events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                attributes = event.activity_task_scheduled_event_attributes
                if attributes.activity_type.name != contract.ACTIVITY_SYSTEM:
                    continue
                scheduled.add(event.event_id)
                for payload in attributes.input.payloads:
                    metadata = _metadata(payload)
                    inputs += 1
                    check(
                        metadata.get("encoding") == contract.PAYLOAD_SYSTEM_INPUT_ENCODING,
                        f"the system activity's input was sent as {metadata.get('encoding')!r}, "
                        f"the contract says {contract.PAYLOAD_SYSTEM_INPUT_ENCODING!r}",
                    )
                    check(
                        metadata.get("messageType") == contract.PAYLOAD_SYSTEM_INPUT_MESSAGE_TYPE,
                        f"the system activity's input has messageType "
                        f"{metadata.get('messageType')!r}",
                    )
            elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
                attributes = event.activity_task_completed_event_attributes
                if attributes.scheduled_event_id not in scheduled:
                    continue
                for payload in attributes.result.payloads:
                    results += 1
                    metadata = _metadata(payload)
                    check(
                        metadata.get("messageType") == contract.PAYLOAD_SYSTEM_RESULT_MESSAGE_TYPE,
                        f"the system activity's result has messageType "
                        f"{metadata.get('messageType')!r} ({metadata.get('encoding')!r})",
                    )
    check(inputs > 0, f"no {contract.ACTIVITY_SYSTEM} scheduled on {service_queue_prefix}*")
    return {"workflows": len(histories), "inputs": inputs, "results": results}


def _application_failures(events: Iterable[Any]) -> Iterable[Any]:
    """Every application failure in a history, causes included."""
    for event in events:
        for field in (
            "activity_task_failed_event_attributes",
            "workflow_execution_failed_event_attributes",
        ):
            if event.HasField(field):
                failure = getattr(event, field).failure
                while failure is not None and failure.ByteSize():
                    if failure.HasField("application_failure_info"):
                        yield failure
                    failure = failure.cause if failure.HasField("cause") else None


async def check_failure_retryability(
    temporal: temporalio.client.Client, caller_queue: str
) -> dict[str, Any]:
    """Failure types and retryability as one language's caller workflows saw them."""
    histories = await _histories(temporal, CALLER_WORKFLOW, caller_queue)
    seen: dict[str, int] = {}
    for events in histories:
        for failure in _application_failures(events):
            info = failure.application_failure_info
            rule = contract.FAILURE_RETRYABILITY.get(info.type)
            if rule is None:
                continue
            seen[info.type] = seen.get(info.type, 0) + 1
            code = failure.message.split(":", 1)[0].split(" ", 1)[0]
            if rule == "by_status_code" and code in _STATUS_CODES:
                # The message starts with the gRPC code; retryable exactly for the transient ones.
                rule = "always" if code in contract.TRANSIENT_STATUS_CODES else "never"
            if rule in ("never", "always"):
                check(
                    info.non_retryable is (rule == "never"),
                    f"{info.type} ({failure.message[:60]!r}) arrived with non_retryable="
                    f"{info.non_retryable}; the contract makes it "
                    f"{'non-retryable' if rule == 'never' else 'retryable'}",
                )
    check(bool(seen), f"no failure of a contract type in the histories on {caller_queue}")
    return {"failures": seen}


#: A contract field name; the loggers' own context keys (Temporal's ``ActivityID``,
#: ``WorkflowId``...) are CamelCase and are not the line's fields.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def check_logs(records: Iterable[pb.LogRecord]) -> dict[str, Any]:
    """Every record that claims a contract line is exactly that line: its message (no field
    written into the text), its level (the contract's; ERROR only where the contract escalates a
    failure of unknown cause, which the suite never provokes) and its fields, as a set."""
    # Longest first: "Completing external activity with error" before a shorter prefix.
    lines = sorted(contract.LOGS, key=lambda line: -len(line.message))
    matched: dict[str, int] = {}
    for record in records:
        line = next((line for line in lines if record.message.startswith(line.message)), None)
        if line is None:
            continue
        check(
            record.message == line.message,
            f"a field written into the message text: {record.message!r}, the contract's "
            f"message is {line.message!r} with the fields {list(line.fields)} beside it",
        )
        level = _LEVELS.get(line.level, line.level)
        check(
            record.level == level,
            f"{line.message!r} logged at {record.level}, the contract says {level} "
            f"({dict(record.fields)})",
        )
        fields = {name for name in record.fields if _FIELD_NAME.match(name)}
        check(
            fields == set(line.fields),
            f"{line.message!r} has the fields {sorted(fields)}, the contract's are "
            f"{sorted(line.fields)}",
        )
        matched[line.message] = matched.get(line.message, 0) + 1
    check(bool(matched), "no record of a contract log line")
    return {"lines": matched}


_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})?\s")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def _family(name: str) -> contract.MetricSpec | None:
    for metric in contract.METRICS:
        if name == metric.name or (
            metric.type == "histogram"
            and name in (f"{metric.name}_bucket", f"{metric.name}_sum", f"{metric.name}_count")
        ):
            return metric
    return None


def check_metrics(language: str, expositions: dict[str, str]) -> dict[str, Any]:
    """``expositions``: role -> that process's /metrics text."""
    service = contract.METRIC_SERVICE_LABEL
    want_service = getattr(contract, f"METRIC_SERVICE_{language.upper()}", language)
    buckets = {float(b) for b in contract.DURATION_BUCKETS_SECONDS} | {float("inf")}
    found: dict[str, set[str]] = {}
    for role, text in expositions.items():
        le_by_series: dict[str, set[float]] = {}
        for line in text.splitlines():
            match = _SAMPLE.match(line)
            if not match or not match["name"].startswith("stigmer_"):
                continue
            name = match["name"]
            metric = _family(name)
            check(metric is not None, f"{role}: {name} is not a contract metric")
            assert metric is not None
            labels = dict(_LABEL.findall(match["labels"] or ""))
            check(
                labels.get(service) == want_service,
                f"{role}: {name} has {service}={labels.get(service)!r}, expected "
                f"{want_service!r} ({line.strip()[:160]})",
            )
            missing = [label for label in metric.labels if label not in labels]
            check(not missing, f"{role}: {name} lacks the labels {missing}")
            found.setdefault(role, set()).add(metric.name)
            if name.endswith("_bucket"):
                key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "le")
                le = labels["le"]
                le_by_series.setdefault(key, set()).add(float("inf") if le == "+Inf" else float(le))
        for key, les in le_by_series.items():
            check(les == buckets, f"{role}: histogram buckets {sorted(les)} ({key})")
    check(bool(found), "no process exposed a stigmer_ metric")
    return {"metrics": {role: sorted(names) for role, names in found.items()}}


def scrape(address: str) -> str:
    """The Prometheus exposition at ``address`` (host:port)."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        text: str = response.read().decode()
        return text


__all__ = [
    "CHECKS",
    "CaseFailure",
    "check_failure_retryability",
    "check_logs",
    "check_metrics",
    "check_system_input",
    "scrape",
]
