"""Notifications: the outbox, delivery records, and one module per channel under channels/."""
