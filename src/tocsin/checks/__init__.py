"""Synthetic checks: HTTP(S) and TCP probes the worker runs on an interval (SPEC §1)."""
