"""HTTP API for whistle reports: the public form and receipt look-up (no sign-in), and the
handlers' list, detail, steps, audited identity read, reward and payouts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, under_path
from yingji.config import get_settings
from yingji.whistle import antispam, crypto, public, service, views
from yingji.whistle.models import STATE_LABELS
from yingji.whistle.schemas import (
    ActionIn,
    FormOut,
    IdentityOut,
    PayoutIn,
    PublicStatus,
    ReceiptOut,
    RewardIn,
    WhistleDetail,
)

router = APIRouter(tags=["whistle"])


def client_address(request: Request) -> str:
    """The peer address (behind a proxy, run uvicorn with ``--proxy-headers``)."""
    return request.client.host if request.client else "unknown"


def throttled(exc: antispam.RateLimited) -> JSONResponse:
    """429 with Retry-After, in the API's error format."""
    return JSONResponse(
        {"error": exc.as_dict()},
        status_code=429,
        headers={"Retry-After": str(exc.retry_after)},
    )


# --- public -------------------------------------------------------------------------------


@router.get("/public/whistle-reports/form")
def form(session: DbSession) -> FormOut:
    """A form token (valid once, after ``min_fill_seconds``), its check question and the
    counties and townships a report can be filed for."""
    token, question = antispam.issue_form()
    return FormOut(
        form_token=token,
        question=question,
        min_fill_seconds=get_settings().whistle_min_fill_seconds,
        regions=public.region_choices(session),
    )


async def photos_of(uploads: list[UploadFile] | None) -> list[public.Photo]:
    out = []
    for upload in uploads or []:
        if upload.filename or upload.size:
            out.append(public.Photo(upload.filename or "photo", await upload.read()))
    return out


@router.post("/public/whistle-reports", status_code=201, response_model=ReceiptOut)
async def submit(
    request: Request,
    session: DbSession,
    title: Annotated[str, Form()],
    form_token: Annotated[str, Form()],
    answer: Annotated[str, Form()] = "",
    description: Annotated[str | None, Form()] = None,
    region_code: Annotated[str | None, Form()] = None,
    lon: Annotated[float | None, Form()] = None,
    lat: Annotated[float | None, Form()] = None,
    address: Annotated[str | None, Form()] = None,
    enterprise_name: Annotated[str | None, Form()] = None,
    anonymous: Annotated[bool, Form()] = True,
    name: Annotated[str | None, Form()] = None,
    phone: Annotated[str | None, Form()] = None,
    website: Annotated[str | None, Form()] = None,
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> Any:
    """File a report without signing in (multipart form). The answer holds the receipt code,
    shown only this once."""
    sub = public.Submission(
        title=title,
        description=description,
        region_code=region_code,
        lon=lon,
        lat=lat,
        address=address,
        enterprise_name=enterprise_name,
        anonymous=anonymous,
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
        return throttled(exc)
    return ReceiptOut(
        receipt=crypto.pretty_receipt(receipt),
        state=report.state,
        state_label=STATE_LABELS[report.state],
        received_at=report.received_at,
    )


@router.get("/public/whistle-reports/{receipt}", response_model=PublicStatus)
def status(receipt: str, request: Request, session: DbSession) -> Any:
    """Progress of the report with this receipt: state and public notes only."""
    try:
        found = public.status(session, receipt, client_address(request))
    except antispam.RateLimited as exc:
        return throttled(exc)
    if found is None:
        # Returned, not raised, so the look-up still counts against the allowance.
        return JSONResponse(
            {
                "error": {
                    "code": "not_found",
                    "message": "回执码不存在 / no report has this receipt code",
                    "details": None,
                }
            },
            status_code=404,
        )
    return found


# --- handlers -----------------------------------------------------------------------------


@router.get("/whistle-reports")
def list_reports(
    session: DbSession,
    actor: CurrentActor,
    under: str | None = Query(None, description="区划编码 / region code"),
    state: Annotated[list[str] | None, Query()] = None,
    open: bool = False,
    q: str | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    path = under_path(session, under)
    filters = service.ReportFilter(state=state, under_path=path, q=q, open_only=open)
    page = service.list_reports(session, actor, filters, offset, limit)
    return {
        "items": views.outs(session, page.items),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


@router.get("/whistle-reports/{report_id}")
def get_report(report_id: int, session: DbSession, actor: CurrentActor) -> WhistleDetail:
    return views.detail(session, actor, service.get(session, actor, report_id))


@router.post("/whistle-reports/{report_id}/actions/{action}")
def act(
    report_id: int, action: str, body: ActionIn, session: DbSession, actor: CurrentActor
) -> WhistleDetail:
    """verify | accept (opens a hazard) | reject (reason required) | duplicate."""
    report = service.act(session, actor, report_id, action, body.model_dump(exclude_unset=True))
    return views.detail(session, actor, report)


@router.post("/whistle-reports/{report_id}/identity")
def read_identity(report_id: int, session: DbSession, actor: CurrentActor) -> IdentityOut:
    """The reporter's name and phone, for designated users only; every read is audited."""
    return IdentityOut(**service.read_identity(session, actor, report_id))


@router.post("/whistle-reports/{report_id}/reward", status_code=201)
def decide_reward(
    report_id: int, body: RewardIn, session: DbSession, actor: CurrentActor
) -> WhistleDetail:
    service.decide_reward(session, actor, report_id, body.amount_yuan, body.basis)
    return views.detail(session, actor, service.get(session, actor, report_id))


@router.post("/whistle-reports/{report_id}/payouts", status_code=201)
def record_payout(
    report_id: int, body: PayoutIn, session: DbSession, actor: CurrentActor
) -> WhistleDetail:
    service.record_payout(session, actor, report_id, body.model_dump(exclude_none=True))
    return views.detail(session, actor, service.get(session, actor, report_id))
