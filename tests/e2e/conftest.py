"""Real peers for end-to-end tests. Missing peers skip locally but fail in CI (CI is set)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_binary(path_or_name: str, package: str) -> str:
    found = shutil.which(path_or_name)
    if found:
        return found
    message = f"{path_or_name} is missing: apt-get install {package} (make test does this)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
