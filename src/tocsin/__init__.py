"""Tocsin: incident management in one process, from alert to postmortem."""

__version__ = "0.1.0"
