"""Create fuzz benchmark: the status-code histogram of hostile creates and the rejection latency.

The cases of tests/helpers/create_fuzz.py (grammar-built, mutated and random bodies, both kinds) at
larger counts, sent one at a time to the reference service (SQLite, API-key authentication, a
real Temporal dev server, all in this process). Prints the histogram, the latency of refusals and
of accepted creates (p50/p95/p99/max, ms), the log lines and tracebacks written, and the answers
that the oracle did not allow; writes ``reports/bench_create_fuzz.json``. Run with
``make bench-fuzz`` (``--count N`` cases per generator and kind, default 500).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import io
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stigmer_sdk.service.app import (  # noqa: E402
    ServiceConfig,
    StigmerService,
    TemporalConnection,
)
from stigmer_sdk.service.auth import AuthConfig, StaticKeys, hash_api_key  # noqa: E402
from stigmer_sdk.service.runner import Script, ScriptedRunner  # noqa: E402
from stigmer_sdk.testing import DevServer  # noqa: E402

from helpers.create_fuzz import KINDS, all_cases, expected_codes  # noqa: E402

KEY = "bench-fuzz-key"
KNOWN = "instant"


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return round(cuts[p - 1] if cuts else ordered[0], 2)

    return {
        "count": len(ordered),
        "p50_ms": at(50),
        "p95_ms": at(95),
        "p99_ms": at(99),
        "max_ms": round(ordered[-1], 2),
    }


async def run(count: int) -> dict[str, Any]:
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    histogram: collections.Counter[str] = collections.Counter()
    refused_ms: list[float] = []
    accepted_ms: list[float] = []
    disallowed: list[str] = []
    with tempfile.TemporaryDirectory() as directory:
        async with DevServer() as dev_server:
            config = ServiceConfig(
                listen="127.0.0.1:0",
                temporal=TemporalConnection(address=dev_server.target),
                store_url=f"sqlite:///{Path(directory) / 'stigmer.db'}",
                auth=AuthConfig(keys=StaticKeys.parse(f"{hash_api_key(KEY)} bench caller")),
            )
            runner = ScriptedRunner({KNOWN: Script(duration=timedelta(0), progress=())})
            async with (
                StigmerService(config, runner=runner) as service,
                grpc.aio.insecure_channel(service.target) as channel,
            ):
                log.truncate(0)
                log.seek(0)
                metadata = [("authorization", f"Bearer {KEY}")]
                for kind, (method, message_type) in KINDS.items():
                    create = channel.unary_unary(
                        method, response_deserializer=message_type.FromString
                    )
                    for case in all_cases(kind, KNOWN, count, seed=97):
                        started = time.perf_counter()
                        try:
                            await create(case.body, metadata=metadata, timeout=30)
                            code = grpc.StatusCode.OK
                        except grpc.aio.AioRpcError as error:
                            code = error.code()
                        elapsed = (time.perf_counter() - started) * 1000
                        (accepted_ms if code is grpc.StatusCode.OK else refused_ms).append(elapsed)
                        histogram[code.name] += 1
                        histogram[f"{kind}/{case.source}/{code.name}"] += 1
                        if code not in expected_codes(case, KNOWN):
                            disallowed.append(f"{kind}/{case.source}: {code.name}")
                text = log.getvalue()
    logging.getLogger().removeHandler(handler)
    return {
        "cases": sum(v for k, v in histogram.items() if "/" not in k),
        "histogram": {k: v for k, v in sorted(histogram.items()) if "/" not in k},
        "histogram_by_generator": {k: v for k, v in sorted(histogram.items()) if "/" in k},
        "rejection_latency": _percentiles(refused_ms),
        "accepted_latency": _percentiles(accepted_ms),
        "log_lines": len(text.splitlines()),
        "log_bytes": len(text.encode()),
        "tracebacks": text.count("Traceback"),
        "errors_logged": sum(1 for line in text.splitlines() if line.startswith("ERROR")),
        "not_allowed_by_the_oracle": disallowed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="cases per generator and kind")
    parser.add_argument("--output", type=Path, default=ROOT / "reports" / "bench_create_fuzz.json")
    args = parser.parse_args()
    report = asyncio.run(run(args.count))
    print(json.dumps(report, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
