"""The report's groups as CSV: one line per group, then the whole window, then one line per
quarter of action items (in their own columns, at the end)."""

from __future__ import annotations

import csv
import io

from tocsin.metrics.schemas import GroupOut, ItemCompletionOut, MetricsReport, rows_with_total

MEASURE_FIELDS = ("count", "pending", "mean", "p50", "p90")
DEADLINE_FIELDS = ("met", "missed", "pending", "share")
ITEM_FIELDS = ("total", "done", "wont_do", "done_on_time", "rate")
ITEMS_GROUP = "action items"


def header(severities: list[str]) -> list[str]:
    columns = ["group", "key", "incidents", "open"]
    for m in ("mttd", "mtta", "mttm", "mttr"):
        columns += [
            f"{m}_{f}" + ("_s" if f in ("mean", "p50", "p90") else "") for f in MEASURE_FIELDS
        ]
    for d in ("update_cadence", "public_ack"):
        columns += [f"{d}_{f}" for f in DEADLINE_FIELDS]
    columns += [f"severity_{s}" for s in severities]
    return columns + [f"action_items_{f}" for f in ITEM_FIELDS]


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def line(group: GroupOut, severities: list[str]) -> list[str]:
    cells: list[object] = [group.label, group.key, group.incidents, group.open]
    for m in (group.mttd, group.mtta, group.mttm, group.mttr):
        cells += [getattr(m, f) for f in MEASURE_FIELDS]
    for d in (group.update_cadence, group.public_ack):
        cells += [getattr(d, f) for f in DEADLINE_FIELDS]
    cells += [group.severity_counts.get(s, 0) for s in severities]
    return [_cell(c) for c in cells] + ["" for _ in ITEM_FIELDS]


def item_line(quarter: ItemCompletionOut, width: int) -> list[str]:
    """A quarter of action items: its label and key, its own columns, the others empty."""
    cells = [ITEMS_GROUP, quarter.quarter] + ["" for _ in range(width - 2 - len(ITEM_FIELDS))]
    return cells + [_cell(getattr(quarter, f)) for f in ITEM_FIELDS]


def render(report: MetricsReport) -> str:
    severities = sorted(report.total.severity_counts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    columns = header(severities)
    writer.writerow(columns)
    for group in rows_with_total(report):
        writer.writerow(line(group, severities))
    for quarter in report.action_items:
        writer.writerow(item_line(quarter, len(columns)))
    return out.getvalue()
