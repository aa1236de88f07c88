"""Summaries, ratios, the Markdown table and the latency plot of the side-by-side benchmark."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The acceptance thresholds, SDK over RAW in the same run (issue 25 item 5), and the floor's:
#: (metric, comparison, bound).
CHECKS = (
    ("overhead_p50_over_floor", "<=", 10.0),
    ("ack_p50_sequential", "<=", 1.25),
    ("overhead_p50_sequential", "<=", 1.10),
    ("overhead_p99_sequential", "<=", 1.10),
    ("burst_throughput", ">=", 0.95),
    ("parked_rate", ">=", 0.9),
)
#: What each dev server configuration is, for the report.
SERVER_TITLES = {
    "default": "default dev server (`temporal server start-dev`, no dynamic config)",
    "fast": "dev server with the fast path (`FAST_PATH_DYNAMIC_CONFIG`: eager start and "
    "dispatch, queue read limit lifted)",
}


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def summarize(data: dict[str, Any]) -> dict[str, Any]:
    """The issue's metrics for one pipeline."""
    parked = data.get("parked", 0)
    seconds = data.get("parked_seconds_x1000", 0) / 1000
    rates = data.get("burst_rate", [])
    return {
        "burst_throughput": round(sum(rates) / len(rates), 2) if rates else None,
        "parked_rate": round(data.get("parked_pended", 0) / seconds, 2) if seconds else None,
        "ack_p50_sequential": median(data.get("seq_ack", [])),
        "ack_p50_burst": median(data.get("burst_ack", [])),
        "overhead_p50_sequential": median(data.get("seq_overhead", [])),
        "overhead_p99_sequential": percentile(data.get("seq_overhead", []), 0.99),
        "overhead_p50_burst": median(data.get("burst_overhead", [])),
        "overhead_p99_burst": percentile(data.get("burst_overhead", []), 0.99),
        "completion_call_p50_burst": median(data.get("burst_complete", [])),
        "completion_call_p99_burst": percentile(data.get("burst_complete", []), 0.99),
        "end_to_end_p50_sequential": median(data.get("seq_e2e", [])),
        "caller_wft_wait_p50": median(data.get("caller_wft_gaps", [])),
        "caller_wft_wait_p95": percentile(data.get("caller_wft_gaps", []), 0.95),
        "memory_per_pending_kib": (
            round(data.get("parked_rss_growth_kib", 0) / parked, 2) if parked else None
        ),
        "parked": parked,
        "rss_caller_plus_service_mib": (
            round(data["rss_after_parking_kib"] / 1024, 1)
            if "rss_after_parking_kib" in data
            else None
        ),
        "handshakes": max(
            len(data.get("seq_e2e", [])) + len(data.get("burst_e2e", [])),
            len(data.get("seq_overhead", [])) + len(data.get("burst_overhead", [])),
        ),
        "failed": data.get("failed", 0),
        "never_resumed": data.get("never_resumed", 0),
        "never_pended": data.get("never_pended", 0),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def analyse(report: dict[str, Any]) -> dict[str, Any]:
    pipelines = report["pipelines"]
    summary = {name: summarize(data) for name, data in pipelines.items()}
    floor = median(pipelines["raw"].get("floor", []))
    ratios: dict[str, dict[str, float | None]] = {}
    for against in ("raw", "best"):
        ratios[f"sdk/{against}"] = {
            key: ratio(summary["sdk"][key], summary[against][key])
            for key, value in summary["sdk"].items()
            if isinstance(value, float)
        }
    if "sdk-caller" in summary:
        ratios["sdk-caller/raw"] = {
            key: ratio(summary["sdk-caller"][key], summary["raw"][key])
            for key, value in summary["sdk-caller"].items()
            if isinstance(value, float)
        }
    ratios["best/raw"] = {
        key: ratio(summary["best"][key], summary["raw"][key])
        for key, value in summary["best"].items()
        if isinstance(value, float)
    }
    sdk_over_floor = ratio(summary["sdk"]["overhead_p50_sequential"], floor)
    checks = []
    for key, comparison, bound in CHECKS:
        value = sdk_over_floor if key == "overhead_p50_over_floor" else ratios["sdk/raw"].get(key)
        passed = value is not None and (value <= bound if comparison == "<=" else value >= bound)
        checks.append(
            {"metric": key, "value": value, "bound": f"{comparison} {bound}", "pass": passed}
        )
    totals = {k: sum(s[k] for s in summary.values()) for k in ("failed", "never_resumed")}
    totals["never_pended"] = sum(s["never_pended"] for s in summary.values())
    checks.append(
        {
            "metric": "failed + never resumed + never pended",
            "value": sum(totals.values()),
            "bound": "== 0",
            "pass": sum(totals.values()) == 0,
        }
    )
    adapters = {}
    for language, data in report.get("adapters", {}).items():
        if "error" in data:
            adapters[language] = {"error": data["error"]}
            continue
        side = {name: summarize(data[name]) for name in ("raw", "sdk")}
        adapters[language] = {
            **side,
            "ratios": {
                key: ratio(side["sdk"][key], side["raw"][key])
                for key, value in side["sdk"].items()
                if isinstance(value, float)
            },
        }
        for key in ("overhead_p50_sequential", "overhead_p50_burst"):
            value = adapters[language]["ratios"].get(key)
            checks.append(
                {
                    "metric": f"{language} {key}",
                    "value": value,
                    "bound": "<= 1.05",
                    "pass": value is not None and value <= 1.05,
                }
            )
    return {
        "adapters": adapters,
        "summary": summary,
        "floor_p50_ms": floor,
        "floor_p99_ms": percentile(pipelines["raw"].get("floor", []), 0.99),
        "overhead_p50_over_floor": {
            name: ratio(s["overhead_p50_sequential"], floor) for name, s in summary.items()
        },
        "ratios": ratios,
        "checks": checks,
        "service_wft_wait_p50": {
            name: median(gaps) for name, gaps in report.get("service_wft_gaps", {}).items()
        },
    }


ROWS = (
    ("burst_throughput", "burst, handshakes/s"),
    ("parked_rate", "parked, pended/s"),
    ("ack_p50_sequential", "ACK (`create`) p50, sequential, ms"),
    ("ack_p50_burst", "ACK (`create`) p50, in the burst, ms"),
    ("overhead_p50_sequential", "overhead p50, sequential, ms"),
    ("overhead_p99_sequential", "overhead p99, sequential, ms"),
    ("overhead_p50_burst", "overhead p50, in the burst, ms"),
    ("overhead_p99_burst", "overhead p99, in the burst, ms"),
    ("completion_call_p50_burst", "completion call p50, in the burst, ms"),
    ("completion_call_p99_burst", "completion call p99, in the burst, ms"),
    ("memory_per_pending_kib", "memory per pending handshake, KiB"),
    ("rss_caller_plus_service_mib", "RSS caller + service after parking, MiB"),
    ("caller_wft_wait_p50", "caller workflow task wait p50, ms"),
)


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    analysis = report["analysis"]
    summary, ratios = analysis["summary"], analysis["ratios"]
    caller_only = "sdk-caller" in summary
    lines = [
        "| metric | RAW | RAW best | SDK | SDK / RAW | SDK / best |"
        + (" SDK caller on RAW service | its ratio to RAW |" if caller_only else ""),
        "|---|---|---|---|---|---|" + ("---|---|" if caller_only else ""),
    ]
    for key, label in ROWS:
        line = (
            f"| {label} | {fmt(summary['raw'][key])} | {fmt(summary['best'][key])} | "
            f"{fmt(summary['sdk'][key])} | {fmt(ratios['sdk/raw'].get(key))} | "
            f"{fmt(ratios['sdk/best'].get(key))} |"
        )
        if caller_only:
            line += (
                f" {fmt(summary['sdk-caller'][key])} | {fmt(ratios['sdk-caller/raw'].get(key))} |"
            )
        lines.append(line)
    floor_ratio = analysis["overhead_p50_over_floor"]
    lines.append(
        f"| overhead p50 / in-process floor ({fmt(analysis['floor_p50_ms'])} ms) | "
        f"{fmt(floor_ratio['raw'])} | {fmt(floor_ratio['best'])} | {fmt(floor_ratio['sdk'])} "
        "| | |" + (f" {fmt(floor_ratio['sdk-caller'])} | |" if caller_only else "")
    )
    lines.append(
        "| handshakes / failed / never resumed / never pended | "
        + " | ".join(
            f"{s['handshakes'] + s['parked']} / {s['failed']} / {s['never_resumed']} / "
            f"{s['never_pended']}"
            for s in (summary["raw"], summary["best"], summary["sdk"])
        )
        + " | | |"
        + (
            f" {summary['sdk-caller']['handshakes']} / {summary['sdk-caller']['failed']} / "
            f"{summary['sdk-caller']['never_resumed']} / 0 | |"
            if caller_only
            else ""
        )
    )
    adapter_rows = (
        ("overhead_p50_sequential", "overhead p50, sequential, ms"),
        ("overhead_p99_sequential", "overhead p99, sequential, ms"),
        ("overhead_p50_burst", "overhead p50, in the burst, ms"),
        ("overhead_p99_burst", "overhead p99, in the burst, ms"),
        ("ack_p50_sequential", "ACK p50, sequential, ms"),
        ("ack_p50_burst", "ACK p50, in the burst, ms"),
        ("burst_throughput", "burst, handshakes/s"),
    )
    for language, side in analysis.get("adapters", {}).items():
        if "error" in side:
            lines += ["", f"{language}: {side['error']}"]
            continue
        lines += [
            "",
            f"| {language} caller | raw {language} SDK | adapter | adapter / raw |",
            "|---|---|---|---|",
        ]
        for key, label in adapter_rows:
            lines.append(
                f"| {label} | {fmt(side['raw'][key])} | {fmt(side['sdk'][key])} | "
                f"{fmt(side['ratios'].get(key))} |"
            )
        lines.append(
            f"| handshakes / failed | {side['raw']['handshakes']} / {side['raw']['failed']} | "
            f"{side['sdk']['handshakes']} / {side['sdk']['failed']} | |"
        )
    lines += ["", "| check | value | bound | |", "|---|---|---|---|"]
    for check in analysis["checks"]:
        mark = "pass" if check["pass"] else "FAIL"
        lines.append(f"| {check['metric']} | {fmt(check['value'])} | {check['bound']} | {mark} |")
    settings = report["settings"]
    lines += [
        "",
        f"Load average (1, 5, 15 min) at start {report['load_average_start']}, at end "
        f"{report.get('load_average_end')}, on {report['cpus']} CPUs; wall "
        f"{report.get('wall_seconds')} s; {settings['rounds']} alternating rounds of "
        f"{settings['sequential']} sequential and a burst of {settings['burst']}, "
        f"{settings['parked']} parked per pipeline.",
    ]
    if "ops_per_second" in report:
        lines.append(
            "Operations per second (pure Python): "
            + ", ".join(f"{name} {rate:,}" for name, rate in report["ops_per_second"].items())
            + "."
        )
    waits = analysis["service_wft_wait_p50"]
    if waits:
        lines.append(
            "Service workflow task wait (WorkflowTaskScheduled to Started) p50: "
            + ", ".join(f"{name} {fmt(value)} ms" for name, value in waits.items())
            + "."
        )
    if "sustained_rate_per_minute" in report:
        lines.append(
            "Sustained rate per minute (handshakes/s): "
            + "; ".join(
                f"{name} {values}" for name, values in report["sustained_rate_per_minute"].items()
            )
        )
    return "\n".join(lines) + "\n"


def plot(report: dict[str, Any], path: Path) -> bool:
    """ECDFs of the latency distributions, RAW beside SDK; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import NullFormatter
    except ImportError:
        return False
    pipelines = report["pipelines"]
    panels = (
        ("seq_overhead", "overhead (activity scheduled → completed), sequential"),
        ("burst_overhead", "overhead, in the burst"),
        ("burst_ack", "ACK (create call), in the burst"),
        ("burst_complete", "completion call, in the burst"),
    )
    colors = {"raw": "tab:blue", "best": "tab:green", "sdk": "tab:red", "sdk-caller": "tab:orange"}
    figure, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for axis, (key, title) in zip(axes.flat, panels, strict=True):
        for name in ("raw", "best", "sdk", "sdk-caller"):
            if name not in pipelines:
                continue
            values = sorted(pipelines[name].get(key, []))
            if values:
                ys = [(i + 1) / len(values) for i in range(len(values))]
                axis.step(values, ys, where="post", label=name.upper(), color=colors[name])
        if key == "seq_overhead" and pipelines["raw"].get("floor"):
            floor = sorted(pipelines["raw"]["floor"])
            ys = [(i + 1) / len(floor) for i in range(len(floor))]
            axis.step(floor, ys, where="post", label="in-process floor", color="grey")
        axis.set_xscale("log")
        # Decade labels only: the log axis's minor labels overlap across a narrow range.
        axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_title(title, fontsize=10)
        axis.set_xlabel("ms")
        axis.set_ylabel("fraction ≤ x")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(f"Handshake latency, SDK beside RAW (load {report['load_average_start']})")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True


def write_reports(report: dict[str, Any], directory: Path) -> str:
    """Write bench.json, bench.md and the plots into ``directory``; return the tables.

    A report of several server configurations (``servers``) gets one section and one plot
    (``bench-<name>.png``) per configuration; an older single-server report one of each."""
    if "servers" not in report:
        report["analysis"] = analyse(report)
        table = markdown(report)
        plotted = plot(report, directory / "bench.png")
    else:
        settings = report["settings"]
        setup = settings.get("caller_setup", "docs")
        sections = [
            "Callers set up as "
            + (
                "docs/python-sdk.md's quick start sets them up (temporalio's default activity "
                "slots and pollers; the SDK's client with `StigmerPlugin`)."
                if setup == "docs"
                else "4 activity slots and 2 pollers (`--caller-setup tuned`)."
            )
            + f" Load average at start {report['load_average_start']}, at end "
            f"{report.get('load_average_end')}, on {report['cpus']} CPUs; wall "
            f"{report.get('wall_seconds')} s.",
        ]
        plotted = True
        for name, server in report["servers"].items():
            sub = {
                "settings": settings,
                "cpus": report["cpus"],
                "ops_per_second": report.get("ops_per_second", {}),
                **server,
            }
            server["analysis"] = analyse(sub)
            sub["analysis"] = server["analysis"]
            sections += ["", f"### {SERVER_TITLES.get(name, name)}", "", markdown(sub)]
            plotted = plot(sub, directory / f"bench-{name}.png") and plotted
        table = "\n".join(sections)
    (directory / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
    (directory / "bench.md").write_text(table)
    if not plotted:
        table += "\n(no plot: install the bench extra, pip install -e '.[bench]')\n"
    return table


if __name__ == "__main__":
    import sys

    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("reports/bench.json")
    print(write_reports(json.loads(source.read_text()), source.parent))
