"""The service's settings: what the servicers, workflows and background work need to know
besides the store and Temporal.

Its own module, so that every part of the service reads it without importing another part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from stigmer_sdk import _contract
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.runner import RUNNER_CONTRACT_SDK
from stigmer_sdk.tokens import DEFAULT_MAX_TOKEN_BYTES


@dataclass(frozen=True)
class ServiceSettings:
    """What the servicers need to know besides the store and Temporal."""

    service_task_queue: str = _contract.TASK_QUEUE_STIGMER_SYSTEM
    agent_runner_task_queue: str = _contract.TASK_QUEUE_AGENT_RUNNER
    workflow_runner_task_queue: str = "workflow_execution_runner"
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    caller_heartbeat_interval: timedelta = timedelta(seconds=30)
    #: Heartbeat RPCs a second the relay (on the leading replica) may send to Temporal, spread
    #: over the interval; 0 turns the relay off (docs/service-workflow.md).
    caller_heartbeat_budget: float = 100.0
    runner_heartbeat_timeout: timedelta = timedelta(seconds=30)
    #: The execution's deadline: its run, all attempts included, must end within it.
    runner_timeout: timedelta = timedelta(hours=24)
    #: Run attempts before the execution fails; 0 retries (with backoff) until the deadline.
    runner_maximum_attempts: int = 0
    runner_retry_initial_interval: timedelta = timedelta(seconds=1)
    runner_retry_maximum_interval: timedelta = timedelta(minutes=1)
    #: ``stigmer`` (the SDK's runner activities) or ``deployed`` (EnsureThread, ExecuteGraphton).
    runner_contract: str = RUNNER_CONTRACT_SDK
    #: With the built-in runner (``stigmer`` contract), serve its activities on
    #: ``service_task_queue`` instead of the runner queues: a run is then handed to the worker
    #: with the workflow task that schedules it (eager activity dispatch) instead of going through
    #: matching. Every replica must then run the built-in runner (docs/performance.md).
    colocate_builtin_runner: bool = True
    #: Execution workflows the service worker keeps in memory (temporalio's default). Each
    #: parked handshake beyond it costs no memory until it resumes, and then one short replay.
    max_cached_workflows: int = 1000
    #: How often, and after how long, executions whose workflow never started get it started.
    reconcile_interval: timedelta = timedelta(seconds=10)
    reconcile_older_than: timedelta = timedelta(seconds=5)
    #: How often ``subscribe`` polls the store for changes made by other replicas.
    subscribe_poll_interval: timedelta = timedelta(seconds=1)
    #: Refuse a create without ``api_version``, ``kind`` or ``metadata.name``, as the deployed
    #: service does (wrong values are refused either way).
    require_resource_fields: bool = True
    #: Largest spec accepted by ``create`` (see `MAX_SPEC_BYTES`).
    max_spec_bytes: int = MAX_SPEC_BYTES
    #: Check each callback token for its principal (scope, genuine fields, pending with
    #: Temporal; docs/security.md): ``auto`` (when authentication is on), ``always``, ``never``.
    verify_callback_tokens: str = "auto"
    #: Limits (docs/security.md). Per principal: most open (pending or in progress) executions,
    #: counted in the store across replicas (0: no limit).
    max_open_executions_per_principal: int = 0
    #: Per principal and replica: sustained creates per second (0: no limit), and the burst.
    create_rate_per_principal: float = 0.0
    create_burst_per_principal: int = 20
    #: Concurrent ``subscribe`` streams per replica: per principal, and in all.
    max_subscriptions_per_principal: int = 64
    max_subscriptions: int = 1024
    #: gRPC: calls served at once per replica (beyond: RESOURCE_EXHAUSTED), HTTP/2 streams per
    #: connection, and the keepalive pings tolerated (a client pinging more often than this is
    #: sent GOAWAY after two strikes).
    max_concurrent_rpcs: int = 4096
    max_concurrent_streams: int = 256
    keepalive_min_ping_interval: timedelta = timedelta(seconds=10)
