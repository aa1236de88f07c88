"""Store benchmark: SQLite group commit against one commit per operation, in the same run.

Each round runs the same workload twice on fresh database files, alternating the order: a
handshake's store writes (``create``, the first step's ``update_execution``, the final ``finish``:
3 writes) for ``--handshakes`` executions, ``--concurrency`` of them at a time. Both variants keep
``synchronous=FULL`` in WAL mode and answer a write only after its transaction committed; the
group-committing store shares one commit among the writes queued meanwhile.

Run: ``.venv/bin/python bench/bench_store.py`` (``--json reports/bench-store.json`` to keep the
figures). With ``STIGMER_TEST_POSTGRES_URL`` set, PostgreSQL is measured too (no comparison:
its pool runs concurrent transactions anyway). Numbers depend on the machine and its disk; the
ratio is what to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

from stigmer_sdk.api.agentic.agentexecution.v1.api_pb2 import AgentExecution  # noqa: E402
from stigmer_sdk.service.store import ExecutionKind, ExecutionStore, open_store  # noqa: E402
from stigmer_sdk.service.store.crypto import TokenCipher  # noqa: E402
from stigmer_sdk.service.store.sql import utc_clock  # noqa: E402
from stigmer_sdk.service.store.sqlite import DEFAULT_MAX_BATCH, SQLiteStore  # noqa: E402
from stigmer_sdk.tokens import token_digest  # noqa: E402


def _execution(message: str) -> bytes:
    execution = AgentExecution(api_version="agentic.stigmer.ai/v1", kind="AgentExecution")
    execution.spec.agent_id = "agent-1"
    execution.spec.message = message
    return execution.SerializeToString(deterministic=True)


async def _handshake(store: ExecutionStore, index: int) -> None:
    execution_id = f"aex_{uuid.uuid4().hex}"
    token = b"\x0a\x07default\x12\x04wf-" + str(index).encode() + os.urandom(200)
    await store.create(
        id=execution_id,
        kind=ExecutionKind.AGENT,
        execution=_execution("hello"),
        callback_token=token,
        idempotency_key=f"v1:{execution_id}",
    )
    await store.update_execution(execution_id, _execution("running"))
    await store.finish(
        execution_id, _execution("done"), "COMPLETED", token_digest=token_digest(token)
    )


async def _workload(store: ExecutionStore, handshakes: int, concurrency: int) -> float:
    """Handshakes per second."""
    slots = asyncio.Semaphore(concurrency)

    async def one(index: int) -> None:
        async with slots:
            await _handshake(store, index)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(handshakes)))
    return handshakes / (time.perf_counter() - started)


async def _sqlite(
    directory: Path, max_batch: int, handshakes: int, concurrency: int
) -> dict[str, Any]:
    path = directory / f"store-{max_batch}-{uuid.uuid4().hex[:8]}.db"
    store = SQLiteStore(str(path), TokenCipher([]), utc_clock(None), max_batch=max_batch)
    await store.open()
    try:
        rate = await _workload(store, handshakes, concurrency)
        return {
            "handshakes_per_second": rate,
            "writes": store.operations,
            "commits": store.commits,
            "writes_per_handshake": store.operations / handshakes,
        }
    finally:
        await store.close()


async def _postgres(url: str, handshakes: int, concurrency: int) -> float:
    """Handshakes per second on a scratch schema, dropped afterwards."""
    import psycopg
    from psycopg import sql

    schema = f"stigmer_bench_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
        await admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        separator = "&" if "?" in url else "?"
        scoped = f"{url}{separator}options=-csearch_path%3D{schema}"
        store = await open_store(scoped, pool_size=concurrency)
        try:
            return await _workload(store, handshakes, concurrency)
        finally:
            await store.close()
    finally:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            await admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    results: dict[str, list[dict[str, Any]]] = {"per_operation": [], "group_commit": []}
    with tempfile.TemporaryDirectory(prefix="stigmer-bench-store-") as tmp:
        for round_index in range(args.rounds):
            order = [("per_operation", 1), ("group_commit", DEFAULT_MAX_BATCH)]
            if round_index % 2:
                order.reverse()
            for name, max_batch in order:
                figures = await _sqlite(Path(tmp), max_batch, args.handshakes, args.concurrency)
                results[name].append(figures)
                print(
                    f"round {round_index + 1} sqlite {name:<13} "
                    f"{figures['handshakes_per_second']:8.1f} handshakes/s  "
                    f"{figures['writes_per_handshake']:.0f} writes/handshake  "
                    f"{figures['commits']} commits for {figures['writes']} writes"
                )
    per_op = statistics.median(r["handshakes_per_second"] for r in results["per_operation"])
    grouped = statistics.median(r["handshakes_per_second"] for r in results["group_commit"])
    report: dict[str, Any] = {
        "handshakes": args.handshakes,
        "concurrency": args.concurrency,
        "sqlite": results,
        "sqlite_group_commit_over_per_operation": grouped / per_op,
        "load_average": os.getloadavg(),
    }
    print(
        f"sqlite group commit / per-operation commit: {grouped / per_op:.2f}x "
        f"({grouped:.1f} against {per_op:.1f} handshakes/s; load {os.getloadavg()[0]:.2f})"
    )
    url = os.environ.get("STIGMER_TEST_POSTGRES_URL")
    if url:
        rate = await _postgres(url, args.handshakes, args.concurrency)
        report["postgresql_handshakes_per_second"] = rate
        print(f"postgresql pool of {args.concurrency}: {rate:8.1f} handshakes/s (3 writes each)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
