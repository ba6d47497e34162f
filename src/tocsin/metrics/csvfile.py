"""The report's groups as CSV: one line per group, then the whole window."""

from __future__ import annotations

import csv
import io

from tocsin.metrics.schemas import GroupOut, MetricsReport, rows_with_total

MEASURE_FIELDS = ("count", "pending", "mean", "p50", "p90")
DEADLINE_FIELDS = ("met", "missed", "pending", "share")


def header(severities: list[str]) -> list[str]:
    columns = ["group", "key", "incidents", "open"]
    for m in ("mttd", "mtta", "mttm", "mttr"):
        columns += [
            f"{m}_{f}" + ("_s" if f in ("mean", "p50", "p90") else "") for f in MEASURE_FIELDS
        ]
    for d in ("update_cadence", "public_ack"):
        columns += [f"{d}_{f}" for f in DEADLINE_FIELDS]
    return columns + [f"severity_{s}" for s in severities]


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def line(group: GroupOut, severities: list[str]) -> list[str]:
    cells: list[object] = [group.label, group.key, group.incidents, group.open]
    for m in (group.mttd, group.mtta, group.mttm, group.mttr):
        cells += [getattr(m, f) for f in MEASURE_FIELDS]
    for d in (group.update_cadence, group.public_ack):
        cells += [getattr(d, f) for f in DEADLINE_FIELDS]
    cells += [group.severity_counts.get(s, 0) for s in severities]
    return [_cell(c) for c in cells]


def render(report: MetricsReport) -> str:
    severities = sorted(report.total.severity_counts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(severities))
    for group in rows_with_total(report):
        writer.writerow(line(group, severities))
    return out.getvalue()
