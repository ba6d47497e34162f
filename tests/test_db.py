"""``load_all_tables`` (what Alembic's env runs) knows every table the migrations create."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from tests.builders import unique
from tests.conftest import Api
from tocsin.config_as_code.tables import ConfigKey
from tocsin.db import Database
from tocsin.schema import UNMAPPED_TABLES

LOAD = "from tocsin import db, schema; schema.load_all_tables(); print(*db.Base.metadata.tables)"


def test_load_all_tables_finds_every_feature_and_sub_feature(api: Api) -> None:
    # a fresh interpreter: here the app has imported every tables module already
    done = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, check=True)
    with api.db.engine.connect() as connection:
        migrated = set(inspect(connection).get_table_names())
    assert set(done.stdout.split()) == migrated - {"alembic_version"} - UNMAPPED_TABLES


def _keys(db: Database, kind: str) -> list[str]:
    with db.reading() as session:
        return sorted(session.scalars(select(ConfigKey.key).where(ConfigKey.kind == kind)))


def _add(db: Database, kind: str, key: str) -> None:
    with db.transaction() as session:
        session.add(ConfigKey(kind=kind, key=key, object_id=len(key)))


def test_a_unit_of_work_commits_its_parts_together(api: Api) -> None:
    kind = unique("uow")[:30]
    with api.db.unit_of_work():
        _add(api.db, kind, "a")
        _add(api.db, kind, "bb")
        assert _keys(api.db, kind) == ["a", "bb"]  # a part reads what the unit wrote
    assert _keys(api.db, kind) == ["a", "bb"]


def test_a_unit_of_work_that_raises_keeps_none_of_its_parts(api: Api) -> None:
    kind = unique("uow")[:30]
    with pytest.raises(LookupError), api.db.unit_of_work():
        _add(api.db, kind, "a")
        _add(api.db, kind, "bb")
        raise LookupError
    assert _keys(api.db, kind) == []


def test_a_failed_part_rolls_back_only_itself(api: Api) -> None:
    kind = unique("uow")[:30]
    with api.db.unit_of_work():
        _add(api.db, kind, "a")
        with pytest.raises(IntegrityError):
            _add(api.db, kind, "a")  # the same primary key
        _add(api.db, kind, "bb")
    assert _keys(api.db, kind) == ["a", "bb"]
    with pytest.raises(RuntimeError), api.db.unit_of_work(), api.db.unit_of_work():
        pass
