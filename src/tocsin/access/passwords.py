"""Passwords: argon2id hashes (argon2-cffi's defaults, the RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tocsin.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200

_hasher = PasswordHasher()
# Checked against when no user has the address, so a wrong address costs as long as a wrong
# password and the answer's timing does not tell which addresses have accounts.
_UNUSED = _hasher.hash("no account has this password")


def check_policy(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"{field}: use at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"{field}: use at most {MAX_LENGTH} characters", field=field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, False in the same time."""
    try:
        return _hasher.verify(stored or _UNUSED, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
