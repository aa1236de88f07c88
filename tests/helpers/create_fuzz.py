"""Hostile ``create`` bodies for both kinds, and what the service must answer to each.

Three generators, each seeded so a failure can be replayed:

* ``grammar_cases``: requests assembled from a grammar of good and bad values per field
  (api_version, kind, metadata, the spec's ids and text, the callback token, the size).
* ``mutation_cases``: bit flips, truncations and byte insertions of a valid request.
* ``random_cases``: random bytes.

:func:`expected_codes` is the oracle: the status codes a body may get. Used by
tests/service/faults/test_faults_fuzz.py and bench/bench_create_fuzz.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
from google.protobuf.message import DecodeError

from stigmer_sdk.api.agentic.agentexecution.v1 import api_pb2 as agent_api
from stigmer_sdk.api.agentic.workflowexecution.v1 import api_pb2 as workflow_api
from stigmer_sdk.errors import TokenError
from stigmer_sdk.service.codec import MAX_SPEC_BYTES
from stigmer_sdk.service.scopes import missing_token_fields
from stigmer_sdk.tokens import DEFAULT_MAX_TOKEN_BYTES, TaskToken

API_VERSION = "agentic.stigmer.ai/v1"
AGENT_CREATE = "/ai.stigmer.agentic.agentexecution.v1.AgentExecutionCommandController/create"
WORKFLOW_CREATE = (
    "/ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionCommandController/create"
)
KINDS = {
    "agent": (AGENT_CREATE, agent_api.AgentExecution),
    "workflow": (WORKFLOW_CREATE, workflow_api.WorkflowExecution),
}

Message = agent_api.AgentExecution | workflow_api.WorkflowExecution


@dataclass(frozen=True)
class Case:
    kind: str
    source: str
    body: bytes


_ASCII_ALNUM = re.compile("[A-Za-z0-9]")


def _strings(rng: random.Random) -> list[str]:
    return ["", " ", "é\u202e\u0000", "x" * rng.randint(1, 300), "../../etc/passwd"]


def _token(rng: random.Random) -> bytes:
    return rng.choice(
        [
            b"",
            b"\xff" * rng.randint(1, 40),  # not a task token
            b"\x0a",  # truncated
            bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 200))),
            b"\x00" * (64 * 1024 + 1),  # above the token limit
        ]
    )


def valid(kind: str, known: str, rng: random.Random) -> Message:
    """A request the service accepts (``known``: an agent/workflow id its runner knows)."""
    message: Message
    if kind == "agent":
        agent = agent_api.AgentExecution(api_version=API_VERSION, kind="AgentExecution")
        agent.spec.agent_id = known
        agent.spec.message = f"question {rng.randint(0, 10**6)}"
        message = agent
    else:
        workflow = workflow_api.WorkflowExecution(api_version=API_VERSION, kind="WorkflowExecution")
        workflow.spec.workflow_id = known
        workflow.spec.trigger_message = f"trigger {rng.randint(0, 10**6)}"
        message = workflow
    message.metadata.name = f"exec-{rng.getrandbits(80):020x}"
    return message


def grammar_cases(kind: str, known: str, count: int, seed: int) -> Iterator[Case]:
    """Requests with each field drawn from good and bad values (about one in four valid)."""
    rng = random.Random(seed)
    for _ in range(count):
        request = valid(kind, known, rng)
        if rng.random() < 0.3:
            request.api_version = rng.choice(["", "agentic.stigmer.ai/v2", *_strings(rng)])
        if rng.random() < 0.3:
            request.kind = rng.choice(["", "AgentExecution", "WorkflowExecution", "Agent"])
        if rng.random() < 0.2:
            choice = rng.random()
            if choice < 0.4:
                request.ClearField("metadata")
            else:
                request.metadata.name = rng.choice(_strings(rng))
        if rng.random() < 0.3:
            if isinstance(request, agent_api.AgentExecution):
                request.spec.agent_id = rng.choice(["", known, *_strings(rng)[:2]])
                request.spec.message = rng.choice(["", "hello", *_strings(rng)])
            else:
                request.spec.workflow_id = rng.choice(["", known, *_strings(rng)[:2]])
        if rng.random() < 0.2:
            request.spec.callback_token = _token(rng)
        if rng.random() < 0.05:
            text = "y" * (MAX_SPEC_BYTES + rng.randint(1, 1024))
            if isinstance(request, agent_api.AgentExecution):
                request.spec.message = text
            else:
                request.spec.trigger_message = text
        if rng.random() < 0.1:
            request.ClearField("spec")
        yield Case(kind, "grammar", request.SerializeToString())


def mutation_cases(kind: str, known: str, count: int, seed: int) -> Iterator[Case]:
    """A valid request with bits flipped, bytes cut or inserted (invalid UTF-8 among them)."""
    rng = random.Random(seed)
    for _ in range(count):
        body = bytearray(valid(kind, known, rng).SerializeToString())
        operation = rng.random()
        if operation < 0.5:
            for _ in range(rng.randint(1, 3)):
                position = rng.randrange(len(body))
                body[position] ^= 1 << rng.randrange(8)
        elif operation < 0.7:
            del body[rng.randrange(len(body)) :]
        elif operation < 0.9:
            position = rng.randrange(len(body))
            body[position:position] = rng.choice([b"\xc3\x28", b"\xff", b"\xed\xa0\x80"])
        else:
            body[rng.randrange(len(body))] = 0x80  # a dangling varint continuation
        yield Case(kind, "mutation", bytes(body))


def random_cases(kind: str, count: int, seed: int) -> Iterator[Case]:
    """Random bytes of random length, a few of them empty."""
    rng = random.Random(seed)
    for _ in range(count):
        length = rng.choice([0, 1, 2, rng.randint(3, 64), rng.randint(64, 4096)])
        yield Case(kind, "random", bytes(rng.getrandbits(8) for _ in range(length)))


def all_cases(kind: str, known: str, count: int, seed: int = 11) -> list[Case]:
    """``count`` cases of each generator for ``kind``."""
    return [
        *grammar_cases(kind, known, count, seed),
        *mutation_cases(kind, known, count, seed + 1),
        *random_cases(kind, count, seed + 2),
    ]


def _valid_token(token: bytes) -> bool:
    try:
        TaskToken(token).validate(DEFAULT_MAX_TOKEN_BYTES)
    except TokenError:
        return False
    return True


def expected_codes(
    case: Case, known: str, *, tokens_verified: bool = True
) -> frozenset[grpc.StatusCode]:
    """What the service may answer to ``case``: OK only for a request it should accept.

    An unknown agent or workflow (a bit flip can make one) is NOT_FOUND, as the deployed service
    answers it; every other refusal is INVALID_ARGUMENT, or RESOURCE_EXHAUSTED for size. With
    ``tokens_verified`` (authentication on), a token without the fields of a genuine one is
    INVALID_ARGUMENT and one with them names no pending activity: PERMISSION_DENIED.
    """
    invalid = frozenset({grpc.StatusCode.INVALID_ARGUMENT})
    _, message_type = KINDS[case.kind]
    try:
        request = message_type.FromString(case.body)
    except DecodeError:
        return invalid
    token = request.spec.callback_token
    size = request.spec.ByteSize() - len(token)
    if size > MAX_SPEC_BYTES - 8:  # around the limit, the token's own framing decides
        return frozenset({grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.INVALID_ARGUMENT})
    if (
        request.api_version != API_VERSION
        or request.kind != type(request).__name__
        or not _ASCII_ALNUM.search(request.metadata.name)  # its slug would be empty
        or not request.HasField("spec")
        or (token and not _valid_token(token))
        or any(not entry.value for entry in request.spec.runtime_env.values())
    ):
        return invalid
    if isinstance(request, agent_api.AgentExecution):
        if not (request.spec.agent_id and request.spec.message) or request.metadata.owner_scope:
            return invalid
        target = request.spec.agent_id
    else:
        if not (request.spec.workflow_id or request.spec.workflow_instance_id):
            return invalid
        if request.metadata.owner_scope not in (0, 2, 3):  # unspecified, organization, identity
            return invalid
        target = request.spec.workflow_id or request.spec.workflow_instance_id
    if target != known:
        return frozenset({grpc.StatusCode.NOT_FOUND})
    if token and tokens_verified:
        info = TaskToken(token).inspect()
        if info is None or missing_token_fields(info):
            return invalid
        return frozenset({grpc.StatusCode.PERMISSION_DENIED})
    return frozenset({grpc.StatusCode.OK})
