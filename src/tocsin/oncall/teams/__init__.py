"""Teams: the people who own schedules and services."""
