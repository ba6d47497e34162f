"""Tocsin: incident management in one process, from alert to postmortem."""

import zoneinfo

__version__ = "0.1.0"

# Prefer the PyPI tzdata release we depend on over an older system copy: zones change
# (Morocco's Ramadan switching, for one), and on-call hand-offs must follow current rules.
zoneinfo.reset_tzpath(to=())
