"""Building and running conformance executables, one process per (language, role)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stigmer_conformance.framing import encode_frame, read_frame
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb

ROOT = Path(__file__).resolve().parents[2]
IMPLEMENTATIONS = ROOT / "conformance" / "implementations.json"


class ExecutableError(Exception):
    """An executable answered with an error, died, or did not answer in time."""


def _expand(text: str) -> str:
    text = text.replace("{root}", str(ROOT)).replace("{python}", sys.executable)
    while "{file:" in text:
        start = text.index("{file:")
        end = text.index("}", start)
        path = ROOT / text[start + len("{file:") : end]
        text = text[:start] + path.read_text().strip() + text[end + 1 :]
    return text


#: Every role; an implementation may play only some (a codec-only one plays just "codec").
ALL_ROLES = ("codec", "caller", "service", "system_worker")


@dataclass(frozen=True)
class Implementation:
    """One language's executable, from implementations.json."""

    language: str
    build_steps: tuple[tuple[str, tuple[str, ...]], ...]
    run_command: tuple[str, ...]
    roles: tuple[str, ...] = ALL_ROLES

    @property
    def plays_scenarios(self) -> bool:
        """Whether it takes part in the handshake scenarios, not only in the codec vectors."""
        return set(ALL_ROLES) <= set(self.roles)

    @staticmethod
    def load_all() -> dict[str, Implementation]:
        data = json.loads(IMPLEMENTATIONS.read_text())["implementations"]
        return {
            language: Implementation(
                language,
                tuple((step["cwd"], tuple(step["command"])) for step in entry["build"]),
                tuple(entry["run"]),
                tuple(entry.get("roles", ALL_ROLES)),
            )
            for language, entry in data.items()
        }

    def build(self) -> None:
        for cwd, command in self.build_steps:
            (ROOT / ".tools" / "conformance").mkdir(parents=True, exist_ok=True)
            result = subprocess.run(
                [_expand(part) for part in command],
                cwd=ROOT / cwd,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise ExecutableError(
                    f"building {self.language} failed:\n{result.stdout}\n{result.stderr}"
                )

    def command(self) -> list[str]:
        return [_expand(part) for part in self.run_command]


class RoleProcess:
    """A running executable: requests in, responses and events out."""

    def __init__(self, implementation: Implementation, role: str, log_dir: Path) -> None:
        self.implementation = implementation
        self.role = role
        self.log_path = log_dir / f"{implementation.language}-{role}.log"
        self._process: asyncio.subprocess.Process | None = None
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[pb.HarnessResponse]] = {}
        self._events: defaultdict[str, list[pb.Event]] = defaultdict(list)
        self._event_arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return f"{self.implementation.language}/{self.role}"

    async def start(self) -> None:
        with self.log_path.open("wb") as log:
            self._process = await asyncio.create_subprocess_exec(
                *self.implementation.command(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=ROOT,
                limit=64 * 1024 * 1024,
            )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        try:
            while True:
                response = await read_frame(self._process.stdout, pb.HarnessResponse)
                if response is None:
                    break
                if response.request_id == 0:
                    event = response.event
                    kind = event.WhichOneof("event")
                    seen = getattr(event, kind) if kind else None
                    async with self._event_arrived:
                        self._events[seen.case_id if seen else ""].append(event)
                        self._event_arrived.notify_all()
                    continue
                future = self._pending.pop(response.request_id, None)
                if future is not None and not future.done():
                    future.set_result(response)
        finally:
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(
                        ExecutableError(f"{self.name} exited; see {self.log_path}")
                    )

    async def request(self, timeout: float = 60.0, **kind: Any) -> pb.HarnessResponse:
        """Send one request and wait for its response; an ``error`` response raises."""
        assert self._process is not None
        assert self._process.stdin is not None
        self._next_id += 1
        request = pb.HarnessRequest(request_id=self._next_id, **kind)
        future: asyncio.Future[pb.HarnessResponse] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        self._process.stdin.write(encode_frame(request))
        await self._process.stdin.drain()
        try:
            response = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ExecutableError(f"{self.name} did not answer within {timeout:.0f} s") from None
        if response.WhichOneof("response") == "error":
            raise ExecutableError(f"{self.name}: {response.error}")
        return response

    def seen(self, case_id: str, kind: str) -> pb.TokenSeen | None:
        """The first event of ``kind`` reported for ``case_id`` so far, if any."""
        for event in self._events.get(case_id, []):
            if event.WhichOneof("event") == kind:
                seen: pb.TokenSeen = getattr(event, kind)
                return seen
        return None

    def seen_all(self, case_id: str, kind: str) -> list[pb.TokenSeen]:
        """Every event of ``kind`` reported for ``case_id`` so far (one per activity attempt)."""
        return [
            getattr(event, kind)
            for event in self._events.get(case_id, [])
            if event.WhichOneof("event") == kind
        ]

    async def wait_event(self, case_id: str, kind: str, timeout: float = 30.0) -> pb.TokenSeen:
        """The first event of ``kind`` reported for ``case_id``."""

        async def wait() -> pb.TokenSeen:
            async with self._event_arrived:
                while (seen := self.seen(case_id, kind)) is None:
                    await self._event_arrived.wait()
                return seen

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise ExecutableError(
                f"{self.name} reported no {kind} for {case_id} within {timeout:.0f} s"
            ) from None

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(Exception):
            self._process = process
            await self.request(timeout=10, shutdown=pb.ShutdownRequest())
        self._process = None
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
