"""Scheduled maintenance on the status page: announced, reminded, started and completed."""
