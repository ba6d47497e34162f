"""Probes for whoever runs Tocsin: /healthz (the process runs) and /readyz (it can work).

A load balancer or orchestrator restarts a process whose /healthz fails and sends no traffic
to one whose /readyz fails. A database outage is a readiness problem, never a liveness one:
restarting Tocsin does not bring PostgreSQL back, and Tocsin recovers by itself when it is.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from tocsin import __version__
from tocsin.deps import DbDep
from tocsin.errors import RETRY_AFTER_SECONDS

CHECK_SECONDS = 2.0  # a database that has not answered by then counts as unreachable

router = APIRouter(tags=["ops"])


class Liveness(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str]


@router.get("/healthz", summary="The process is running (liveness)")
def healthz() -> Liveness:
    """Answers 200 while the process runs, whatever its dependencies do."""
    return Liveness(status="ok", version=__version__)


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The process can serve requests (readiness)",
    responses={
        503: {
            "model": Readiness,
            "description": "A dependency is down; `checks` names it. Sent with `Retry-After`.",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
        }
    },
)
async def readyz(db: DbDep) -> JSONResponse:
    """Checks each dependency now: the database must answer and take writes."""
    try:
        outage = await asyncio.wait_for(asyncio.to_thread(db.check), CHECK_SECONDS)
        database = "ok" if outage is None else str(outage)
    except TimeoutError:
        database = f"unreachable: no answer within {CHECK_SECONDS:g} s"
    checks = {"database": database}
    if database == "ok":
        return JSONResponse(Readiness(status="ok", checks=checks).model_dump())
    body = Readiness(status="unavailable", checks=checks).model_dump()
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
