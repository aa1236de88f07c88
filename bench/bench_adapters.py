"""The Go and Java adapters' caller side against raw Go and Java SDK code.

``bench/go`` and ``bench/java`` each run two caller workers in one process (4 activity slots
each): a hand-written activity (token into ``spec.callback_token``, ``create`` through the
generated stub, leave the activity pending) and the adapter's
(``handshake.ExecuteAgentAndWaitPending``, ``StigmerHandshake.executeAgentAndWaitPending``),
alternating, against the same service (the RAW Python service, so only the caller differs).
Both builds work offline: Go from the module cache, Java with ``mvn -o``.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUILD = ROOT / "build" / "bench"
JAVA_ADAPTER = ROOT / "adapters" / "java"


def build_go() -> list[str] | None:
    """Build bench/go; the command to run it, or None without a Go toolchain."""
    if shutil.which("go") is None:
        return None
    BUILD.mkdir(parents=True, exist_ok=True)
    binary = BUILD / "stigmer-bench-go"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=BENCH / "go", check=True)
    return [str(binary)]


def build_java() -> list[str] | None:
    """Compile the adapter (mvn -o) and bench/java; the command to run it, or None."""
    if shutil.which("mvn") is None or shutil.which("javac") is None:
        return None
    classpath_file = JAVA_ADAPTER / "target" / "bench.classpath"
    subprocess.run(
        [
            *("mvn", "-q", "-B", "-o", "compile", "dependency:build-classpath"),
            f"-Dmdep.outputFile={classpath_file}",
            "-Dmdep.includeScope=runtime",
        ],
        cwd=JAVA_ADAPTER,
        check=True,
    )
    classpath = f"{JAVA_ADAPTER / 'target' / 'classes'}:{classpath_file.read_text().strip()}"
    classes = BUILD / "java"
    classes.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["javac", "-d", str(classes), "-cp", classpath, str(BENCH / "java" / "BenchJava.java")],
        check=True,
    )
    return ["java", "-cp", f"{classes}:{classpath}", "BenchJava"]


def build() -> dict[str, list[str]]:
    """Build what this machine can; a language whose toolchain is missing is skipped."""
    commands = {}
    for language, builder in (("go", build_go), ("java", build_java)):
        try:
            command = builder()
        except subprocess.CalledProcessError as error:
            print(f"{language} bench did not build: {error}", file=sys.stderr)
            continue
        if command is not None:
            commands[language] = command
    return commands


async def run_language(
    command: list[str],
    language: str,
    temporal: str,
    service: str,
    rounds: int,
    sequential: int,
    burst: int,
) -> dict[str, Any]:
    if language == "go":
        args = [
            *("-temporal", temporal, "-service", service, "-rounds", str(rounds)),
            *("-sequential", str(sequential), "-burst", str(burst)),
        ]
    else:
        args = [temporal, service, str(rounds), str(sequential), str(burst)]
    process = await asyncio.create_subprocess_exec(
        *command, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
    )
    stdout, _ = await process.communicate()
    if process.returncode != 0:
        return {"error": f"exit status {process.returncode}"}
    result: dict[str, Any] = json.loads(stdout)
    return result


async def run(
    commands: dict[str, list[str]],
    temporal: str,
    service: str,
    rounds: int,
    sequential: int,
    burst: int,
) -> dict[str, Any]:
    """Each language in turn, on the running dev server and service."""
    results = {}
    for language, command in commands.items():
        results[language] = await run_language(
            command, language, temporal, service, rounds, sequential, burst
        )
        print(f"{language} adapter bench done", file=sys.stderr)
    return results
