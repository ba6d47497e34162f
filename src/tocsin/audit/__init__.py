"""The audit log: an append-only record of configuration and access changes."""
