"""The subscriber pages a browser sees, without any script: the status page's subscribe
form posts here, and the links of every mail land here.

- ``POST /subscribe/{page_id}``: the form (``email``, optional repeated ``components`` and
  ``groups``).
- ``GET /subscribe/{page_id}/confirm?token=``: shows a Confirm button; only its ``POST``
  confirms the subscription, so mail scanners that open links confirm nothing.
- ``GET /subscribe/{page_id}/unsubscribe?token=``: shows a button; only its ``POST`` (or a
  mail client's one-click ``POST``, RFC 8058) unsubscribes, so link scanners do not.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from tocsin.deps import DbDep, SettingsDep
from tocsin.errors import InvalidInput
from tocsin.fields import Id
from tocsin.statuspage.render import page_url
from tocsin.statuspage.subscribers import service
from tocsin.statuspage.subscribers.api import SUBSCRIBE_LIMIT
from tocsin.statuspage.subscribers.schemas import SubscribeIn
from tocsin.statuspage.tables import StatusPage
from tocsin.templating import templates

router = APIRouter(prefix="/subscribe/{page_id}", include_in_schema=False)
Token = Annotated[str, Query(max_length=200)]


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    context.setdefault("form_action", None)
    context.setdefault("page_url", None)
    return templates.TemplateResponse(request, "subscribers/page.html", context, status_code=status)


def _back(db: DbDep, settings: SettingsDep, page_id: int) -> str | None:
    with db.reading() as session:
        page = session.scalar(select(StatusPage).where(StatusPage.id == page_id))
        return f"{page_url(settings.base_url, page)}/" if page else None


def _checked(form: dict[str, Any]) -> SubscribeIn:
    try:
        return SubscribeIn.model_validate(form)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "email"
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None


@router.post("", response_class=HTMLResponse, dependencies=[SUBSCRIBE_LIMIT])
def subscribe_form(
    request: Request,
    page_id: Id,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=320)] = "",
    components: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI copies it)
    groups: Annotated[list[int], Form()] = [],  # noqa: B006
) -> Response:
    body = _checked({"email": email or None, "components": components, "groups": groups})
    service.subscribe(db, settings, page_id=page_id, body=body)
    return _page(
        request,
        status=202,
        title="Check your mail",
        message=f"We sent a link to {body.email}: the subscription starts when you open it.",
        page_url=_back(db, settings, page_id),
    )


@router.get("/confirm", response_class=HTMLResponse)
def confirm_page(
    request: Request, page_id: Id, db: DbDep, settings: SettingsDep, token: Token = ""
) -> Response:
    address, confirmed = service.check_confirm(db, settings, page_id=page_id, token=token)
    if confirmed:
        return _confirmed(request, db, settings, page_id, address)
    return _page(
        request,
        title="Confirm the subscription?",
        message=f"Press the button to send this status page's updates to {address}.",
        form_action=f"{request.url.path}?{request.url.query}",
        form_button="Confirm",
    )


@router.post("/confirm", response_class=HTMLResponse)
def confirm(
    request: Request, page_id: Id, db: DbDep, settings: SettingsDep, token: Token = ""
) -> Response:
    address = service.confirm(db, settings, page_id=page_id, token=token)
    return _confirmed(request, db, settings, page_id, address)


def _confirmed(
    request: Request, db: DbDep, settings: SettingsDep, page_id: int, address: str
) -> Response:
    return _page(
        request,
        title="Subscription confirmed",
        message=f"{address} now receives this status page's updates. Every mail has a link "
        "to unsubscribe.",
        page_url=_back(db, settings, page_id),
    )


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(
    request: Request, page_id: Id, db: DbDep, settings: SettingsDep, token: Token = ""
) -> Response:
    if not service.check_unsubscribe(db, settings, page_id=page_id, token=token):
        return _page(request, title="Unsubscribed", message="This subscription has ended.")
    return _page(
        request,
        title="Unsubscribe?",
        message="Press the button to stop receiving this status page's updates.",
        form_action=f"{request.url.path}?{request.url.query}",
        form_button="Unsubscribe",
    )


@router.post("/unsubscribe", response_class=HTMLResponse)
def unsubscribe(
    request: Request, page_id: Id, db: DbDep, settings: SettingsDep, token: Token = ""
) -> Response:
    ended = service.unsubscribe(db, settings, page_id=page_id, token=token)
    message = "You will receive no more updates." if ended else "This subscription had ended."
    return _page(
        request, title="Unsubscribed", message=message, page_url=_back(db, settings, page_id)
    )
