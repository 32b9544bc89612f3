"""Call-response pages: the public confirm page a signed link in the SMS opens, and "my
instructions" for signed-in responsible persons.

The confirm page needs no sign-in: the signed token is the credential, so its forms carry
no CSRF token, but the answer is still a POST, so a link preview or a scanner that fetches
the URL never confirms for the person. Both pages are plain HTML forms that work on any
phone without JavaScript, and go through the same service functions as the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.errors import NotFound, PermissionDenied, YingjiError
from yingji.warnings.callresponse import links, service, views
from yingji.web.pages import PAGE_SIZE, Me, PageUser, _csrf_ok, _error_page, _pager, render

router = APIRouter(include_in_schema=False)


# --- public confirm link --------------------------------------------------------------------


def _by_token(session: Session, token: str) -> views.InstructionOut | None:
    instruction_id = links.instruction_from_token(token)
    return None if instruction_id is None else views.one(session, instruction_id)


def _link_page(
    request: Request,
    row: views.InstructionOut,
    token: str,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    ctx = {
        "row": row,
        "token": token,
        "error": error,
        "v": values or {},
        "done": request.query_params.get("done", ""),
    }
    response = render(request, "confirm.html", None, ctx, status_code=status_code)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/c/{token}", name="confirm_link")
def confirm_page(request: Request, session: DbSession, token: str) -> Response:
    row = _by_token(session, token)
    if row is None:
        return _error_page(request, None, "callresponse.bad_link", 404)
    return _link_page(request, row, token)


@router.post("/c/{token}/confirm")
def confirm_submit(request: Request, session: DbSession, token: str) -> Response:
    row = _by_token(session, token)
    if row is None:
        return _error_page(request, None, "callresponse.bad_link", 404)
    service.confirm(session, row.id, "link")
    return RedirectResponse(f"/c/{token}?done=confirmed", status_code=303)


@router.post("/c/{token}/report")
def report_submit(
    request: Request,
    session: DbSession,
    token: str,
    measures_taken: Annotated[str, Form()] = "",
    people_moved: Annotated[str, Form()] = "0",
    note: Annotated[str, Form()] = "",
) -> Response:
    row = _by_token(session, token)
    if row is None:
        return _error_page(request, None, "callresponse.bad_link", 404)
    values = {"measures_taken": measures_taken, "people_moved": people_moved, "note": note}
    try:
        service.report(
            session,
            row.id,
            measures_taken=measures_taken,
            people_moved=_count(people_moved),
            note=note,
            via="link",
        )
    except YingjiError as exc:
        session.rollback()
        return _link_page(request, row, token, error=exc.message, values=values, status_code=422)
    return RedirectResponse(f"/c/{token}?done=reported", status_code=303)


def _count(text: str) -> int:
    """A people count from a form; anything but a whole number ≥ 0 is refused by the
    service with its bilingual message."""
    text = text.strip()
    return int(text) if text.isdigit() else (0 if not text else -1)


# --- my instructions ------------------------------------------------------------------------


@router.get("/instructions", name="instructions")
def instructions_page(
    request: Request,
    session: DbSession,
    me: Me,
    open_only: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    page = views.mine(session, me.actor, open_only=open_only, offset=offset, limit=PAGE_SIZE)
    ctx = {
        "nav": "instructions",
        "rows": views.outs(session, page.items),
        "pager": _pager(request, page.total, offset, PAGE_SIZE),
        "open_only": open_only,
        "is_person": me.actor.person_id is not None,
        "error": None,
    }
    return render(request, "instructions.html", me, ctx)


def _own(session: Session, me: PageUser, instruction_id: int) -> views.Access:
    access = views.open_for(session, me.actor, instruction_id)
    if not access.own:
        raise PermissionDenied("只能确认发给本人的指令 / only your own instructions here")
    return access


@router.post("/instructions/{instruction_id}/confirm", name="instruction_confirm")
def instruction_confirm(
    request: Request,
    session: DbSession,
    me: Me,
    instruction_id: int,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    try:
        _own(session, me, instruction_id)
    except (NotFound, PermissionDenied):
        return _error_page(request, me, "error.not_found", 404)
    service.confirm(session, instruction_id, "inbox")
    return RedirectResponse(f"/instructions#i{instruction_id}", status_code=303)


@router.post("/instructions/{instruction_id}/report", name="instruction_report")
def instruction_report(
    request: Request,
    session: DbSession,
    me: Me,
    instruction_id: int,
    csrf: Annotated[str, Form()] = "",
    measures_taken: Annotated[str, Form()] = "",
    people_moved: Annotated[str, Form()] = "0",
    note: Annotated[str, Form()] = "",
) -> Response:
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    try:
        _own(session, me, instruction_id)
    except (NotFound, PermissionDenied):
        return _error_page(request, me, "error.not_found", 404)
    try:
        service.report(
            session,
            instruction_id,
            measures_taken=measures_taken,
            people_moved=_count(people_moved),
            note=note,
            via="inbox",
        )
    except YingjiError as exc:
        session.rollback()
        rows = views.outs(session, [_own(session, me, instruction_id).instruction])
        ctx = {
            "nav": "instructions",
            "rows": rows,
            "pager": _pager(request, 1, 0, PAGE_SIZE),
            "open_only": False,
            "is_person": True,
            "error": exc.message,
            "report_for": instruction_id,
            "v": {"measures_taken": measures_taken, "people_moved": people_moved, "note": note},
        }
        return render(request, "instructions.html", me, ctx, status_code=422)
    return RedirectResponse(f"/instructions#i{instruction_id}", status_code=303)
