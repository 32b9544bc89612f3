"""HTTP API of direct reach (一键直达): send a message to the responsible persons of
chosen regions and roles, list and read messages, and each message's live board."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.warnings import board, direct
from yingji.warnings.direct_models import DirectMessage
from yingji.warnings.instruction_models import Instruction

router = APIRouter(tags=["direct reach"])
GEOJSON = "application/geo+json"
Level = Annotated[int | None, Query(ge=1, le=6)]


class DirectIn(BaseModel):
    text: str = Field(description="消息内容 / message text", max_length=direct.MAX_TEXT)
    region_codes: list[str] = Field(description="区划编码 / region codes")
    roles: list[str] = Field(default_factory=lambda: list(direct.DEFAULT_ROLES))
    layers: list[int] = Field(
        default_factory=lambda: list(direct.LAYERS),
        description="层级 3 县 4 乡镇 5 村 6 网格 / region levels reached",
    )
    channels: list[str] = Field(default_factory=lambda: list(direct.DEFAULT_CHANNELS))
    deadline_minutes: int | None = Field(
        30, description="确认时限（分钟）；空为无需确认 / minutes to confirm; null: none"
    )
    incident_id: int | None = Field(None, description="the incident the message is sent for")


class DirectOut(BaseModel):
    id: int
    code: str
    text: str
    region_codes: list[str]
    roles: list[str]
    layers: list[int]
    policy: dict[str, Any]
    region_path: str
    created_by: str
    created_at: dt.datetime
    instructions: int
    board_url: str


class DirectPage(BaseModel):
    items: list[DirectOut]
    total: int


def outs(session: Session, rows: list[DirectMessage]) -> list[DirectOut]:
    ids = [m.id for m in rows]
    counts = (
        dict(
            session.execute(
                select(Instruction.direct_id, func.count())
                .where(Instruction.direct_id.in_(ids), Instruction.round == 0)
                .group_by(Instruction.direct_id)
            ).all()
        )
        if ids
        else {}
    )
    return [
        DirectOut(
            id=m.id,
            code=m.code,
            text=m.text,
            region_codes=m.region_codes,
            roles=m.roles,
            layers=m.layers,
            policy=m.policy,
            region_path=m.region_path,
            created_by=m.created_by,
            created_at=m.created_at,
            instructions=int(counts.get(m.id, 0)),
            board_url=f"/direct/{m.id}",
        )
        for m in rows
    ]


@router.post("/direct", status_code=201, response_model=DirectOut)
def send_direct(body: DirectIn, session: DbSession, actor: CurrentActor) -> DirectOut:
    """Send the message now to every person holding one of ``roles`` on a region at
    ``layers`` inside the chosen regions; each gets an instruction tracked like a
    warning's call (delivery, confirmation, redials, escalation)."""
    message, _count = direct.send(session, actor, body.model_dump())
    session.flush()
    return outs(session, [message])[0]


@router.get("/direct", response_model=DirectPage)
def list_direct(
    session: DbSession, actor: CurrentActor, offset: Offset = 0, limit: Limit = 50
) -> DirectPage:
    rows, total = direct.list_messages(session, actor, offset=offset, limit=limit)
    return DirectPage(items=outs(session, rows), total=total)


@router.get("/direct/{direct_id}", response_model=DirectOut)
def get_direct(direct_id: int, session: DbSession, actor: CurrentActor) -> DirectOut:
    return outs(session, [direct.get(session, actor, direct_id)])[0]


@router.get("/direct/{direct_id}/board")
def direct_board(
    direct_id: int, session: DbSession, actor: CurrentActor, level: Level = None
) -> dict[str, Any]:
    """The live board of the message (same figures as a warning's board)."""
    return board.board(session, actor, direct.subject(session, actor, direct_id), level=level)


@router.get(
    "/direct/{direct_id}/board.geojson",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}}},
)
def direct_board_regions(
    direct_id: int, session: DbSession, actor: CurrentActor, level: Level = None
) -> Response:
    subject = direct.subject(session, actor, direct_id)
    return Response(board.boundaries(session, actor, subject, level=level), media_type=GEOJSON)
