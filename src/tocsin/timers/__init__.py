"""Durable timers: work that must happen at a time (escalate, remind, check)."""
