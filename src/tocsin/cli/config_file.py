"""Named contexts (a server URL and its token) in the CLI's config file.

The file is TOML: ``current = "prod"`` and one ``[contexts.NAME]`` table per context with
``url`` and ``token``. It lives at ``$TOCSIN_CONFIG``, else
``$XDG_CONFIG_HOME/tocsin/config.toml``, else ``~/.config/tocsin/config.toml``. It holds
tokens, so it is written 0600 (its folder 0700), whole, through a temporary file.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(Exception):
    """The config file cannot be read, or a context name is wrong; the message says why."""


@dataclass
class Context:
    url: str | None = None
    token: str | None = None


@dataclass
class Config:
    current: str | None = None
    contexts: dict[str, Context] = field(default_factory=dict)


def config_path() -> Path:
    if explicit := os.environ.get("TOCSIN_CONFIG"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tocsin" / "config.toml"


def masked(token: str | None) -> str:
    """The first 8 characters, as `tocsin token list` shows them: enough to tell tokens apart.

    A short token (not one Tocsin made) shows nothing of itself.
    """
    if not token:
        return "—"
    return token[:8] + "…" if len(token) >= 24 else "•" * 8


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ConfigError(
            f"{name!r} is not a context name: letters, digits, '-', '_', '.' (at most 64)"
        )
    return name


def load(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    contexts: dict[str, Context] = {}
    tables = raw.get("contexts", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: 'contexts' must be a table")
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: context {name!r} must be a table")
        url, token = table.get("url"), table.get("token")
        if not isinstance(url, str | None) or not isinstance(token, str | None):
            raise ConfigError(f"{path}: context {name!r}: url and token must be strings")
        contexts[name] = Context(url=url, token=token)
    current = raw.get("current")
    if not isinstance(current, str | None):
        raise ConfigError(f"{path}: 'current' must be a string")
    return Config(current=current, contexts=contexts)


def _quoted(value: str) -> str:
    # A JSON string with non-ASCII escaped is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=True)


def dumps(config: Config) -> str:
    lines = ["# Written by `tocsin context`; holds API tokens: keep it private."]
    if config.current is not None:
        lines.append(f"current = {_quoted(config.current)}")
    for name, context in config.contexts.items():
        lines += ["", f"[contexts.{_quoted(name)}]"]
        if context.url is not None:
            lines.append(f"url = {_quoted(context.url)}")
        if context.token is not None:
            lines.append(f"token = {_quoted(context.token)}")
    return "\n".join(lines) + "\n"


def save(config: Config, path: Path | None = None) -> Path:
    path = path or config_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(dumps(config))
        os.chmod(temporary, 0o600)  # a leftover temporary file would keep its old mode
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
