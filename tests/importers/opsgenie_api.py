"""Opsgenie's REST API answering from the recorded account (the backup folder), as
``httpx.MockTransport``: the list shapes of the API, pages of two, the GenieKey checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

RECORDED = Path(__file__).parent / "recorded" / "opsgenie"
KEY = "test-genie-key"
PAGE = 2


def _load(folder: str) -> list[dict[str, Any]]:
    return [json.loads(f.read_text()) for f in sorted((RECORDED / folder).glob("*.json"))]


class RecordedOpsgenie:
    def __init__(self, root: Path = RECORDED) -> None:
        self.users = {u["user"]["id"]: u for u in _load("users")}
        self.teams = {t["team"]["id"]: t for t in _load("teams")}
        self.schedules = {s["schedule"]["id"]: s for s in _load("schedules")}
        self.escalations = _load("escalations")
        self.integrations = [i["integration"] for i in _load("integrations")]
        self.services = _load("services")
        self.timelines = {
            f.stem: json.loads(f.read_text()) for f in (root / "timelines").glob("*.json")
        }
        self.requests: list[httpx.Request] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("Authorization") != f"GenieKey {KEY}":
            return httpx.Response(401, json={"message": "Could not authenticate"})
        body = self.route(request, request.url.path.strip("/").split("/"))
        if body is None:
            return httpx.Response(404, json={"message": "not found"})
        return httpx.Response(200, json={**body, "took": 0.01, "requestId": "recorded"})

    def route(self, request: httpx.Request, parts: list[str]) -> dict[str, Any] | None:
        match parts:
            case ["v2", "users"]:
                users = [u["user"] for u in self.users.values()]
                return self.paged(
                    request, [{k: v for k, v in u.items() if k != "userContacts"} for u in users]
                )
            case ["v2", "users", user_id, "contacts"]:
                contacts = self.users[user_id]["user"].get("userContacts") or []
                return {
                    "data": [
                        {
                            "id": c["id"],
                            "method": c["contactMethod"],
                            "to": c["to"],
                            "status": {"enabled": c["enabled"]},
                        }
                        for c in contacts
                    ]
                }
            case ["v2", "users", user_id, "notification-rules"]:
                rules = self.users[user_id]["notificationRuleList"]
                return {"data": [{k: v for k, v in r.items() if k != "steps"} for r in rules]}
            case ["v2", "users", user_id, "notification-rules", rule_id]:
                rules = self.users[user_id]["notificationRuleList"]
                return {"data": next(r for r in rules if r["id"] == rule_id)}
            case ["v2", "teams"]:
                return {
                    "data": [
                        {k: t["team"][k] for k in ("id", "name", "description")}
                        for t in self.teams.values()
                    ]
                }
            case ["v2", "teams", team_id]:
                return {"data": self.teams[team_id]["team"]}
            case ["v2", "teams", team_id, "routing-rules"]:
                return {"data": self.teams[team_id]["teamRoutingRules"]}
            case ["v2", "schedules"]:
                assert request.url.params.get("expand") == "rotation"
                return self.paged(request, [s["schedule"] for s in self.schedules.values()])
            case ["v2", "schedules", schedule_id, "overrides"]:
                return {"data": self.schedules[schedule_id]["scheduleOverrideList"]}
            case ["v2", "schedules", schedule_id, "timeline"]:
                assert request.url.params["intervalUnit"] == "weeks"
                assert int(request.url.params["interval"]) >= 1 and request.url.params["date"]
                return self.timelines[schedule_id]
            case ["v2", "escalations"]:
                return {"data": self.escalations}
            case ["v2", "integrations"]:
                return {
                    "data": [
                        {
                            "id": i["id"],
                            "name": i["name"],
                            "type": i["type"],
                            "enabled": i["enabled"],
                            "teamId": (i.get("ownerTeam") or {}).get("id"),
                        }
                        for i in self.integrations
                    ]
                }
            case ["v2", "integrations", integration_id]:
                found = [i for i in self.integrations if i["id"] == integration_id]
                return {"data": found[0]} if found else None
            case ["v1", "services"]:
                return self.paged(request, self.services)
        return None

    @staticmethod
    def paged(request: httpx.Request, items: list[dict[str, Any]]) -> dict[str, Any]:
        offset = int(request.url.params.get("offset", 0))
        page = items[offset : offset + PAGE]
        paging: dict[str, str] = {"first": str(request.url.copy_merge_params({"offset": 0}))}
        if offset + PAGE < len(items):
            paging["next"] = str(request.url.copy_merge_params({"offset": offset + PAGE}))
        return {"data": page, "paging": paging, "totalCount": len(items)}
