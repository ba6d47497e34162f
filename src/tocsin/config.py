"""Settings, read from ``TOCSIN_*`` environment variables."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tocsin.core.severity import Severity, SeverityPolicy, merge_policies


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOCSIN_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///tocsin.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to the working directory.",
    )
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = Field(
        default="",
        description="Address people and tools use to reach Tocsin; defaults to http://host:port.",
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    severity_policies: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='JSON overrides per severity, e.g. {"SEV1": {"update_cadence_minutes": 10}}.',
    )

    @field_validator("severity_policies")
    @classmethod
    def _policies_valid(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        merge_policies(value)
        return value

    @cached_property
    def policies(self) -> dict[Severity, SeverityPolicy]:
        return merge_policies(self.severity_policies)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
