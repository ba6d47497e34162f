"""The web process: app factory, error mapping, and the routers of every feature."""
