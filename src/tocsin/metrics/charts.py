"""Charts of the report as inline SVG, drawn on the server by pygal (no JavaScript).

pygal builds the SVG as an element tree; its one ``<script>`` (the configuration of its
optional tooltips, with the labels in it) is taken out, and the tree is serialized by the
XML serializer, so the labels (service and team names are user input) come out escaped
and the page can insert the SVG as it is.
"""

from __future__ import annotations

from typing import Any

import pygal
from markupsafe import Markup
from pygal.etree import etree
from pygal.style import Style

from tocsin.metrics.schemas import MetricsReport

STYLE = Style(background="transparent", plot_background="transparent", font_family="sans-serif")


def _options(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],  # no scripts fetched from anywhere: the page stays self-contained
        "disable_xml_declaration": True,
        "height": 320,
        "x_label_rotation": 30,
        "print_values": False,
        "no_data_text": "no data",
    }


def _svg(chart: Any) -> Markup:
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return Markup(etree.tostring(tree, encoding="unicode"))  # escaped by the serializer


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value / 60, 1)


def response_times(report: MetricsReport) -> Markup:
    """p50 of each measure per group, in minutes."""
    chart = pygal.Bar(**_options("p50 by group (minutes)"))
    groups = report.groups
    chart.x_labels = [g.label for g in groups]
    for name in ("mttd", "mtta", "mttm", "mttr"):
        chart.add(name.upper(), [_minutes(getattr(g, name).p50) for g in groups])
    return _svg(chart)


def incidents(report: MetricsReport) -> Markup:
    chart = pygal.StackedBar(**_options("Incidents by group and severity"))
    groups = report.groups
    chart.x_labels = [g.label for g in groups]
    for severity in sorted(report.total.severity_counts):
        chart.add(severity, [g.severity_counts.get(severity, 0) for g in groups])
    return _svg(chart)


def severity_mix(report: MetricsReport) -> Markup:
    chart = pygal.Pie(**_options("Severity mix"))
    for severity, count in sorted(report.total.severity_counts.items()):
        chart.add(severity, count)
    return _svg(chart)


def oncall_load(report: MetricsReport) -> Markup:
    chart = pygal.HorizontalStackedBar(**_options("Pages per person (day / night)"))
    people = report.oncall_load
    chart.x_labels = [p.name for p in people]
    chart.add("day", [p.pages - p.night_pages for p in people])
    chart.add("night (22–07 local)", [p.night_pages for p in people])
    return _svg(chart)


def all_charts(report: MetricsReport) -> dict[str, Markup]:
    return {
        "response_times": response_times(report),
        "incidents": incidents(report),
        "severity_mix": severity_mix(report),
        "oncall_load": oncall_load(report),
    }
