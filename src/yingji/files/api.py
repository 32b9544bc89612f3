"""Download an attachment the actor may see."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from yingji.api_deps import CurrentActor, DbSession
from yingji.files import service

router = APIRouter(tags=["attachments"])


@router.get("/attachments/{attachment_id}")
def download(attachment_id: int, session: DbSession, actor: CurrentActor) -> Response:
    attachment = service.get(session, actor, attachment_id)
    return Response(
        service.read(attachment),
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(attachment.filename)}",
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
        },
    )
