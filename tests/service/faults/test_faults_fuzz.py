"""Fuzz of ``create`` for both kinds against a running service on both store backends.

Grammar-built requests, mutations of a valid one (bit flips, cuts, invalid UTF-8) and random
bytes: every answer is what the oracle in ``create_fuzz`` allows (INVALID_ARGUMENT,
RESOURCE_EXHAUSTED, NOT_FOUND for an unknown agent, or OK for a request that is valid), never
UNKNOWN; no traceback is logged, at most one line per refusal, and nothing is persisted for a
refusal. Bounded counts; the status-code histogram and the rejection latency come from
bench/bench_create_fuzz.py.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import uuid

import grpc
import grpc.aio
import pytest
import temporalio.client

from stigmer_sdk import AgentExecution
from stigmer_sdk.service.app import StigmerService, with_settings
from stigmer_sdk.service.auth import AuthConfig, StaticKeys, hash_api_key
from stigmer_sdk.service.runner import ScriptedRunner
from stigmer_sdk.testing import DevServer

from helpers.create_fuzz import KINDS, all_cases, expected_codes
from helpers.fixtures import SCRIPTS, all_ids, service_config

pytestmark = pytest.mark.integration

#: Cases per generator and kind (grammar, mutation, random): 3 x 2 x COUNT per backend.
COUNT = 150
KNOWN = "quick"
KEY = "fuzz-key"


async def test_hostile_creates_get_typed_answers_and_leave_nothing_behind(
    dev_server: DevServer,
    temporal_client: temporalio.client.Client,
    store_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    config = dataclasses.replace(
        with_settings(service_config(dev_server, store_url, suffix), require_resource_fields=True),
        auth=AuthConfig(keys=StaticKeys.parse(f"{hash_api_key(KEY)} fuzzer caller")),
    )
    caplog.set_level(logging.DEBUG)
    histogram: collections.Counter[str] = collections.Counter()
    accepted: list[str] = []
    refusals = 0
    async with (
        StigmerService(config, runner=ScriptedRunner(SCRIPTS)) as service,
        grpc.aio.insecure_channel(service.target) as channel,
    ):
        caplog.clear()
        for kind, (method, message_type) in KINDS.items():
            create = channel.unary_unary(method, response_deserializer=message_type.FromString)
            for case in all_cases(kind, KNOWN, COUNT):
                allowed = expected_codes(case, KNOWN)
                try:
                    ack = await create(
                        case.body, metadata=[("authorization", f"Bearer {KEY}")], timeout=30
                    )
                except grpc.aio.AioRpcError as error:
                    code = error.code()
                    refusals += 1
                else:
                    code = grpc.StatusCode.OK
                    assert isinstance(ack, AgentExecution | message_type)
                    accepted.append(ack.metadata.id)
                histogram[f"{kind}/{case.source}/{code.name}"] += 1
                assert code in allowed, (case, code, allowed)
        stored = set(await all_ids(store_url))

    assert stored == set(accepted), "a refused create left a row, or an accepted one none"
    # Every generator and kind reached the service, and the valid ones were accepted.
    for kind in KINDS:
        assert histogram[f"{kind}/grammar/OK"] > 0, histogram
        assert histogram[f"{kind}/grammar/INVALID_ARGUMENT"] > 0, histogram
        assert histogram[f"{kind}/random/INVALID_ARGUMENT"] > 0, histogram
    assert not any(name.endswith("/UNKNOWN") for name in histogram), histogram
    records = caplog.records
    assert not [r for r in records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text
    assert not [r for r in records if r.levelno >= logging.ERROR and r.name != "temporalio"]
    refused_lines = [r for r in records if r.getMessage().startswith("Refused ")]
    assert len(refused_lines) <= refusals
