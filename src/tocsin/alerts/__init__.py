"""Alerts: integrations, ingest, deduplication, grouping, silences and heartbeats.

Where things live:

- ``tables.py``, ``schemas.py``, ``api.py`` (JSON routes), ``service.py`` (reading alerts,
  noise, heartbeat checks); ``integrations.py`` and ``silences.py``, the use cases of those two.
- The ingest path, in order: ``ingest.py`` (bare ASGI routes) → ``sources/`` (one parser per
  payload format) → ``batch_writer.py`` (the thread that commits queued requests together) →
  ``processing.py`` (what each alert does, with the rules of ``tocsin.core``; ``derived.py``,
  the record, severity and incident made of an alert) → ``changes.py`` (what a batch
  changed, written in a few statements); ``outcomes.py`` (what one alert did, and its
  sentence); ``heartbeats.py`` (the alert a missed beat raises).
- In memory, one per application (``state.py``, made by ``tocsin.assembly``):
  ``open_alerts.py``, ``silence_cache.py``, ``integration_cache.py``, ``rate_limits.py``.
- Reactions to incidents: ``follow.py`` (alerts follow their incident), subscribed in
  ``tocsin.assembly``, which also puts ``service.incident_alerts`` on the incident page.
"""
