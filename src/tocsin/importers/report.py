"""What an import could not carry over exactly, listed so nothing is dropped silently."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    LOST = "lost"  # the source has it, Tocsin cannot express it; nothing was made
    CHANGED = "changed"  # made, but not exactly as the source has it
    UNMATCHED = "unmatched"  # refers to something the import could not find or map
    NOTE = "note"  # something the user must do (e.g. point a monitor at a new URL)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    source: str  # what in the source, e.g. "escalation policy PABC123 (Ops) rule 2"
    message: str  # what happened, and what was done instead


@dataclass
class ImportReport:
    findings: list[Finding] = field(default_factory=list)

    def add(self, kind: Kind, source: str, message: str) -> None:
        self.findings.append(Finding(kind, source, message))

    def lost(self, source: str, message: str) -> None:
        self.add(Kind.LOST, source, message)

    def changed(self, source: str, message: str) -> None:
        self.add(Kind.CHANGED, source, message)

    def unmatched(self, source: str, message: str) -> None:
        self.add(Kind.UNMATCHED, source, message)

    def note(self, source: str, message: str) -> None:
        self.add(Kind.NOTE, source, message)

    def of_kind(self, kind: Kind) -> list[Finding]:
        return [f for f in self.findings if f.kind is kind]

    def as_dicts(self) -> list[dict[str, str]]:
        return [
            {"kind": f.kind.value, "source": f.source, "message": f.message} for f in self.findings
        ]
