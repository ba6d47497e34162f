"""FastAPI dependencies shared by every feature's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tocsin.config import Settings
from tocsin.db import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.tocsin.db
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.tocsin.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
