"""Writes ``timelines/<schedule id>.json``: Opsgenie's final timeline for the recorded
schedules, in the shape of ``GET /v2/schedules/{id}/timeline``.

The answers are worked out minute by minute straight from Opsgenie's documented rules (a
rotation's turn counted on local wall time from its start date, hourly turns in elapsed
hours, restriction windows in the schedule's zone, a ``none`` participant is nobody, overrides
on top), with nothing from Tocsin, so ``--verify`` compares two independent answers.
Run it again after changing a schedule: ``python make_timelines.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
START = datetime(2027, 3, 8, tzinfo=UTC)
END = START + timedelta(weeks=4)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def allowed(restriction: dict | None, local: datetime) -> bool:
    if not restriction:
        return True
    if restriction["type"] == "time-of-day":
        r = restriction["restriction"]
        start, end = r["startHour"] * 60 + r["startMin"], r["endHour"] * 60 + r["endMin"]
        now = local.hour * 60 + local.minute
        return start <= now < end if start < end else (now >= start or now < end)
    now = local.weekday() * 1440 + local.hour * 60 + local.minute
    for r in restriction["restrictions"]:
        start = DAYS.index(r["startDay"]) * 1440 + r["startHour"] * 60 + r["startMin"]
        end = DAYS.index(r["endDay"]) * 1440 + r["endHour"] * 60 + r["endMin"]
        if (start <= now < end) if start < end else (now >= start or now < end):
            return True
    return False


def turn(rotation: dict, zone: ZoneInfo, at: datetime) -> int:
    start, length = when(rotation["startDate"]), rotation["length"]
    if rotation["type"] == "hourly":
        return int((at - start) // timedelta(hours=length))
    days = length * (7 if rotation["type"] == "weekly" else 1)
    wall = at.astimezone(zone).replace(tzinfo=None) - start.astimezone(zone).replace(tzinfo=None)
    return int(wall // timedelta(days=days))


def who(schedule: dict, overrides: list[dict], rotation: dict, at: datetime) -> dict | None:
    zone = ZoneInfo(schedule["timezone"])
    if at < when(rotation["startDate"]):
        return None
    if rotation.get("endDate") and at >= when(rotation["endDate"]):
        return None
    if not allowed(rotation.get("timeRestriction"), at.astimezone(zone)):
        return None
    for override in overrides:
        ids = {r["id"] for r in override.get("rotations") or []}
        if rotation["id"] in ids and when(override["startDate"]) <= at < when(override["endDate"]):
            return override["user"]
    participants = rotation["participants"]
    chosen = participants[turn(rotation, zone, at) % len(participants)]
    return None if chosen["type"] == "none" else chosen


def timeline(saved: dict) -> dict:
    schedule, overrides = saved["schedule"], saved.get("scheduleOverrideList") or []
    whole = [o for o in overrides if not o.get("rotations")]
    periods: dict[str, list[dict]] = {r["id"]: [] for r in schedule["rotations"]}
    at = START
    while at < END:
        covering = next((o for o in whole if when(o["startDate"]) <= at < when(o["endDate"])), None)
        for index, rotation in enumerate(schedule["rotations"]):
            if covering is not None:
                person, kind = (covering["user"], "override") if index == 0 else (None, "")
            else:
                person, kind = who(schedule, overrides, rotation, at), "default"
            line = periods[rotation["id"]]
            if person is None:
                pass
            elif line and line[-1]["endDate"] == at and line[-1]["recipient"]["id"] == person["id"]:
                line[-1]["endDate"] = at + timedelta(minutes=1)
            else:
                line.append(
                    {
                        "startDate": at,
                        "endDate": at + timedelta(minutes=1),
                        "type": kind,
                        "recipient": {
                            "id": person["id"],
                            "type": "user",
                            "name": person["username"],
                        },
                    }
                )
        at += timedelta(minutes=1)

    def text(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    rotations = [
        {
            "id": r["id"],
            "name": r["name"],
            "order": float(i + 1),
            "periods": [
                {**p, "startDate": text(p["startDate"]), "endDate": text(p["endDate"])}
                for p in periods[r["id"]]
            ],
        }
        for i, r in enumerate(schedule["rotations"])
    ]
    return {
        "data": {
            "_parent": {"id": schedule["id"], "name": schedule["name"], "enabled": True},
            "startDate": text(START),
            "endDate": text(END),
            "finalTimeline": {"rotations": rotations},
        },
        "took": 0.05,
        "requestId": f"timeline-{schedule['id']}",
    }


if __name__ == "__main__":
    (HERE / "timelines").mkdir(exist_ok=True)
    for file in sorted((HERE / "schedules").glob("*.json")):
        saved = json.loads(file.read_text())
        out = HERE / "timelines" / f"{saved['schedule']['id']}.json"
        out.write_text(json.dumps(timeline(saved), indent=1) + "\n")
