"""The public report form (no JavaScript): ``GET/POST /report/{page_slug}``.

Anyone may post, so it is limited per client address (``TOCSIN_REPORTS_FORM_PER_MINUTE``;
over it: 429 with ``Retry-After``) and carries a honeypot field, ``website``, hidden from
people: a post that fills it is thanked and dropped. A refused value shows the form again
(422) with the problem named next to its field. Internal pages have no public form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tocsin.config import Settings
from tocsin.db import Database
from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import InvalidInput, NotFound
from tocsin.rate_limits import SourceLimits, client_address
from tocsin.reports import service
from tocsin.reports.api import matching
from tocsin.reports.schemas import ReportCreate
from tocsin.statuspage import support
from tocsin.templating import templates

router = APIRouter(include_in_schema=False)
Field = Annotated[str, Form(max_length=10_000)]
FIELDS = ("name", "contact", "text", "started_at", "component_id")


def _page(db: Database, settings: Settings, slug: str) -> tuple[support.PageRef, list[Any]]:
    with db.reading() as session:
        page = support.page_by_slug_in(
            session, slug=slug, base_url=settings.base_url, default_name=settings.statuspage_name
        )
        if page is None or page.internal:
            raise NotFound(f"no public status page {slug!r}")
        return page, support.components_in(session, page_id=page.id)


def _form(
    request: Request,
    page: support.PageRef,
    components: list[Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "page": page,
        "components": components,
        "values": values or {},
        "errors": errors or {},
        "principal": None,
    }
    return templates.TemplateResponse(request, "report_form.html", context, status_code=status)


def _when(value: str) -> datetime | None:
    """A ``datetime-local`` value, read as UTC; blank is now."""
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("not a date and time (YYYY-MM-DDTHH:MM)", field="started_at") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _component(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise InvalidInput("not a component of this page", field="component_id")
    return int(value)


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(name if name in FIELDS else "form", error["msg"])
    return found


@router.get("/report/{page_slug}", response_class=HTMLResponse)
def report_form(request: Request, page_slug: str, db: DbDep, settings: SettingsDep) -> Response:
    page, components = _page(db, settings, page_slug)
    return _form(request, page, components)


@router.post("/report/{page_slug}", response_class=HTMLResponse)
def submit_from_form(
    request: Request,
    page_slug: str,
    db: DbDep,
    settings: SettingsDep,
    name: Field = "",
    contact: Field = "",
    text: Field = "",
    started_at: Field = "",
    component_id: Field = "",
    website: Field = "",  # the honeypot: people never see it
) -> Response:
    # Not ``per_client``: over the limit, the form comes back with what was typed in it.
    limits: SourceLimits = request.app.state.tocsin.client_limits["report"]
    wait = limits.wait(client_address(request), settings.reports_form_per_minute)
    page, components = _page(db, settings, page_slug)
    values = {"name": name, "contact": contact, "text": text, "started_at": started_at}
    values["component_id"] = component_id
    if wait:
        message = f"Too many reports from your address; try again in {wait} s."
        response = _form(
            request, page, components, values=values, errors={"form": message}, status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if website:
        return _thanks(request, page)
    errors: dict[str, str] = {}
    when, part = _parsed(errors, _when, started_at), _parsed(errors, _component, component_id)
    try:
        body = ReportCreate(
            name=name,
            contact=contact,
            text=text,
            started_at=when,
            component_id=part,
            page_id=page.id,
            source="form",
        )
    except ValidationError as exc:
        for where, message in _errors(exc).items():
            errors.setdefault(where, message)
    if not errors:
        try:
            service.submit(db, body=body, actor="form", matching=matching(settings))
        except InvalidInput as exc:
            errors[exc.field if exc.field in FIELDS else "form"] = exc.message
        else:
            return _thanks(request, page)
    return _form(request, page, components, values=values, errors=errors, status=422)


T = TypeVar("T")


def _parsed(errors: dict[str, str], parse: Callable[[str], T | None], value: str) -> T | None:
    """``parse(value)``, or None with its problem put in ``errors``."""
    try:
        return parse(value)
    except InvalidInput as exc:
        errors[exc.field or "form"] = exc.message
        return None


def _thanks(request: Request, page: support.PageRef) -> Response:
    context = {"page": page, "principal": None}
    return templates.TemplateResponse(request, "report_thanks.html", context)
