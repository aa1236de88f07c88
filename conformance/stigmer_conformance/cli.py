"""``python conformance/run.py``: build, run every case, print the matrices, write the report."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import signal
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import temporalio.client

from stigmer_conformance import cases, contract, live, logs, report
from stigmer_conformance.processes import ROOT, Implementation, RoleProcess
from stigmer_sdk.api.conformance.v1 import harness_pb2 as pb
from stigmer_sdk.converter import data_converter
from stigmer_sdk.service.app import ServiceConfig, StigmerService, TemporalConnection
from stigmer_sdk.service.config import ServiceSettings
from stigmer_sdk.service.runner import Script, ScriptedRunner
from stigmer_sdk.testing import DevServer, FakeStigmerService

OTHER_NAMESPACE = "conformance-other"


def _selected(case_id: str, only: str) -> bool:
    """``--only``: comma-separated case id prefixes; empty selects every case."""
    return not only or any(case_id.startswith(prefix) for prefix in only.split(",") if prefix)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    implementations = list(Implementation.load_all())
    parser = argparse.ArgumentParser(prog="conformance/run.py", description=__doc__)
    parser.add_argument("--langs", default=",".join(implementations), help="languages to run")
    parser.add_argument(
        "--only",
        default="",
        help="run only cases whose id starts with one of these comma-separated prefixes",
    )
    parser.add_argument(
        "--report", type=Path, default=ROOT / "reports" / "conformance.json", help="JSON report"
    )
    parser.add_argument(
        "--known-failing-dir", type=Path, default=ROOT / "conformance" / "known-failing"
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="LANG:FAULT",
        help="make LANG misbehave (FLIP_TOKEN_BYTE, DROP_FAILURE_TYPE, SYSTEM_INPUT_JSON, "
        "DROP_SERVICE_LABEL, LOG_FIELD_IN_MESSAGE, FLIP_RETRYABILITY); for testing",
    )
    parser.add_argument(
        "--corrupt-vector",
        action="append",
        default=[],
        metavar="LANG:VECTOR",
        help="flip one byte of VECTOR as given to LANG; for testing the suite",
    )
    parser.add_argument("--no-build", action="store_true", help="use existing builds")
    live = parser.add_argument_group(
        "live mode: only the caller-side scenarios, against a running Stigmer service"
    )
    live.add_argument("--service", default="", metavar="HOST:PORT", help="the Stigmer service")
    live.add_argument(
        "--temporal", default="", metavar="HOST:PORT", help="the service's Temporal frontend"
    )
    live.add_argument("--namespace", default="default", help="the Temporal namespace")
    live.add_argument("--agent", default="echo", help="id of an agent that replies")
    live.add_argument("--failing-agent", default="failing", help="id of an agent that fails")
    live.add_argument(
        "--live-start-to-close",
        type=float,
        default=60,
        metavar="SECONDS",
        help="the caller activity's start-to-close timeout in live scenarios",
    )
    parser.add_argument(
        "--no-emulator",
        action="store_true",
        help="skip the deployed-service emulation (stigmer-deployed-emulator)",
    )
    args = parser.parse_args(argv)
    if bool(args.service) != bool(args.temporal):
        parser.error("--service and --temporal go together")
    return args


async def _start_codec(implementation: Implementation, log_dir: Path) -> RoleProcess:
    process = RoleProcess(implementation, "codec", log_dir)
    await process.start()
    return process


async def _start_caller(
    implementation: Implementation, temporal: pb.TemporalTarget, log_dir: Path
) -> tuple[RoleProcess, str]:
    """Only a caller worker (live mode): the process and its task queue."""
    process = RoleProcess(implementation, "caller", log_dir)
    await process.start()
    queue = f"conformance-caller-{implementation.language}-{uuid.uuid4().hex[:6]}"
    await process.request(
        timeout=120,
        start=pb.StartRequest(temporal=temporal, caller=pb.CallerRole(task_queue=queue)),
    )
    return process, queue


async def _start_language(
    implementation: Implementation,
    server: DevServer,
    faults: list[int],
    log_dir: Path,
) -> cases.Roles:
    language = implementation.language
    processes = {
        role: RoleProcess(implementation, role, log_dir)
        for role in ("codec", "caller", "service", "system_worker")
    }
    await asyncio.gather(*(process.start() for process in processes.values()))
    suffix = uuid.uuid4().hex[:6]
    temporal = pb.TemporalTarget(address=server.target, namespace="default")
    roles = cases.Roles(
        codec=processes["codec"],
        caller=processes["caller"],
        service=processes["service"],
        system_worker=processes["system_worker"],
        caller_queue=f"conformance-caller-{language}-{suffix}",
        system_queue=f"conformance-system-{language}-{suffix}",
    )
    roles.service_queue = f"conformance-service-{language}-{suffix}"
    caller_started = await roles.caller.request(
        timeout=120,
        start=pb.StartRequest(
            temporal=temporal,
            faults=faults,
            caller=pb.CallerRole(task_queue=roles.caller_queue),
        ),
    )
    started = await roles.service.request(
        timeout=120,
        start=pb.StartRequest(
            temporal=temporal,
            faults=faults,
            service=pb.ServiceRole(
                workflow_task_queue=roles.service_queue,
                other_namespace=OTHER_NAMESPACE,
            ),
        ),
    )
    roles.service_address = started.started.address
    worker_started = await roles.system_worker.request(
        timeout=120,
        start=pb.StartRequest(
            temporal=temporal,
            faults=faults,
            system_worker=pb.SystemWorkerRole(task_queue=roles.system_queue),
        ),
    )
    for role, response in (
        ("caller", caller_started),
        ("service", started),
        ("system_worker", worker_started),
    ):
        if response.started.metrics_address:
            roles.metrics_addresses[role] = response.started.metrics_address
    return roles


async def _case(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    case: dict[str, Any],
    work: Any,
    timeout: float = 120,
) -> None:
    started = time.perf_counter()
    try:
        details = await asyncio.wait_for(work, timeout)
        passed, message = True, ""
    except cases.CaseFailure as failure:
        details, passed, message = {}, False, str(failure)
    except Exception as error:  # noqa: BLE001 - any error fails the case, not the run
        details, passed, message = {}, False, f"{type(error).__name__}: {error}"
        traceback.print_exc(file=sys.stderr)
    entry = report.lookup(known, case["id"])
    case.update(
        status=report.classify(passed, entry),
        message=message or (f"listed as known-failing ({entry[1]}) but passed" if entry else ""),
        known_failing_reason=entry[1] if entry else None,
        seconds=round(time.perf_counter() - started, 3),
        details=details,
    )
    results.append(case)
    print(f"{case['status']:>5} {case['id']}" + (f"  {message}" if message else ""), flush=True)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    all_implementations = Implementation.load_all()
    languages = [lang for lang in args.langs.split(",") if lang]
    unknown = [lang for lang in languages if lang not in all_implementations]
    if unknown:
        raise SystemExit(f"unknown languages: {', '.join(unknown)}")
    faults: dict[str, list[int]] = {}
    for spec in args.fault:
        language, _, fault = spec.partition(":")
        faults.setdefault(language, []).append(pb.Fault.Value(f"FAULT_{fault}"))
    corrupt = {tuple(spec.split(":", 1)) for spec in args.corrupt_vector}
    known = report.load_known_failing(args.known_failing_dir, [*languages, live.EMULATOR])

    if not args.no_build:
        for language in languages:
            print(f"building {language}...", flush=True)
            await asyncio.to_thread(all_implementations[language].build)
        if not args.no_emulator:
            print(f"building {live.EMULATOR}...", flush=True)
            await asyncio.to_thread(live.Emulator.implementation().build)

    results: list[dict[str, Any]] = []
    log_dir = Path(tempfile.mkdtemp(prefix="stigmer-conformance-"))
    async with DevServer(namespaces=[OTHER_NAMESPACE]) as server:
        temporal = await temporalio.client.Client.connect(
            server.target, data_converter=data_converter
        )
        # Scenarios run among the languages that play every role; codec-only ones (a second,
        # independent implementation of one language, say) join the vectors only.
        players = [lang for lang in languages if all_implementations[lang].plays_scenarios]
        roles = dict(
            zip(
                players,
                await asyncio.gather(
                    *(
                        _start_language(
                            all_implementations[lang], server, faults.get(lang, []), log_dir
                        )
                        for lang in players
                    )
                ),
                strict=True,
            )
        )
        codecs = {lang: roles[lang].codec for lang in players}
        for lang in languages:
            if lang not in codecs:
                codecs[lang] = await _start_codec(all_implementations[lang], log_dir)
        try:
            for vector in cases.Vector.load_all():
                for language in languages:
                    case = {
                        "id": f"codec/{vector.name}/{language}",
                        "kind": "codec",
                        "vector": vector.name,
                        "language": language,
                    }
                    if _selected(case["id"], args.only):
                        await _case(
                            results,
                            known,
                            case,
                            cases.run_codec(
                                codecs[language], vector, (language, vector.name) in corrupt
                            ),
                        )
            for payload in cases.PayloadVector.load_all():
                for language in languages:
                    case = {
                        "id": f"payload/{payload.name}/{language}",
                        "kind": "payload",
                        "vector": payload.name,
                        "language": language,
                    }
                    if _selected(case["id"], args.only):
                        await _case(
                            results, known, case, cases.run_payload(codecs[language], payload)
                        )
            for scenario in cases.Scenario.load_all():
                for row in players:
                    for column in players:
                        if scenario.system_activity:
                            # Rows: the language whose workflow schedules the system activity
                            # (the service); columns: the language of the worker that runs it.
                            caller, service, worker = row, row, column
                            axes = ("workflow language", "system worker language")
                        else:
                            caller, service, worker = row, column, column
                            axes = ("caller", "service")
                        case_id = f"{scenario.name}/{row}->{column}"
                        case = {
                            "id": case_id,
                            "kind": "scenario",
                            "scenario": scenario.name,
                            "row": row,
                            "column": column,
                            "axes": axes,
                        }
                        if not _selected(case_id, args.only):
                            continue
                        await _case(
                            results,
                            known,
                            case,
                            cases.run_scenario(
                                cases.ScenarioRun(
                                    scenario,
                                    case_id,
                                    temporal,
                                    roles[caller],
                                    roles[service],
                                    roles[worker],
                                )
                            ),
                        )
            await _log_cases(results, known, args, players, roles)
            if not args.no_emulator and players:
                await _emulator_cases(results, known, args, server, temporal, roles, log_dir)
            if players:
                await _reference_cases(results, known, args, server, temporal, roles, log_dir)
            fake = await FakeStigmerService().start()
            ran: dict[str, dict[str, tuple[str, bool]]] = {lang: {} for lang in players}
            try:
                for error in cases.CreateErrorCase.load_all():
                    for language in players:
                        case = {
                            "id": f"create-error/{error.code}/{language}",
                            "kind": "create-error",
                            "vector": error.code,
                            "language": language,
                        }
                        if _selected(case["id"], args.only):
                            await _case(
                                results,
                                known,
                                case,
                                cases.run_create_error(
                                    temporal, roles[language], fake, error, case["id"]
                                ),
                            )
                            ran[language][case["id"]] = (error.code, error.retryable)
                for language in players:
                    case = {
                        "id": f"local-activity/{language}",
                        "kind": "create-error",
                        "vector": "(as a local activity)",
                        "language": language,
                    }
                    if _selected(case["id"], args.only):
                        await _case(
                            results,
                            known,
                            case,
                            cases.run_local_activity(temporal, roles[language], fake, case["id"]),
                        )
                for language in players:
                    case = {
                        "id": f"logs/create-failed/{language}",
                        "kind": "logs",
                        "vector": "create-failed",
                        "language": language,
                    }
                    if ran[language] and _selected(case["id"], args.only):
                        await _case(
                            results,
                            known,
                            case,
                            logs.check_create_failed_logs(roles[language].caller, ran[language]),
                        )
            finally:
                await fake.stop()
            await _contract_cases(results, known, args, temporal, players, roles)
        finally:
            for process in codecs.values():
                await process.stop()
            for language_roles in roles.values():
                for process in (
                    language_roles.caller,
                    language_roles.service,
                    language_roles.system_worker,
                ):
                    await process.stop()

    return {
        "languages": languages,
        "scenario_languages": players,
        "summary": report.summarize(results),
        "cases": results,
        "encodings": _encodings(results),
        "logs": str(log_dir),
    }


async def _live_cases(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    temporal: temporalio.client.Client,
    callers: dict[str, tuple[RoleProcess, str]],
    target: live.LiveTarget,
    axes: str,
) -> None:
    """Every live scenario, per caller and column; each check is a case of its own."""
    for scenario in live.LiveScenario.load_all():
        if not scenario.runs_against(target.name):
            continue
        for column in target.columns:
            for language, (process, queue) in callers.items():
                case_id = f"{target.name}/{scenario.name}/{language}->{column}"
                ids = {
                    name: f"{target.name}/{scenario.name}/{name}/{language}->{column}"
                    for name in scenario.checks
                }
                if not any(_selected(i, args.only) for i in (case_id, *ids.values())):
                    continue
                try:
                    outcome = await live.run_live_scenario(
                        temporal, process, queue, target, scenario, column, case_id
                    )
                except Exception as error:  # noqa: BLE001 - reported by every check
                    traceback.print_exc(file=sys.stderr)
                    outcome = live.LiveOutcome(case_id, error=f"{type(error).__name__}: {error}")
                for name, check_id in ids.items():
                    case = {
                        "id": check_id,
                        "kind": "live",
                        "target": target.name,
                        "scenario": scenario.name,
                        "check": name,
                        "row": language,
                        "column": column,
                        "axes": axes,
                    }

                    async def run_check(
                        name: str = name, outcome: live.LiveOutcome = outcome
                    ) -> dict[str, Any]:
                        return live.check_live(outcome, name)

                    await _case(results, known, case, run_check())


async def _emulator_cases(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    server: DevServer,
    temporal: temporalio.client.Client,
    roles: dict[str, cases.Roles],
    log_dir: Path,
) -> None:
    """The live scenarios against the deployed-service emulation, in its two completion modes."""
    names = [*(s.name for s in live.LiveScenario.load_all()), "go-any-caller"]
    if not any(_selected(f"emulator/{name}/", args.only) for name in names):
        return
    callers = {lang: (r.caller, r.caller_queue) for lang, r in roles.items()}
    agents = {"echo": "echo", "failing": "failing"}
    suffix = uuid.uuid4().hex[:6]
    own, external = live.Emulator(log_dir, "own"), live.Emulator(log_dir, "external")
    try:
        own_address = await own.start(server.target, f"emulator-own-{suffix}", "own")
        external_address = await external.start(
            server.target, f"emulator-external-{suffix}", "external"
        )
        for target in (
            live.LiveTarget("emulator", own_address, {"deployed": ""}, agents, 15),
            live.LiveTarget(
                "emulator",
                external_address,
                {lang: r.system_queue for lang, r in roles.items()},
                agents,
                30,
            ),
        ):
            await _live_cases(
                results,
                known,
                args,
                temporal,
                callers,
                target,
                "completer: the emulator's own activity (deployed) or a language's SDK system "
                "activity",
            )
        # The deployed service delivers the execution as created (PENDING, no reply yet).
        await _go_any_case(
            results,
            known,
            args,
            "emulator/go-any-caller/resumes-with-a-map/go-any->deployed",
            "the deployed emulation",
            _go_any_caller(server.target, own_address, args.no_build, 1, None),
        )
    finally:
        await own.stop()
        await external.stop()


async def _go_any_case(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    case_id: str,
    service: str,
    run: Coroutine[Any, Any, Any],
) -> None:
    """The Go caller written as Stigmer's own workflow runner (conformance/go-any-caller) as
    the case ``case_id`` (``KIND/.../go-any->COLUMN``) against ``service``, when selected."""
    if not _selected(case_id, args.only):
        run.close()  # never awaited: not selected
        return
    case = {
        "id": case_id,
        "kind": case_id.partition("/")[0],
        "row": "go-any",
        "column": case_id.rpartition("->")[2],
        "axes": f"caller: Stigmer's own Go runner's code; service: {service}",
    }
    await _case(results, known, case, run, timeout=240)


async def _reference_cases(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    server: DevServer,
    temporal: temporalio.client.Client,
    roles: dict[str, cases.Roles],
    log_dir: Path,
) -> None:
    """Both kinds of caller against the reference service (stigmer_sdk.service, in process).

    Every language's SDK caller (the live scenarios: it declares ``binary/protobuf`` and gets its
    typed result or failure), and a Go caller written as Stigmer's own workflow runner, which
    declares nothing and decodes the ``json/plain`` result into ``any``
    (conformance/go-any-caller).
    """
    if args.only and not any(
        prefix.startswith("reference/") or "reference/".startswith(prefix)
        for prefix in args.only.split(",")
    ):
        return
    config = ServiceConfig(
        listen="127.0.0.1:0",
        temporal=TemporalConnection(address=server.target),
        store_url=f"sqlite:///{log_dir / 'reference-service.db'}",
        # The relay off: only a helper's pushed cancel stops pushed-cancel's slow agent.
        settings=ServiceSettings(caller_heartbeat_budget=0.0),
        drain_grace=timedelta(seconds=1),  # a slow run left by a failed case need not finish
    )
    async with StigmerService(config, runner=ScriptedRunner(REFERENCE_SCRIPTS)) as service:
        await _live_cases(
            results,
            known,
            args,
            temporal,
            {lang: (r.caller, r.caller_queue) for lang, r in roles.items()},
            live.LiveTarget("reference", service.target, {"service": ""}, REFERENCE_AGENTS, 60),
            "caller: a language's SDK; service: the reference service",
        )
        await _go_any_case(
            results,
            known,
            args,
            "reference/go-any-caller/reply-in-any/go-any->service",
            "the reference service",
            _go_any_caller(server.target, service.target, args.no_build, 3, "echo: {message}"),
        )


#: The reference service's agents in these cases: the live scenarios' echo and failing agents.
REFERENCE_SCRIPTS = {
    "echo": Script(duration=timedelta(milliseconds=300), reply="echo: {message}"),
    "failing": Script(
        duration=timedelta(milliseconds=100),
        failure_type="AGENT_EXECUTION_FAILED",
        failure_message="the agent could not finish",
    ),
    # pushed-cancel's: runs until cancelled (a case that fails leaves it to the drain).
    "slow": Script(duration=timedelta(minutes=5)),
}
REFERENCE_AGENTS = {"echo": "echo", "failing": "failing", "slow": "slow"}
GO_ANY_CALLER = ROOT / ".tools" / "conformance" / "go-any-caller"


async def _go_any_caller(
    temporal: str, service: str, no_build: bool, phase: int, reply: str | None
) -> dict[str, Any]:
    """Run conformance/go-any-caller against ``service``: its workflow must resume with a map
    (Go's ``any`` of a JSON object) holding ``phase`` and, unless None, ``reply``."""
    if not no_build and not _GO_ANY_CALLER_BUILT:
        await _checked(
            "go", "build", "-o", str(GO_ANY_CALLER), ".", cwd=ROOT / "conformance" / "go-any-caller"
        )
        _GO_ANY_CALLER_BUILT.append(True)
    message = "ping from Stigmer's runner"
    output = await _checked(
        str(GO_ANY_CALLER),
        "-temporal",
        temporal,
        "-service",
        service,
        "-agent",
        "echo",
        "-message",
        message,
    )
    outcome = json.loads(output)
    # Go's encoding/json decodes a JSON object into `any` as a map; binary/protobuf would have
    # failed the decode ("must be a concrete type, not interface").
    cases.check(outcome["result_type"] == "map[string]interface {}", f"result decoded as {outcome}")
    cases.check(outcome["phase"] == phase, f"phase {outcome['phase']!r}, expected {phase}")
    if reply is not None:
        expected = reply.format(message=message)
        cases.check(outcome["reply"] == expected, f"reply {outcome['reply']!r}, not {expected!r}")
    return {"outcome": outcome}


#: Whether this run built conformance/go-any-caller already (a list, to be mutable in place).
_GO_ANY_CALLER_BUILT: list[bool] = []


async def _checked(*command: str, cwd: Path | None = None) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    if process.returncode != 0:
        raise cases.CaseFailure(
            f"{' '.join(command[:2])} exited {process.returncode}: {stderr.decode()[-2000:]}"
        )
    return stdout.decode()


async def run_live(args: argparse.Namespace) -> dict[str, Any]:
    """Live mode: the caller-side scenarios in every language against a running service."""
    all_implementations = Implementation.load_all()
    requested = [lang for lang in args.langs.split(",") if lang]
    unknown = [lang for lang in requested if lang not in all_implementations]
    if unknown:
        raise SystemExit(f"unknown languages: {', '.join(unknown)}")
    # Codec-only implementations have no caller role.
    languages = [lang for lang in requested if all_implementations[lang].plays_scenarios]
    known = report.load_known_failing(args.known_failing_dir, languages)
    if not args.no_build:
        for language in languages:
            print(f"building {language}...", flush=True)
            await asyncio.to_thread(all_implementations[language].build)
    log_dir = Path(tempfile.mkdtemp(prefix="stigmer-conformance-live-"))
    target = pb.TemporalTarget(address=args.temporal, namespace=args.namespace)
    temporal = await temporalio.client.Client.connect(
        args.temporal, namespace=args.namespace, data_converter=data_converter
    )
    started = await asyncio.gather(
        *(_start_caller(all_implementations[lang], target, log_dir) for lang in languages)
    )
    callers = dict(zip(languages, started, strict=True))
    results: list[dict[str, Any]] = []
    try:
        await _live_cases(
            results,
            known,
            args,
            temporal,
            callers,
            live.LiveTarget(
                "live",
                args.service,
                {"service": ""},
                {"echo": args.agent, "failing": args.failing_agent},
                args.live_start_to_close,
            ),
            f"the service at {args.service}",
        )
    finally:
        for process, _ in callers.values():
            await process.stop()
    return {
        "languages": languages,
        "scenario_languages": languages,
        "service": args.service,
        "temporal": args.temporal,
        "summary": report.summarize(results),
        "cases": results,
        "logs": str(log_dir),
    }


#: Scenarios whose completer delivers a result with the real token: the completion log lines.
_COMPLETING_SCENARIOS = ("success", "success-json-encoding", "system-activity-success")


async def _log_cases(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    players: list[str],
    roles: dict[str, cases.Roles],
) -> None:
    """The contract's log lines, per language, over the scenario cases it played."""
    scenarios = [c for c in results if c["kind"] == "scenario"]
    fire_and_forget = {s.name for s in cases.Scenario.load_all() if s.caller.get("fire_and_forget")}
    for language in players:
        ids = [f"logs/{name}/{language}" for name in logs.CHECKS]
        if not any(_selected(case_id, args.only) for case_id in ids):
            continue
        caller_tokens: dict[str, pb.TokenSeen] = {}
        completed: list[str] = []
        for case in scenarios:
            if case["row"] == language and case["scenario"] not in fire_and_forget:
                seen = roles[language].caller.seen(case["id"], "caller_token")
                if seen is not None and case["status"] in (report.PASS, report.STALE):
                    caller_tokens[case["id"]] = seen
            if (
                case["column"] == language
                and case["scenario"] in _COMPLETING_SCENARIOS
                and case["status"] in (report.PASS, report.STALE)
            ):
                completed.append(case["id"])
        collected = await logs.LanguageLogs.collect(
            language,
            roles[language].caller,
            (roles[language].service, roles[language].system_worker),
            caller_tokens,
            completed,
        )
        for name, case_id in zip(logs.CHECKS, ids, strict=True):
            # A check with no case to look at (filtered out by --only) is not run at all; in a
            # full run the scenarios it reads always ran (and report their own failures).
            empty = not completed if name == "completion" else not caller_tokens
            if empty or not _selected(case_id, args.only):
                continue
            case = {"id": case_id, "kind": "logs", "vector": name, "language": language}

            async def run_check(
                name: str = name, collected: logs.LanguageLogs = collected
            ) -> dict[str, Any]:
                return logs.check_logs(collected, name)

            await _case(results, known, case, run_check())


async def _contract_cases(
    results: list[dict[str, Any]],
    known: dict[str, tuple[str, str]],
    args: argparse.Namespace,
    temporal: temporalio.client.Client,
    players: list[str],
    roles: dict[str, cases.Roles],
) -> None:
    """What an outsider sees of each language, against the generated contract: histories,
    log records, metric expositions. A check whose cases did not run (``--only``) is skipped."""
    system_scenarios = {s.name for s in cases.Scenario.load_all() if s.system_activity}
    for language in players:
        played = [c for c in results if c.get("row") == language or c.get("language") == language]
        inputs = {
            "system-input": any(c.get("scenario") in system_scenarios for c in played),
            "failure-retryability": any(
                c["kind"] == "create-error" or c.get("scenario") == "typed-failure" for c in played
            ),
            "logs": any(c["kind"] in ("scenario", "create-error") for c in played),
            "metrics": any(c["kind"] in ("scenario", "create-error") for c in played),
        }
        language_roles = roles[language]
        for name in contract.CHECKS:
            case_id = f"contract/{name}/{language}"
            if not inputs[name] or not _selected(case_id, args.only):
                continue
            case = {"id": case_id, "kind": "contract", "vector": name, "language": language}
            await _case(
                results, known, case, _contract_check(name, language, language_roles, temporal)
            )


async def _contract_check(
    name: str, language: str, language_roles: cases.Roles, temporal: temporalio.client.Client
) -> dict[str, Any]:
    if name == "system-input":
        return await contract.check_system_input(temporal, language_roles.service_queue)
    if name == "failure-retryability":
        return await contract.check_failure_retryability(temporal, language_roles.caller_queue)
    if name == "logs":
        records: list[pb.LogRecord] = []
        for process in (
            language_roles.caller,
            language_roles.service,
            language_roles.system_worker,
        ):
            records.extend((await process.request(logs=pb.LogsRequest())).logs.records)
        return contract.check_logs(records)
    cases.check(
        bool(language_roles.metrics_addresses),
        f"the {language} executable exposes no metrics (Started.metrics_address)",
    )
    expositions = {
        role: await asyncio.to_thread(contract.scrape, address)
        for role, address in language_roles.metrics_addresses.items()
    }
    return contract.check_metrics(language, expositions)


def _encodings(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Which services wrote identical json/protobuf bytes: a legitimate difference, reported."""
    json_cases = [
        c for c in results if c.get("scenario") == "success-json-encoding" and c["status"] == "PASS"
    ]
    by_service: dict[str, set[str]] = {}
    for case in json_cases:
        by_service.setdefault(case["column"], set()).add(
            case["details"].get("json_payload_sha256_prefix", "")
        )
    distinct = {service: sorted(hashes) for service, hashes in by_service.items()}
    return {
        "binary/protobuf": "checked byte for byte against the deterministic encoding in every "
        "result scenario",
        "json/protobuf": {
            "note": "each SDK writes its own proto JSON; equal after decoding, bytes may differ",
            "payload_sha256_prefix_by_service": distinct,
            "identical_across_services": len({h for hs in distinct.values() for h in hs}) <= 1,
        },
    }


def main(argv: list[str] | None = None) -> int:
    # `kill -USR1 <pid>` prints the runner's stacks to stderr: for a run that hangs.
    faulthandler.register(signal.SIGUSR1)
    args = parse_args(argv)
    result = asyncio.run(run_live(args) if args.service else run(args))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print()
    print(report.render(result))
    print(f"\nreport: {args.report}")
    ok = report.succeeded(result)
    summary = result["summary"]
    # The plain closing line CI reads: passed (PASS + XFAIL), failed (FAIL + STALE).
    print(
        f"conformance: {summary['PASS'] + summary['XFAIL']} passed, "
        f"{summary['FAIL'] + summary['STALE']} failed"
    )
    return 0 if ok else 1
