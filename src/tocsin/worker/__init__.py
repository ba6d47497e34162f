"""The worker: claims due timers and outbox messages and runs them, idempotently."""
