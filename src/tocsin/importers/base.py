"""What every importer provides, and running one: read, convert, optionally verify."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from tocsin.config_as_code.document import Document
from tocsin.importers.keys import PeopleDirectory
from tocsin.importers.report import ImportReport
from tocsin.importers.source import Api
from tocsin.importers.verify import Difference, Span, differences, tocsin_spans

VENDORS: dict[str, str] = {
    "pagerduty": "tocsin.importers.pagerduty",
    "opsgenie": "tocsin.importers.opsgenie",
    "grafana-oncall": "tocsin.importers.grafana_oncall",
}


@dataclass
class Conversion:
    document: Document
    report: ImportReport
    # source schedule id -> the file's schedule key, for --verify
    schedules: dict[str, str] = field(default_factory=dict)
    # person keys that stand for nobody (a placeholder for a source's empty turn): --verify
    # counts them as nobody on call
    nobody: frozenset[str] = frozenset()


class Importer(ABC):
    """One source. ``data`` is whatever the importer reads (a dict of the source's objects),
    the same from the API and from saved files, so ``convert`` has one path."""

    vendor: ClassVar[str]
    default_base_url: ClassVar[str]

    @abstractmethod
    def api(self, api_key: str, base_url: str | None) -> Api:
        """A client for the source's API with its auth headers."""

    @abstractmethod
    def read_api(self, api: Api) -> dict[str, Any]: ...

    @abstractmethod
    def read_offline(self, path: Path) -> dict[str, Any]: ...

    @abstractmethod
    def convert(
        self, data: Mapping[str, Any], people: PeopleDirectory, *, keep_keys: bool = False
    ) -> Conversion:
        """The file; with ``keep_keys`` an integration keeps the source's exported secret as
        its ``legacy_key``, so the source's old URL keeps working on Tocsin's host."""

    @abstractmethod
    def rendered(
        self,
        data: Mapping[str, Any],
        conversion: Conversion,
        start: datetime,
        end: datetime,
        api: Api | None,
    ) -> dict[str, list[Span]]:
        """The source's own answer of who is on call in ``[start, end)``, by the file's
        schedule key, as person keys. From the API when given one, else from ``data``
        (saved renderings); a schedule the source did not render is left out and reported."""


def load(vendor: str) -> Importer:
    module = importlib.import_module(VENDORS[vendor])
    importer: Importer = module.IMPORTER
    return importer


def verify(
    importer: Importer,
    data: Mapping[str, Any],
    conversion: Conversion,
    start: datetime,
    weeks: int,
    api: Api | None,
) -> list[Difference]:
    """Every difference between Tocsin's and the source's rendering over ``weeks`` weeks."""
    end = start + timedelta(weeks=weeks)
    truth = importer.rendered(data, conversion, start, end, api)
    docs = {doc.key: doc for doc in conversion.document.schedules}
    found: list[Difference] = []
    for key, theirs in sorted(truth.items()):
        if key in docs:
            ours = [
                s for s in tocsin_spans(docs[key], start, end) if s.person not in conversion.nobody
            ]
            found += differences(key, ours, theirs, start, end)
    return found
