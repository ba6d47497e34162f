"""The router of the whole on-call feature: each sub-feature's routes under ``/api/v1``.

Viewers read; responders and admins change. The iCalendar feeds take a signed link instead of
a token, because calendar apps cannot send headers.
"""

from __future__ import annotations

from fastapi import APIRouter

from tocsin.oncall.escalation.api import router as escalation_router
from tocsin.oncall.people.api import router as people_router
from tocsin.oncall.schedules.api import router as schedules_router
from tocsin.oncall.teams.api import router as teams_router

router = APIRouter(prefix="/api/v1", tags=["on-call"])
router.include_router(people_router)
router.include_router(teams_router)
router.include_router(schedules_router)
router.include_router(escalation_router)
