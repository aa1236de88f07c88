"""Known-failing lists, the JSON report, and the printed matrices (rendered from the report)."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from pathlib import Path
from typing import Any

PASS, FAIL, XFAIL, STALE = "PASS", "FAIL", "XFAIL", "STALE"


def load_known_failing(directory: Path, languages: list[str]) -> dict[str, tuple[str, str]]:
    """case id -> (language file, reason). Every entry must give a reason."""
    known: dict[str, tuple[str, str]] = {}
    for language in languages:
        path = directory / f"{language}.txt"
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            case_id, _, reason = line.partition("#")
            if not reason.strip():
                raise ValueError(f"{path}:{number}: known-failing entry without a reason")
            known[case_id.strip()] = (language, reason.strip())
    return known


def lookup(known: dict[str, tuple[str, str]], case_id: str) -> tuple[str, str] | None:
    """The known-failing entry of a case: its id, or a pattern with ``*`` that matches it."""
    if case_id in known:
        return known[case_id]
    for pattern, entry in known.items():
        if "*" in pattern and fnmatch.fnmatchcase(case_id, pattern):
            return entry
    return None


def classify(passed: bool, known: tuple[str, str] | None) -> str:
    if known is None:
        return PASS if passed else FAIL
    return STALE if passed else XFAIL


def summarize(cases: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for case in cases:
        totals[case["status"]] += 1
    return {status: totals.get(status, 0) for status in (PASS, FAIL, XFAIL, STALE)}


def succeeded(report: dict[str, Any]) -> bool:
    summary = report["summary"]
    return summary[FAIL] == 0 and summary[STALE] == 0 and bool(report["cases"])


def render(report: dict[str, Any]) -> str:
    """The printed form: one matrix per scenario, callers as rows, services as columns."""
    languages: list[str] = report["languages"]
    lines: list[str] = []
    for kind, title in (
        ("codec", "codec vectors (rows: vectors"),
        ("payload", "payload vectors (rows: vectors"),
        ("create-error", "create answered with a gRPC status (rows: status codes"),
        ("logs", "contract log lines (rows: checks"),
    ):
        lines.extend(_vector_matrix(report, languages, kind, title))
    scenarios: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in report["cases"]:
        if case["kind"] == "scenario":
            scenarios[case["scenario"]].append(case)
    players: list[str] = report.get("scenario_languages", languages)
    for name, cases in scenarios.items():
        rows_label, columns_label = cases[0]["axes"]
        lines.append(f"{name} (rows: {rows_label}, columns: {columns_label})")
        cells = {(c["row"], c["column"]): c["status"] for c in cases}
        lines.append("  " + " " * 8 + "  ".join(f"{lang:>7}" for lang in players))
        for row in players:
            values = "  ".join(f"{cells.get((row, column), '-'):>7}" for column in players)
            lines.append(f"  {row:<8}{values}")
        lines.append("")
    lines.extend(_live_tables(report))
    summary = report["summary"]
    lines.append(
        "summary: "
        + ", ".join(f"{summary[status]} {status}" for status in (PASS, FAIL, XFAIL, STALE))
    )
    failures = [c for c in report["cases"] if c["status"] in (FAIL, STALE)]
    for case in failures:
        lines.append(f"  {case['status']} {case['id']}: {case['message']}")
    return "\n".join(lines)


def _vector_matrix(
    report: dict[str, Any], languages: list[str], kind: str, title: str
) -> list[str]:
    """Rows: vectors of this kind; columns: implementations."""
    found = [c for c in report["cases"] if c["kind"] == kind]
    if not found:
        return []
    lines = [f"{title}, columns: implementations)"]
    vectors = sorted({c["vector"] for c in found})
    width = max(len(v) for v in vectors)
    column = max(7, *(len(lang) for lang in languages))
    lines.append("  " + " " * width + "  " + "  ".join(f"{lang:>{column}}" for lang in languages))
    cells = {(c["vector"], c["language"]): c["status"] for c in found}
    for vector in vectors:
        row = "  ".join(f"{cells.get((vector, lang), '-'):>{column}}" for lang in languages)
        lines.append(f"  {vector:<{width}}  {row}")
    lines.append("")
    return lines


def _live_tables(report: dict[str, Any]) -> list[str]:
    """Per target (live service, emulation): rows scenario/check/caller, columns completers."""
    lines: list[str] = []
    by_target: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in report["cases"]:
        if case["kind"] == "live":
            by_target[case["target"]].append(case)
    for target, cases in by_target.items():
        columns = list(dict.fromkeys(c["column"] for c in cases))
        rows = list(dict.fromkeys(f"{c['scenario']}/{c['check']}  {c['row']}" for c in cases))
        cells = {(f"{c['scenario']}/{c['check']}  {c['row']}", c["column"]): c for c in cases}
        width = max(len(row) for row in rows)
        column = max(7, *(len(name) for name in columns))
        lines.append(f"{target} (rows: scenario/check  caller, columns: {cases[0]['axes']})")
        lines.append("  " + " " * width + "  " + "  ".join(f"{c:>{column}}" for c in columns))
        for row in rows:
            values = "  ".join(
                f"{cells[(row, c)]['status'] if (row, c) in cells else '-':>{column}}"
                for c in columns
            )
            lines.append(f"  {row:<{width}}  {values}")
        lines.append("")
    return lines
