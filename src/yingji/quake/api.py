"""HTTP API for earthquake assessments: run one, list, read, isoseismals, map and report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.errors import NotFound
from yingji.quake import reach, service
from yingji.quake.models import QuakeAssessment
from yingji.quake.source import Event

router = APIRouter(tags=["quake"])
MEDIA = {"png": "image/png", "pdf": "application/pdf", "html": "text/html; charset=utf-8"}


class EventIn(BaseModel):
    lat: float = Field(description="震中纬度 / epicentre latitude")
    lon: float = Field(description="震中经度 / epicentre longitude")
    magnitude: float
    magnitude_type: str = Field("M", description="M (CENC, = Ms) or Mw")
    depth_km: float = 10.0
    strike: float | None = Field(None, description="degrees clockwise from north")
    rupture_length_km: float | None = None
    fault_trace: list[tuple[float, float]] | None = Field(None, description="[[lon, lat], ...]")
    name: str | None = Field(None, max_length=200)
    origin_time: dt.datetime | None = None
    model: str = Field("gb18306", description="gb18306 or wang2000")

    def event(self) -> Event:
        return Event(
            lat=self.lat,
            lon=self.lon,
            magnitude=self.magnitude,
            magnitude_type=self.magnitude_type,
            depth_km=self.depth_km,
            strike=self.strike,
            rupture_length_km=self.rupture_length_km,
            fault_trace=tuple(self.fault_trace) if self.fault_trace else None,
            name=self.name,
            origin_time=self.origin_time.isoformat() if self.origin_time else None,
        )


class AssessmentSummary(BaseModel):
    id: int
    name: str | None
    source: str
    origin_time: dt.datetime | None
    lat: float
    lon: float
    magnitude: float
    magnitude_type: str
    depth_km: float
    max_intensity: int
    deaths_median: int
    alert_level: str
    response_level: int | None
    created_by: str
    created_at: dt.datetime


class AssessmentPage(BaseModel):
    items: list[AssessmentSummary]
    total: int


def _summary(record: QuakeAssessment) -> AssessmentSummary:
    return AssessmentSummary.model_validate(record, from_attributes=True)


@router.post("/quake/assessments", status_code=201)
def create(body: EventIn, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Assess an earthquake now and store the result; returns the whole result."""
    record, _ = service.run(session, actor, body.event(), model=body.model)
    return service.document(record)


@router.get("/quake/assessments", response_model=AssessmentPage)
def list_all(
    session: DbSession, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> AssessmentPage:
    rows, total = service.list_assessments(session, actor, limit=limit, offset=offset)
    return AssessmentPage(items=[_summary(r) for r in rows], total=total)


@router.get("/quake/assessments/{assessment_id}")
def read(assessment_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return service.document(service.get(session, actor, assessment_id))


@router.get("/quake/assessments/{assessment_id}/isoseismals.geojson")
def isoseismals(assessment_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    return service.get(session, actor, assessment_id).result["isoseismals_geojson"]


@router.get("/quake/assessments/{assessment_id}/counties.geojson")
def counties(assessment_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Boundaries of the counties at VI and above, with their figures, for the map."""
    return service.counties_geojson(service.get(session, actor, assessment_id))


class CallIn(BaseModel):
    channels: list[str] | None = Field(None, description="default sms, voice, inbox")
    deadline_minutes: int | None = Field(reach.DEFAULT_DEADLINE_MINUTES, ge=1, le=1440)


class CallOut(BaseModel):
    direct_id: int
    board_url: str
    places: int
    instructions: int


@router.post("/quake/assessments/{assessment_id}/call", response_model=CallOut)
def call(assessment_id: int, body: CallIn, session: DbSession, actor: CurrentActor) -> CallOut:
    """Instruct the responsible persons of the townships at VII and above (叫应)."""
    record = service.get(session, actor, assessment_id)
    message, places, written = reach.call(
        session, actor, record, channels=body.channels, deadline_minutes=body.deadline_minutes
    )
    return CallOut(
        direct_id=message.id,
        board_url=f"/direct/{message.id}",
        places=places,
        instructions=written,
    )


@router.get("/quake/assessments/{assessment_id}/{kind}", response_class=Response)
def rendered(assessment_id: int, kind: str, session: DbSession, actor: CurrentActor) -> Response:
    """``map.png``, ``report.pdf`` or ``report.html``."""
    names = {"map.png": "png", "report.pdf": "pdf", "report.html": "html"}
    if kind not in names:
        raise NotFound(f"无此输出 / no output {kind!r}; use {', '.join(names)}")
    record = service.get(session, actor, assessment_id)
    fmt = names[kind]
    content = service.outputs(record, (fmt,))[fmt]
    filename = f"quake-{record.id}-{kind}"
    disposition = "inline" if fmt != "pdf" else f'attachment; filename="{filename}"'
    return Response(content, media_type=MEDIA[fmt], headers={"Content-Disposition": disposition})
