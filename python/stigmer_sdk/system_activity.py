"""The completion system activity, ``stigmer/system/complete-external-activity``.

Workflow code must stay deterministic, so a service's workflow cannot call the Temporal client to
complete its caller. It schedules this activity instead, with one of two inputs:

- the SDK's proto ``CompleteExternalActivityInput`` (``binary/protobuf``, or ``json/protobuf``),
  so a workflow in one language can schedule the activity on a worker in another (the Go and Java
  adapters register the same name);
- the deployed Stigmer Go service's JSON struct (``json/plain``)
  ``{"CallbackToken": "<base64>", "Result": <any JSON or null>, "Error": <object or null>}``, so a
  worker built on the SDK can run a deployed service's completions. A ``Result`` is delivered as
  ``json/plain``, as that service delivers it (with any callback token it carries removed); an
  ``Error`` that is present, even ``{}`` (what Go's ``encoding/json`` makes of an ``error``),
  fails the caller with type ``AGENT_EXECUTION_FAILED`` and the error's message when it has one.

The result is a ``CompleteExternalActivityResult`` in both cases.

Example:
    ```python
    def make_worker(client: Client) -> Worker:
        return Worker(client, task_queue="stigmer-system",
                      activities=SystemActivities(client).activities())
    ```
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import temporalio.activity
import temporalio.api.common.v1
import temporalio.client
import temporalio.common
import temporalio.exceptions
from google.protobuf import json_format, message

from stigmer_sdk import _contract
from stigmer_sdk.api.sdk.v1 import completion_pb2
from stigmer_sdk.completion import (
    CompletionOutcome,
    CompletionResult,
    complete_external_activity,
    complete_from_input,
)
from stigmer_sdk.converter import parse_json_proto
from stigmer_sdk.tokens import short_token_digest, token_preview

#: Name under which every Stigmer SDK registers the completion system activity.
SYSTEM_ACTIVITY_NAME = _contract.ACTIVITY_SYSTEM
#: Logged when a worker gets the system activity (the runbook greps for it).
REGISTERED_LOG = "Registered CompleteExternalActivity"

logger = logging.getLogger("stigmer_sdk.system")


def log_registered(task_queue: str) -> None:
    """Log that a worker of ``task_queue`` serves the system activity."""
    logger.info("%s activity=%s task_queue=%s", REGISTERED_LOG, SYSTEM_ACTIVITY_NAME, task_queue)


#: Failure type of a transient completion error; Temporal retries it.
COMPLETION_TRANSIENT_TYPE = _contract.FAILURE_COMPLETION_TRANSIENT
#: Failure type of an input that cannot become a completion; never retried.
COMPLETION_INVALID_INPUT_TYPE = _contract.FAILURE_COMPLETION_INVALID_INPUT
#: Failure type with which a deployed-service ``Error`` fails the caller.
AGENT_EXECUTION_FAILED_TYPE = _contract.FAILURE_AGENT_EXECUTION_FAILED
#: Message of that failure when the ``Error`` carries none (Go's ``error`` marshals to ``{}``).
NO_ERROR_MESSAGE = _contract.NO_FAILURE_MESSAGE

# Metric names of the operator runbook. Labels carry outcomes only, never a token or its preview.
COMPLETIONS_METRIC = _contract.METRIC_COMPLETIONS.name
COMPLETION_DURATION_METRIC = _contract.METRIC_COMPLETION_DURATION.name
ERRORS_METRIC = _contract.METRIC_ERRORS.name


def record_completion_metrics(result: CompletionResult, seconds: float) -> None:
    """Count one completion on the running activity's metric meter (Temporal's exporter).

    ``status`` is the outcome in lower case (``completed``, ``already_completed``, ...), as in the
    Go and Java SDKs; every outcome but ``completed`` also counts as an error of that type.
    """
    meter = temporalio.activity.metric_meter().with_additional_attributes(
        {_contract.METRIC_SERVICE_LABEL: _contract.METRIC_SERVICE_PYTHON}
    )
    status = result.outcome.name.lower()
    meter.create_counter(COMPLETIONS_METRIC, "External activity completions, by outcome").add(
        1, {"status": status}
    )
    meter.create_histogram_float(
        COMPLETION_DURATION_METRIC, "Time to complete an external activity", "s"
    ).record(seconds, {"status": status})
    if result.outcome is not CompletionOutcome.COMPLETED:
        meter.create_counter(ERRORS_METRIC, "External activity completion errors, by type").add(
            1, {"error_type": status}
        )


@dataclass(frozen=True)
class DeployedCompletionInput:
    """The deployed Stigmer Go service's system-activity input, decoded.

    ``result`` is the JSON value of ``Result`` (``None`` for null or absent); ``error`` the JSON
    value of ``Error``, and ``failed`` whether it was present and not null.
    """

    callback_token: bytes
    result: Any
    error: Any
    failed: bool

    def __repr__(self) -> str:
        return (
            f"DeployedCompletionInput(token_preview={token_preview(self.callback_token)!r}, "
            f"token_digest={short_token_digest(self.callback_token)!r}, failed={self.failed})"
        )

    def failure(self) -> completion_pb2.ActivityFailure:
        """The failure delivered for an ``Error``: its message if it has one, else
        `NO_ERROR_MESSAGE`."""
        return completion_pb2.ActivityFailure(
            message=error_message(self.error) or NO_ERROR_MESSAGE,
            type=AGENT_EXECUTION_FAILED_TYPE,
            non_retryable=True,
        )


_MESSAGE_KEYS = ("message", "Message", "msg", "error", "Error", "cause", "Cause")


def error_message(error: Any) -> str:
    """The message of a JSON-encoded error: the string itself, or the first string under a
    message-like key (``message``, ``Message``, ``msg``, ``error``, ...); else ``""``."""
    if isinstance(error, str):
        return error
    if isinstance(error, Mapping):
        for key in _MESSAGE_KEYS:
            value = error.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, Mapping):
                nested = error_message(value)
                if nested:
                    return nested
    return ""


def _invalid(reason: str) -> temporalio.exceptions.ApplicationError:
    return temporalio.exceptions.ApplicationError(
        f"invalid {SYSTEM_ACTIVITY_NAME} input: {reason}",
        type=COMPLETION_INVALID_INPUT_TYPE,
        non_retryable=True,
    )


_DEPLOYED_KEYS = frozenset({"CallbackToken", "Result", "Error"})


def decode_system_activity_input(
    payload: temporalio.api.common.v1.Payload,
) -> completion_pb2.CompleteExternalActivityInput | DeployedCompletionInput:
    """Decode either input of the system activity (see the module docstring).

    Raises:
        temporalio.exceptions.ApplicationError: type ``STIGMER_COMPLETION_INVALID_INPUT``,
            non-retryable, when the payload is neither.
    """
    encoding = payload.metadata.get("encoding", b"").decode()
    if encoding == "binary/protobuf":
        proto = completion_pb2.CompleteExternalActivityInput()
        try:
            proto.ParseFromString(payload.data)
        except message.DecodeError as error:
            raise _invalid(f"binary/protobuf: {error}") from None
        return proto
    if encoding == "json/protobuf":
        try:
            return parse_json_proto(payload.data, completion_pb2.CompleteExternalActivityInput)
        except json_format.Error as error:
            raise _invalid(f"json/protobuf: {error}") from None
    if encoding != "json/plain":
        raise _invalid(f"unsupported encoding {encoding or '<none>'}")
    try:
        document = json.loads(payload.data)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _invalid(f"json/plain: {error}") from None
    if not isinstance(document, Mapping) or not _DEPLOYED_KEYS & document.keys():
        raise _invalid('json/plain without "CallbackToken", "Result" or "Error"')
    token_text = document.get("CallbackToken") or ""
    if not isinstance(token_text, str):
        raise _invalid("CallbackToken is not a Base64 string")
    try:
        token = base64.b64decode(token_text, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid("CallbackToken is not Base64") from None
    reported = document.get("Error")
    return DeployedCompletionInput(
        callback_token=token,
        result=document.get("Result"),
        error=reported,
        failed=reported is not None,
    )


def _without_tokens(result: Any) -> Any:
    """A Result execution without the callback tokens the deployed service leaves in it."""
    if not isinstance(result, Mapping):
        return result
    cleaned = dict(result)
    for part in ("spec", "status"):
        section = cleaned.get(part)
        if isinstance(section, Mapping) and "callback_token" in section:
            cleaned[part] = {k: v for k, v in section.items() if k != "callback_token"}
    return cleaned


async def complete_from_deployed_input(
    client: temporalio.client.Client, request: DeployedCompletionInput
) -> CompletionResult:
    """Carry out a deployed-service input: fail the caller for an ``Error``, else complete it
    with ``Result`` as ``json/plain`` (``None`` for null)."""
    if request.failed:
        return await complete_external_activity(
            client, request.callback_token, failure=request.failure()
        )
    result: Any = None
    if request.result is not None:
        result = temporalio.common.RawValue(
            temporalio.api.common.v1.Payload(
                metadata={"encoding": b"json/plain"},
                data=json.dumps(_without_tokens(request.result), separators=(",", ":")).encode(),
            )
        )
    return await complete_external_activity(client, request.callback_token, result=result)


class SystemActivities:
    """Holds the Temporal client the system activity completes callers with."""

    def __init__(self, client: temporalio.client.Client) -> None:
        """``client`` must be connected to the callers' namespace."""
        self._client = client

    @temporalio.activity.defn(name=SYSTEM_ACTIVITY_NAME)
    async def complete_external_activity(
        self, request: temporalio.common.RawValue
    ) -> completion_pb2.CompleteExternalActivityResult:
        """Complete, fail or cancel the caller's activity; raise only on transient errors.

        ``request`` is either input (see the module docstring); one that is neither fails the
        activity with the non-retryable type ``STIGMER_COMPLETION_INVALID_INPUT``.
        """
        started = time.monotonic()
        decoded = decode_system_activity_input(request.payload)
        if isinstance(decoded, DeployedCompletionInput):
            result = await complete_from_deployed_input(self._client, decoded)
        else:
            result = await complete_from_input(self._client, decoded)
        record_completion_metrics(result, time.monotonic() - started)
        if result.outcome is CompletionOutcome.TRANSIENT:
            raise temporalio.exceptions.ApplicationError(
                result.message, type=COMPLETION_TRANSIENT_TYPE, non_retryable=False
            )
        return result.to_proto()

    def activities(self) -> Sequence[Callable[..., Any]]:
        """The activities to register on a worker."""
        return [self.complete_external_activity]
