"""The shared query helpers (load or 404, keyset pages, a row's columns), on both databases."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select

from tests.builders import unique
from tests.conftest import Api
from tocsin.errors import InvalidInput, NotFound
from tocsin.fields import MAX_ID
from tocsin.incidents import service as incidents_service
from tocsin.incidents.schemas import IncidentCreate
from tocsin.incidents.tables import Incident
from tocsin.storage import Page, column_values, get_or_404, keyset_page


def declare_some(api: Api, count: int) -> tuple[str, list[int]]:
    """``count`` incidents sharing a title no other test uses; their ids, oldest first."""
    title = unique("storage")
    body = IncidentCreate.model_validate({"title": title, "severity": "SEV4"})
    ids = [
        incidents_service.declare(
            api.db, actor="tests", incident=body, policies=api.settings.policies
        ).id
        for _ in range(count)
    ]
    return title, ids


def ids_of(rows: Sequence[Incident]) -> list[int]:
    return [row.id for row in rows]


def page(
    api: Api, title: str, *, limit: int, cursor: str | None, descending: bool = True
) -> Page[int]:
    query = select(Incident).where(Incident.title == title)
    with api.db.reading() as session:
        return keyset_page(
            session,
            query,
            Incident.id,
            limit=limit,
            cursor=cursor,
            descending=descending,
            out=ids_of,
        )


def test_get_or_404_finds_the_row_or_names_the_missing_id(api: Api) -> None:
    _, [incident_id] = declare_some(api, 1)
    with api.db.reading() as session:
        assert get_or_404(session, Incident, incident_id, "incident").id == incident_id
        with pytest.raises(NotFound) as missing:
            get_or_404(session, Incident, MAX_ID, "incident")
        with pytest.raises(NotFound) as spaced:
            get_or_404(session, Incident, MAX_ID, "major incident")
    assert str(missing.value) == f"no incident with id {MAX_ID}"
    assert missing.value.field == "incident_id"
    assert spaced.value.field == "major_incident_id"


def test_get_or_404_can_lock_the_row(api: Api) -> None:
    _, [incident_id] = declare_some(api, 1)
    with api.db.transaction() as session:
        row = get_or_404(session, Incident, incident_id, "incident", for_update=True)
        assert row.id == incident_id
        with pytest.raises(NotFound):
            get_or_404(session, Incident, MAX_ID, "incident", for_update=True)


def test_pages_walk_newest_first_and_the_last_has_no_cursor(api: Api) -> None:
    title, ids = declare_some(api, 5)
    first = page(api, title, limit=2, cursor=None)
    assert first.items == [ids[4], ids[3]]
    assert first.next_cursor == str(ids[3])
    second = page(api, title, limit=2, cursor=first.next_cursor)
    assert second.items == [ids[2], ids[1]]
    assert second.next_cursor == str(ids[1])
    last = page(api, title, limit=2, cursor=second.next_cursor)
    assert last.items == [ids[0]]
    assert last.next_cursor is None


def test_pages_walk_oldest_first(api: Api) -> None:
    title, ids = declare_some(api, 4)
    first = page(api, title, limit=2, cursor=None, descending=False)
    assert (first.items, first.next_cursor) == (ids[:2], str(ids[1]))
    last = page(api, title, limit=2, cursor=first.next_cursor, descending=False)
    assert (last.items, last.next_cursor) == (ids[2:], None)  # exactly full: still the last


def test_a_page_past_the_end_or_of_nothing_is_empty(api: Api) -> None:
    title, ids = declare_some(api, 2)
    assert page(api, title, limit=5, cursor=None) == Page(items=ids[::-1], next_cursor=None)
    assert page(api, title, limit=5, cursor=str(ids[0])) == Page(items=[], next_cursor=None)
    assert page(api, "no such title", limit=5, cursor=None) == Page(items=[], next_cursor=None)


@pytest.mark.parametrize("cursor", ["", "zzz", "0", "-1", "1.5", "١٢", " 7", str(MAX_ID + 1)])
def test_a_cursor_this_api_did_not_give_is_bad_input(api: Api, cursor: str) -> None:
    with pytest.raises(InvalidInput) as bad:
        page(api, "any", limit=5, cursor=cursor)
    assert bad.value.field == "cursor"


def test_column_values_are_the_row_columns(api: Api) -> None:
    title, [incident_id] = declare_some(api, 1)
    with api.db.reading() as session:
        values = column_values(get_or_404(session, Incident, incident_id, "incident"))
    assert values["id"] == incident_id
    assert values["title"] == title
    assert values["severity"] == "SEV4"
    assert set(values) == {column.key for column in Incident.__table__.columns}
