"""People, how to reach them (contact methods) and when (notification rules)."""
