"""``load_all_tables`` (what Alembic's env runs) knows every table the migrations create."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from tests.conftest import Api
from tocsin.db import UNMAPPED_TABLES

LOAD = "from tocsin import db; db.load_all_tables(); print(*db.Base.metadata.tables)"


def test_load_all_tables_finds_every_feature_and_sub_feature(api: Api) -> None:
    # a fresh interpreter: here the app has imported every tables module already
    done = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, check=True)
    with api.db.engine.connect() as connection:
        migrated = set(inspect(connection).get_table_names())
    assert set(done.stdout.split()) == migrated - {"alembic_version"} - UNMAPPED_TABLES
