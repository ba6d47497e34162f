"""The alerts section of the incident page.

Incidents sit below alerts in the import layers, so the incident page cannot ask for alerts
itself; this module gives its template a function that does.
"""

from __future__ import annotations

from typing import Any

from tocsin.alerts import service
from tocsin.alerts.schemas import AlertOut
from tocsin.db import Database
from tocsin.fields import Id
from tocsin.templating import templates


def incident_alerts(request: Any, incident_id: Id) -> list[AlertOut]:
    db: Database = request.app.state.db
    return service.incident_alerts(db, incident_id=incident_id)


templates.env.globals["incident_alerts"] = incident_alerts
