"""Schedules: layers of rotations, overrides, who is on call, and calendar feeds of shifts."""
