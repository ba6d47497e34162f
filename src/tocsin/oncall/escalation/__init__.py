"""Escalation policies, the services catalog that links incidents to them, and the preview of who
would be paged."""
