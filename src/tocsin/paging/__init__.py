"""Paging: escalations frozen on an incident, advanced by timers, delivered via the outbox."""
