"""Alerts: integrations, ingest, deduplication, grouping, silences and heartbeats."""
