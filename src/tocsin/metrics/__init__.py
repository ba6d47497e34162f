"""Incident metrics: the formulas are in ``tocsin.core.metrics`` and ``core.oncall_load``;
here, ``queries.py`` (set-based SQL, grouped in the database), ``service.py`` (the report),
``api.py`` (JSON and CSV), ``pages.py`` with ``charts.py`` (the dashboard) and
``learning.py`` (recurrence and action items, fed by the postmortems feature)."""
