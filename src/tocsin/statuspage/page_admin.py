"""Status pages: make, change and delete them (page 1, the default page, always exists)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tocsin import clock
from tocsin.core.statuspage import PageVisibility
from tocsin.db import Database
from tocsin.errors import InvalidInput, NotFound
from tocsin.statuspage.render import page_url
from tocsin.statuspage.schemas import PageCreate, PageLink, PageOut, PagePatch
from tocsin.statuspage.service import changed_in, lock_state_in
from tocsin.statuspage.snapshot import SnapshotStore
from tocsin.statuspage.tables import DEFAULT_PAGE_ID, StatusPage
from tocsin.storage import flush_unique, get_or_404

RESERVED_SLUGS = frozenset({"status", "api", "static"})


def page_out(row: StatusPage, store: SnapshotStore) -> PageOut:
    return PageOut(
        id=row.id,
        slug=row.slug,
        name=row.name or store.default_name,
        visibility=PageVisibility(row.visibility),
        url=page_url(store.base_url, row),
        description=row.description,
        logo_url=row.logo_url,
        home_url=row.home_url,
        links=[PageLink(**link) for link in row.links or []],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_pages(db: Database, store: SnapshotStore) -> list[PageOut]:
    with db.reading() as session:
        rows = session.scalars(select(StatusPage).order_by(StatusPage.id))
        return [page_out(row, store) for row in rows]


def get_page(db: Database, store: SnapshotStore, *, page_id: int) -> PageOut:
    with db.reading() as session:
        return page_out(get_or_404(session, StatusPage, page_id, "status page"), store)


def _check_slug(slug: str, page_id: int | None) -> None:
    if slug in RESERVED_SLUGS and page_id != DEFAULT_PAGE_ID:
        raise InvalidInput(f"slug: {slug!r} is reserved", field="slug")


def create_page(db: Database, store: SnapshotStore, *, body: PageCreate) -> PageOut:
    _check_slug(body.slug, None)
    with db.transaction() as session:
        state = lock_state_in(session)
        now = clock.now()
        row = StatusPage(
            slug=body.slug,
            name=body.name,
            visibility=body.visibility.value,
            description=body.description or None,
            logo_url=body.logo_url,
            home_url=body.home_url,
            links=[link.model_dump() for link in body.links],
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        flush_unique(session, field="slug", message=f"slug: a page {row.slug!r} exists already")
        changed_in(session, state, store)
        return page_out(row, store)


def update_page(db: Database, store: SnapshotStore, *, page_id: int, body: PagePatch) -> PageOut:
    sent = body.model_fields_set
    with db.transaction() as session:
        state = lock_state_in(session)
        row = get_or_404(session, StatusPage, page_id, "status page")
        values: dict[str, Any] = {name: getattr(body, name) for name in sent}
        if "slug" in values:
            _check_slug(values["slug"], page_id)
        if "name" in values and values["name"] is None and page_id != DEFAULT_PAGE_ID:
            raise InvalidInput("name: only the default page may go without one", field="name")
        if "visibility" in values:
            values["visibility"] = values["visibility"].value
        if "links" in values:
            values["links"] = [link.model_dump() for link in body.links]
        if "description" in values:
            values["description"] = values["description"] or None
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = clock.now()
        flush_unique(session, field="slug", message=f"slug: a page {row.slug!r} exists already")
        changed_in(session, state, store)
        return page_out(row, store)


def delete_page(db: Database, store: SnapshotStore, *, page_id: int) -> None:
    """Delete a page with its components and public incidents; never the default page."""
    if page_id == DEFAULT_PAGE_ID:
        raise InvalidInput("page_id: the default page cannot be deleted", field="page_id")
    with db.transaction() as session:
        state = lock_state_in(session)
        row = session.get(StatusPage, page_id)
        if row is None:
            raise NotFound(f"no status page with id {page_id}", field="page_id")
        session.delete(row)
        changed_in(session, state, store)
