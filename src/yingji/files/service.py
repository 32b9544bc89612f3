"""Store, list and read attachments.

The type is judged from the bytes, not from the name or the browser's header: a photo must
open as a JPEG, PNG or WebP image, a document must start like a PDF. Files are written to
``storage_root`` before the row is flushed; if the transaction then rolls back the file is
left behind unreferenced, which is harmless because storage is content-addressed.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.errors import NotFound, invalid
from yingji.files.models import Attachment

ScopeCheck = Callable[[Session, Actor, int], None]
"""Raises NotFound unless the actor may see the owning record with this id."""
_OWNERS: dict[str, ScopeCheck] = {}

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"


def sniff(data: bytes, *, images_only: bool = False) -> str:
    """The content type the bytes really are, or a clear refusal."""
    if not images_only and data.startswith(b"%PDF-"):
        return PDF_TYPE
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        allowed = "JPEG/PNG/WebP" if images_only else "JPEG/PNG/WebP/PDF"
        raise invalid("file", f"文件类型不支持，仅限 {allowed} / unsupported file type") from exc
    if kind not in IMAGE_TYPES:
        raise invalid("file", f"图片格式 {kind} 不支持 / image format {kind} not accepted")
    return IMAGE_TYPES[kind]


def _path(sha256: str) -> Path:
    return get_settings().storage_root / sha256[:2] / sha256


def _write(data: bytes, sha256: str) -> None:
    target = _path(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, target)


def store(
    session: Session,
    actor: Actor,
    owner_kind: str,
    owner_id: int,
    filename: str,
    data: bytes,
    *,
    images_only: bool = False,
    lon: float | None = None,
    lat: float | None = None,
) -> Attachment:
    """Check and keep one file for a record the caller has already checked the actor may change."""
    limit = get_settings().max_upload_mb * 1024 * 1024
    if not data:
        raise invalid("file", f"文件 {filename} 为空 / file {filename} is empty")
    if len(data) > limit:
        raise invalid(
            "file",
            f"文件 {filename} 为 {len(data) / 1048576:.1f} MB，超过上限 "
            f"{get_settings().max_upload_mb} MB / file is larger than the limit",
        )
    content_type = sniff(data, images_only=images_only)
    sha256 = hashlib.sha256(data).hexdigest()
    _write(data, sha256)
    attachment = Attachment(
        owner_kind=owner_kind,
        owner_id=owner_id,
        filename=(Path(filename).name or "file")[:200],
        content_type=content_type,
        size=len(data),
        sha256=sha256,
        lon=lon,
        lat=lat,
        uploaded_by_id=actor.user_id,
    )
    session.add(attachment)
    session.flush()
    return attachment


def list_for(session: Session, owner_kind: str, owner_ids: list[int]) -> list[Attachment]:
    stmt = (
        select(Attachment)
        .where(Attachment.owner_kind == owner_kind, Attachment.owner_id.in_(owner_ids))
        .order_by(Attachment.id)
    )
    return list(session.scalars(stmt))


def register_owner(kind: str, check: ScopeCheck) -> None:
    """Each domain that owns attachments says how to tell whether an actor may see them."""
    _OWNERS[kind] = check


def get(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """The row, if the actor may see the record that owns it."""
    import yingji.models  # noqa: F401  (every domain registers its owner kinds on import)

    attachment = session.get(Attachment, attachment_id)
    check = _OWNERS.get(attachment.owner_kind) if attachment else None
    if attachment is None or check is None:
        raise NotFound(f"附件不存在 / attachment {attachment_id} not found")
    check(session, actor, attachment.owner_id)
    return attachment


def read(attachment: Attachment) -> bytes:
    path = _path(attachment.sha256)
    if not path.exists():
        raise NotFound(f"附件文件丢失 / file of attachment {attachment.id} is missing")
    return path.read_bytes()


def as_dict(attachment: Attachment) -> dict[str, object]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "lon": attachment.lon,
        "lat": attachment.lat,
        "created_at": attachment.created_at.isoformat(),
        "url": f"/api/v1/attachments/{attachment.id}",
    }
