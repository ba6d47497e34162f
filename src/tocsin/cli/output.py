"""What every CLI command shares: `--output table|json|yaml`, incident ids, help examples."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any

import typer


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOption = Annotated[
    Format,
    typer.Option(
        "--output",
        "-o",
        help="table (to read), or json / yaml (the API's answer, field for field).",
        case_sensitive=False,
    ),
]
# `--json` came first; it stays as a hidden spelling of `--output json` for old scripts.
JsonFlag = Annotated[bool, typer.Option("--json", hidden=True, help="Same as --output json.")]


def machine_format(output: Format, as_json: bool = False) -> Format | None:
    """json or yaml when the answer is to be printed as data, None for the human view."""
    if as_json:
        return Format.JSON
    return None if output is Format.TABLE else output


def emit(data: Any, output: Format, human: Callable[[Any], None], *, as_json: bool = False) -> None:
    """Print ``data`` (an API answer) as JSON or YAML unchanged, or through ``human``."""
    fmt = machine_format(output, as_json)
    if fmt is None:
        human(data)
    elif fmt is Format.JSON:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        import yaml  # at call time: only `-o yaml` pays for it

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")


_REFERENCE = re.compile(r"^(?:inc-)?(\d+)$", re.IGNORECASE)


def incident_id(value: str | int) -> int:
    """``4``, ``INC-4`` or ``inc-4`` → 4; anything else is a usage error naming the value."""
    if isinstance(value, int):
        number = value
    else:
        match = _REFERENCE.match(value.strip())
        if not match:
            raise typer.BadParameter(
                f"{value!r} is not an incident: give its number (4) or reference (INC-4)"
            )
        number = int(match[1])
    if number < 1:
        raise typer.BadParameter(f"{value!r} is not an incident: numbers start at 1")
    return number


IncidentArg = Annotated[
    int,
    typer.Argument(
        parser=incident_id, metavar="INCIDENT", help="The incident: 4 or INC-4.", show_default=False
    ),
]


def examples(*lines: str) -> str:
    """A command's help epilog: each example on its own line (Rich joins single newlines)."""
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)
