"""On-call: people and how to reach them, teams, schedules, escalation policies, services."""
