"""FastAPI dependencies shared by every feature's routes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

from tocsin.config import Settings
from tocsin.core.severity import Severity, SeverityPolicy
from tocsin.db import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.tocsin.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.tocsin.settings
    return settings


def get_policies(request: Request) -> Mapping[Severity, SeverityPolicy]:
    """The severity policies in effect: the application's ``PolicyBook``."""
    policies: Mapping[Severity, SeverityPolicy] = request.app.state.tocsin.policies
    return policies


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PoliciesDep = Annotated[Mapping[Severity, SeverityPolicy], Depends(get_policies)]
