"""HTTP endpoints for spreadsheet import, export and templates."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response

from yingji.api_deps import CurrentActor, DbSession, under_region_id
from yingji.errors import ValidationFailed
from yingji.io import service

router = APIRouter(prefix="/io", tags=["import-export"])
MAX_UPLOAD = 200 * 1024 * 1024
"""Bytes; about two million person rows as CSV."""


def _download(content: bytes, fmt: str, names: tuple[str, str]) -> Response:
    ascii_name, zh_name = names
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(zh_name)}"
    return Response(
        content,
        media_type=service.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": disposition},
    )


@router.post("/import/{kind}")
def import_upload(
    kind: str,
    session: DbSession,
    actor: CurrentActor,
    file: UploadFile = File(..., description="CSV、XLSX 或 GeoJSON / a CSV, XLSX or GeoJSON file"),
    dry_run: bool = Query(False, description="只校验不写入 / validate only"),
) -> dict[str, Any]:
    """Import a file of ``kind``; with ``dry_run`` only report what would change."""
    service.get_kind(kind)
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed(
            f"文件超过 {MAX_UPLOAD // 1024 // 1024} MB / file larger than "
            f"{MAX_UPLOAD // 1024 // 1024} MB",
            [{"row": None, "field": "file", "reason": "too large"}],
        )
    report = service.import_file(
        session, actor, kind, data, file.filename or "upload.csv", dry_run=dry_run
    )
    return report.as_dict()


@router.get("/export/{kind}")
def export_download(
    kind: str,
    session: DbSession,
    actor: CurrentActor,
    format: Literal["xlsx", "csv"] = Query("xlsx"),
    under: str | None = Query(None, description="区划编码 / region code"),
) -> Response:
    """Everything of ``kind`` the user may see, optionally below the region ``under``."""
    service.get_kind(kind)
    under_id = under_region_id(session, under or None)
    content = service.export(session, actor, kind, format, under_region_id=under_id)
    return _download(content, format, service.filename_for(kind, format, "export"))


@router.get("/template/{kind}")
def template_download(
    kind: str,
    actor: CurrentActor,
    format: Literal["xlsx", "csv"] = Query("xlsx"),
) -> Response:
    """An empty sheet with Chinese headers, one example row and (XLSX) column notes."""
    content = service.template(kind, format)
    return _download(content, format, service.filename_for(kind, format, "template"))
