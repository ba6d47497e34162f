"""Incidents: declaration, lifecycle, severity, roles, updates, notes and the timeline."""
