"""HTTP API for quick reports (灾情速报): send (JSON, or a multipart form with photos),
list, verify or send back, totals by region and conflicting figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset, under_path
from yingji.errors import invalid
from yingji.incidents import quick

router = APIRouter(tags=["incidents"])

_FIELDS: dict[str, Any] = {
    "region_code": {"type": "string", "description": "地点区划编码 / the place's region code"},
    "region_id": {"type": "integer"},
    "incident_id": {"type": "integer"},
    "lon": {"type": "number"},
    "lat": {"type": "number"},
    "at": {"type": "string", "format": "date-time"},
    "text": {"type": "string", "maxLength": quick.MAX_TEXT},
    **{f: {"type": "integer", "minimum": 0} for f in quick.FIGURES},
}
_SUBMIT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "properties": _FIELDS}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **_FIELDS,
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


class NoteIn(BaseModel):
    note: str | None = Field(None, max_length=quick.MAX_NOTE)


async def _body(request: Request) -> tuple[dict[str, Any], list[quick.Photo]]:
    """The fields and photos of a multipart (or urlencoded) form, or the JSON object."""
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form(max_files=quick.MAX_PHOTOS + 1)
        data: dict[str, Any] = {}
        photos = []
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key == "photos" and (value.filename or value.size):
                    photos.append(quick.Photo(value.filename or "photo", await value.read()))
            else:
                data[key] = value
        return data, photos
    try:
        data = json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise invalid("body", "请求体不是有效的 JSON / the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise invalid("body", "请求体须为 JSON 对象 / the body must be a JSON object")
    return data, []


@router.post("/quick-reports", status_code=201, openapi_extra=_SUBMIT_DOC)
async def submit(request: Request, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Send a quick report. The place is ``region_code`` (or ``region_id``), or derived
    from ``lon``/``lat``; photos come as the multipart field ``photos`` (repeatable)."""
    data, photos = await _body(request)
    report = quick.submit(session, actor, data, photos)
    return quick.as_dicts(session, actor, [report])[0]


@router.get("/quick-reports")
def list_reports(
    session: DbSession,
    actor: CurrentActor,
    incident_id: int | None = None,
    status: str | None = None,
    under: str | None = Query(None, description="区划编码 / region code"),
    reporter: str | None = None,
    since: dt.datetime | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """A page of the reports in scope, newest first."""
    page = quick.listing(
        session,
        actor,
        incident_id=incident_id,
        status=status,
        region_path=under_path(session, under),
        reporter=reporter,
        since=since,
        offset=offset,
        limit=limit,
    )
    return {
        "items": quick.as_dicts(session, actor, page.items),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


@router.get("/quick-reports/totals")
def totals(
    session: DbSession,
    actor: CurrentActor,
    incident_id: int | None = None,
    under: str | None = Query(None, description="区划编码 / region code"),
    since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Figures of the region (yours by default) and of each region below it, counting each
    place's latest verified report once; newer unverified figures apart."""
    return quick.totals(
        session,
        actor,
        incident_id=incident_id,
        region_path=under_path(session, under),
        since=since,
    )


@router.get("/quick-reports/conflicts")
def conflicts(
    session: DbSession,
    actor: CurrentActor,
    incident_id: int | None = None,
    under: str | None = Query(None, description="区划编码 / region code"),
    since: dt.datetime | None = None,
    open_only: bool = False,
) -> dict[str, Any]:
    """Reports of one place within the conflict window whose figures differ."""
    found = quick.conflicts(
        session,
        actor,
        incident_id=incident_id,
        region_path=under_path(session, under),
        since=since,
        open_only=open_only,
    )
    return {"items": found, "window_hours": quick.CONFLICT_WINDOW.total_seconds() / 3600}


@router.get("/quick-reports/{report_id}")
def get_report(report_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return quick.as_dicts(session, actor, [quick.get(session, actor, report_id)])[0]


@router.post("/quick-reports/{report_id}/verify")
def verify(
    report_id: int, session: DbSession, actor: CurrentActor, body: NoteIn | None = None
) -> dict[str, Any]:
    """Accept the report's figures (township level or higher; not your own report)."""
    report = quick.verify(session, actor, report_id, note=body.note if body else None)
    return quick.as_dicts(session, actor, [report])[0]


@router.post("/quick-reports/{report_id}/reject")
def reject(
    report_id: int, session: DbSession, actor: CurrentActor, body: NoteIn | None = None
) -> dict[str, Any]:
    """Send the report back; ``note`` (why) is required."""
    report = quick.reject(session, actor, report_id, body.note if body else None)
    return quick.as_dicts(session, actor, [report])[0]
