"""The `tocsin` command."""

from tocsin.cli.main import app

__all__ = ["app"]
