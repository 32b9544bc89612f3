"""HTTP API of call-response: my instructions, confirming one (the person in the inbox, or
a duty officer on their behalf), and reporting back what was done."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from yingji.api_deps import CurrentActor, DbSession, Limit, Offset
from yingji.auth.scope import Actor
from yingji.errors import PermissionDenied
from yingji.warnings.callresponse import service, views
from yingji.warnings.callresponse.views import Access, InstructionOut, InstructionPage

router = APIRouter(tags=["call-response"])


class ConfirmOut(BaseModel):
    changed: bool
    """False when it had already been answered (the first answer stands)."""
    instruction: InstructionOut


class ReportIn(BaseModel):
    measures_taken: str = Field(max_length=2000, description="措施落实情况 / measures taken")
    people_moved: int = Field(0, ge=0, description="转移人数 / people moved")
    note: str | None = Field(None, max_length=2000)


def _via(access: Access, actor: Actor) -> str:
    """The person answers in the inbox; anyone else records it on their behalf, which
    needs write rights (and is audited with their name)."""
    if access.own:
        return "inbox"
    if not actor.can_write:
        raise PermissionDenied(
            "只有本人或有权限的值班人员可代为确认 / only the person or a duty officer may answer"
        )
    return "manual"


@router.get("/instructions/mine", response_model=InstructionPage)
def my_instructions(
    session: DbSession,
    actor: CurrentActor,
    open_only: bool = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """指令：发给我的 / instructions addressed to me, newest first."""
    page = views.mine(session, actor, open_only=open_only, offset=offset, limit=limit)
    return {
        "items": views.outs(session, page.items),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


@router.get("/instructions/{instruction_id}", response_model=InstructionOut)
def get_instruction(session: DbSession, actor: CurrentActor, instruction_id: int) -> InstructionOut:
    access = views.open_for(session, actor, instruction_id)
    return views.outs(session, [access.instruction])[0]


@router.post("/instructions/{instruction_id}/confirm", response_model=ConfirmOut)
def confirm_instruction(
    session: DbSession, actor: CurrentActor, instruction_id: int
) -> dict[str, Any]:
    """确认收到（叫应）/ confirm: the person's own answer (inbox), or recorded by a duty
    officer with scope (manual). A second confirmation changes nothing."""
    access = views.open_for(session, actor, instruction_id)
    changed = service.confirm(session, instruction_id, _via(access, actor))
    return {"changed": changed, "instruction": _fresh(session, instruction_id)}


@router.post("/instructions/{instruction_id}/report", response_model=InstructionOut)
def report_instruction(
    session: DbSession, actor: CurrentActor, instruction_id: int, body: ReportIn
) -> InstructionOut:
    """反馈落实情况 / report back what was done (measures taken, people moved)."""
    access = views.open_for(session, actor, instruction_id)
    service.report(
        session,
        instruction_id,
        measures_taken=body.measures_taken,
        people_moved=body.people_moved,
        note=body.note,
        via=_via(access, actor),
    )
    return _fresh(session, instruction_id)


def _fresh(session: DbSession, instruction_id: int) -> InstructionOut:
    row = views.one(session, instruction_id)
    assert row is not None
    return row
