"""Whistle pages: the public report form, the receipt and the progress look-up (no sign-in,
plain HTML forms so they work on any phone), and the handlers' list and detail.

The handlers' step forms post here rather than to the JSON API so they work without
JavaScript too; both go through the same service functions. A receipt is looked up by POST
so it never lands in server logs or browser history as part of a URL.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from yingji.api_deps import DbSession
from yingji.errors import NotFound, YingjiError
from yingji.regions.models import Region
from yingji.web.pages import (
    PAGE_SIZE,
    Me,
    PageUser,
    _csrf_ok,
    _error_page,
    _pager,
    _under_region,
    render,
)
from yingji.whistle import antispam, crypto, public, service, views
from yingji.whistle.api import client_address, photos_of
from yingji.whistle.models import STATE_LABELS

router = APIRouter(include_in_schema=False)


# --- public -------------------------------------------------------------------------------


def _form_page(
    request: Request,
    session: Session,
    values: dict[str, Any] | None = None,
    error: YingjiError | None = None,
    token: str | None = None,
    status_code: int = 200,
) -> Response:
    question = antispam.question_of(token) if token else None
    if question is None:
        token, question = antispam.issue_form()
    fields = [d.get("field") for d in (error.details or [])] if error and error.details else []
    ctx = {
        "regions": public.region_choices(session),
        "v": values or {"anonymous": "true"},
        "error": error.message if error else None,
        "error_fields": fields if isinstance(fields, list) else [],
        "token": token,
        "question": question,
    }
    return render(request, "whistle_form.html", None, ctx, status_code=status_code)


@router.get("/report", name="whistle_form")
def report_form(request: Request, session: DbSession) -> Response:
    return _form_page(request, session)


def _number(text: str) -> float | None:
    try:
        value = float(text) if text.strip() else None
    except ValueError:
        return None
    return value if value is None or math.isfinite(value) else None


@router.post("/report")
async def report_submit(
    request: Request,
    session: DbSession,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    enterprise_name: Annotated[str, Form()] = "",
    anonymous: Annotated[str, Form()] = "true",
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    form_token: Annotated[str, Form()] = "",
    answer: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    values = {
        "title": title,
        "description": description,
        "region_code": region_code,
        "lon": lon,
        "lat": lat,
        "address": address,
        "enterprise_name": enterprise_name,
        "anonymous": "false" if anonymous == "false" else "true",
        "name": name,
        "phone": phone,
    }
    sub = public.Submission(
        title=title,
        description=description,
        region_code=region_code or None,
        lon=_number(lon),
        lat=_number(lat),
        address=address,
        enterprise_name=enterprise_name,
        anonymous=values["anonymous"] == "true",
        name=name,
        phone=phone,
        form_token=form_token,
        answer=answer,
        website=website,
        photos=await photos_of(photos),
    )
    try:
        report, receipt = public.submit(session, sub, client_address(request))
    except antispam.RateLimited as exc:
        session.rollback()
        response = _form_page(request, session, values, exc, form_token, 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except YingjiError as exc:
        session.rollback()
        fields = [d.get("field") for d in exc.details or [] if isinstance(d, dict)]
        keep = None if "form_token" in fields else form_token
        return _form_page(request, session, values, exc, keep, 422)
    ctx = {"receipt": crypto.pretty_receipt(receipt), "state": report.state}
    return render(request, "whistle_receipt.html", None, ctx, status_code=201)


@router.get("/report/status", name="whistle_status")
def status_form(request: Request) -> Response:
    return render(request, "whistle_status.html", None, {"receipt": "", "found": None})


@router.post("/report/status")
def status_lookup(
    request: Request, session: DbSession, receipt: Annotated[str, Form()] = ""
) -> Response:
    ctx: dict[str, Any] = {"receipt": receipt, "found": None, "error": None}
    status = 200
    try:
        ctx["found"] = public.status(session, receipt, client_address(request))
    except antispam.RateLimited as exc:
        ctx["error"], status = exc.message, 429
    if ctx["found"] is None and ctx["error"] is None:
        ctx["not_found"], status = True, 404
    return render(request, "whistle_status.html", None, ctx, status_code=status)


# --- handlers -----------------------------------------------------------------------------


@router.get("/whistle-reports", name="whistle_reports")
def list_page(
    request: Request,
    session: DbSession,
    me: Me,
    q: str = "",
    state: str = "",
    under: str = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    region_id, problem = _under_region(session, me, under)
    rows: list[Any] = []
    pager = _pager(request, 0, offset, PAGE_SIZE)
    if me.actor.role not in service.READERS:
        return _error_page(request, me, "error.not_found", 403)
    if problem is None:
        filters = service.ReportFilter(
            state=[state] if state in STATE_LABELS else None,
            under_path=session.get_one(Region, region_id).path if region_id else None,
            q=q.strip() or None,
        )
        page = service.list_reports(session, me.actor, filters, offset, PAGE_SIZE)
        rows = views.outs(session, page.items)
        pager = _pager(request, page.total, offset, PAGE_SIZE)
    ctx = {
        "nav": "whistle",
        "rows": rows,
        "pager": pager,
        "problem": problem,
        "q": q,
        "state": state,
        "under": under,
        "states": list(STATE_LABELS),
    }
    return render(request, "whistle_list.html", me, ctx)


def _detail_page(
    request: Request,
    session: Session,
    me: PageUser,
    report_id: int,
    *,
    error: str | None = None,
    identity: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    try:
        report = service.get(session, me.actor, report_id)
    except YingjiError:
        return _error_page(request, me, "error.not_found", 404)
    ctx = {
        "nav": "whistle",
        "r": views.detail(session, me.actor, report),
        "error": error,
        "identity": identity,
        "methods": list(service.PAYOUT_METHODS),
    }
    return render(request, "whistle_detail.html", me, ctx, status_code=status_code)


@router.get("/whistle-reports/{report_id}", name="whistle_report")
def detail_page(request: Request, session: DbSession, me: Me, report_id: int) -> Response:
    return _detail_page(request, session, me, report_id)


def _perform(
    request: Request, session: Session, me: PageUser, report_id: int, csrf: str, work: Any
) -> Response:
    """Run one write for a form; back to the detail page, or the page with the refusal."""
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    try:
        work()
    except NotFound:
        session.rollback()
        return _error_page(request, me, "error.not_found", 404)
    except YingjiError as exc:
        session.rollback()
        return _detail_page(
            request, session, me, report_id, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/whistle-reports/{report_id}", status_code=303)


@router.post("/whistle-reports/{report_id}/act")
def act_submit(
    request: Request,
    session: DbSession,
    me: Me,
    report_id: int,
    action: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    public_note: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    duplicate_of: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    enterprise_id: Annotated[str, Form()] = "",
) -> Response:
    data: dict[str, Any] = {
        "comment": comment,
        "public_note": public_note,
        "reason": reason,
        "duplicate_of": duplicate_of,
        "title": title,
        "enterprise_id": int(enterprise_id) if enterprise_id.strip().isdigit() else None,
    }
    return _perform(
        request,
        session,
        me,
        report_id,
        csrf,
        lambda: service.act(session, me.actor, report_id, action, data),
    )


@router.post("/whistle-reports/{report_id}/identity")
def identity_submit(
    request: Request,
    session: DbSession,
    me: Me,
    report_id: int,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Shows the identity on this one response; it is never put in the session or a URL."""
    if not _csrf_ok(request, csrf):
        return _error_page(request, me, "error.csrf", 403)
    try:
        identity = service.read_identity(session, me.actor, report_id)
    except YingjiError as exc:
        session.rollback()
        return _detail_page(
            request, session, me, report_id, error=exc.message, status_code=exc.status
        )
    return _detail_page(request, session, me, report_id, identity=identity)


@router.post("/whistle-reports/{report_id}/reward")
def reward_submit(
    request: Request,
    session: DbSession,
    me: Me,
    report_id: int,
    csrf: Annotated[str, Form()] = "",
    amount_yuan: Annotated[str, Form()] = "",
    basis: Annotated[str, Form()] = "",
) -> Response:
    return _perform(
        request,
        session,
        me,
        report_id,
        csrf,
        lambda: service.decide_reward(session, me.actor, report_id, amount_yuan, basis),
    )


@router.post("/whistle-reports/{report_id}/payout")
def payout_submit(
    request: Request,
    session: DbSession,
    me: Me,
    report_id: int,
    csrf: Annotated[str, Form()] = "",
    method: Annotated[str, Form()] = "",
    amount_yuan: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
) -> Response:
    data: dict[str, Any] = {"method": method, "reference": reference}
    if amount_yuan.strip():
        data["amount_yuan"] = amount_yuan.strip()
    return _perform(
        request,
        session,
        me,
        report_id,
        csrf,
        lambda: service.record_payout(session, me.actor, report_id, data),
    )
