"""The public status page: components, public incidents, and the snapshot served from memory."""
