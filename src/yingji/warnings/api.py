"""HTTP API for warnings: create (JSON) or ingest CAP 1.2, list, detail, CAP export,
cancel; and the public ATOM feed with public CAP documents (no sign-in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, under_path
from yingji.db import utcnow
from yingji.errors import ValidationFailed
from yingji.warnings import cap_map, feed, service
from yingji.warnings.models import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    LEVEL_NAMES,
    STAGE_LABELS,
    STATUS_LABELS,
    EarlyWarning,
)
from yingji.warnings.schemas import WarningIn, WarningOut, WarningPage

router = APIRouter(tags=["warnings"])
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")
CAP_MEDIA = "application/cap+xml"


def outs(session: Session, warnings: Sequence[EarlyWarning]) -> list[WarningOut]:
    codes = service.region_codes(session, [w.id for w in warnings])
    now = utcnow()
    out = []
    for w in warnings:
        status = service.effective_status(w, now)
        out.append(
            WarningOut(
                id=w.id,
                code=w.code,
                category=w.category,
                category_label=CATEGORY_LABELS.get(w.category, w.category),
                level=w.level,
                level_name=LEVEL_NAMES[w.level],
                level_label=LEVEL_LABELS[w.level],
                stage=w.stage,
                stage_label=STAGE_LABELS.get(w.stage, w.stage),
                key_period=w.key_period,
                status=status,
                status_label=STATUS_LABELS[status],
                area_desc=w.area_desc,
                area=w.area,
                region_codes=codes[w.id],
                valid_from=w.valid_from,
                valid_until=w.valid_until,
                authority=w.authority,
                headline=w.headline,
                description=w.description,
                instruction=w.instruction,
                identifier=w.identifier,
                sender=w.sender,
                sent=w.sent,
                msg_type=w.msg_type,
                references=w.references or [],
                replaces_id=w.replaces_id,
                cancelled_at=w.cancelled_at,
                source=w.source,
                cap_url=f"/api/v1/warnings/{w.id}.cap",
            )
        )
    return out


@router.get("/warnings", response_model=WarningPage)
def list_warnings(
    session: DbSession,
    actor: CurrentActor,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    category: str | None = None,
    status: str | None = None,
    under: Annotated[str | None, Query(description="region code")] = None,
    active_now: bool = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> WarningPage:
    rows, total = service.list_warnings(
        session,
        actor,
        offset=offset,
        limit=limit,
        level=level,
        category=category,
        status=status,
        under_path=under_path(session, under),
        active_at=utcnow() if active_now else None,
    )
    return WarningPage(items=outs(session, rows), total=total)


@router.post("/warnings", status_code=201, response_model=WarningOut)
def create_warning(body: WarningIn, session: DbSession, actor: CurrentActor) -> WarningOut:
    warning = service.create(session, actor, body.model_dump())
    return outs(session, [warning])[0]


async def _cap_body(request: Request) -> bytes:
    """The CAP document: the raw body for XML content types, else the ``file`` upload."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in CAP_TYPES:
        return await request.body()
    if kind == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            return await upload.read()
    raise ValidationFailed(
        "请以 XML 正文或 file 上传提交 CAP 消息 / send CAP as an XML body or a 'file' upload",
        [{"field": "file", "reason": f"content type {kind or 'none'}"}],
    )


@router.post("/warnings/cap", status_code=201, response_model=WarningOut)
async def ingest_cap(request: Request, session: DbSession, actor: CurrentActor) -> WarningOut:
    warning = cap_map.ingest(session, actor, await _cap_body(request))
    return outs(session, [warning])[0]


@router.get("/warnings/{warning_id}.cap", response_class=Response)
def warning_cap(warning_id: int, session: DbSession, actor: CurrentActor) -> Response:
    warning = service.get(session, actor, warning_id)
    return Response(cap_map.cap_xml(session, warning), media_type=CAP_MEDIA)


@router.get("/warnings/{warning_id}", response_model=WarningOut)
def get_warning(warning_id: int, session: DbSession, actor: CurrentActor) -> WarningOut:
    return outs(session, [service.get(session, actor, warning_id)])[0]


@router.post("/warnings/{warning_id}/cancel", response_model=WarningOut)
def cancel_warning(warning_id: int, session: DbSession, actor: CurrentActor) -> WarningOut:
    return outs(session, [service.cancel(session, actor, warning_id)])[0]


# --- public -------------------------------------------------------------------------------


@router.get("/public/warnings.atom", response_class=Response)
def public_feed(request: Request, session: DbSession) -> Response:
    base = str(request.url_for("public_feed"))
    cap = str(request.url_for("public_cap", warning_id="0")).replace("/0.cap", "/{id}.cap")
    body = feed.atom(service.public_active(session), base, cap, dt.datetime.now(dt.UTC))
    return Response(body, media_type="application/atom+xml")


@router.get("/public/warnings/{warning_id}.cap", response_class=Response)
def public_cap(warning_id: int, session: DbSession) -> Response:
    warning = service.public_get(session, warning_id)
    return Response(cap_map.cap_xml(session, warning), media_type=CAP_MEDIA)
