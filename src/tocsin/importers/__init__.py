"""Importers: read another tool's on-call configuration and write a Tocsin configuration file.

Each source (``pagerduty``, ``opsgenie``, ``grafana_oncall``) is one module exposing
``IMPORTER``, an :class:`tocsin.importers.base.Importer`. An importer never writes to the
database: it produces a :class:`~tocsin.config_as_code.document.Document` that
``tocsin apply`` plans and applies, plus a report of what could not be carried over.
"""
