"""An attachment: the file's facts in the database, its bytes under ``storage_root``."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    """A file belonging to one record, named by ``(owner_kind, owner_id)``.

    Bytes are stored content-addressed (``ab/cdef...`` by SHA-256), so the same photo sent
    twice takes disk space once and a stored file can be checked against its hash.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(32))
    owner_id: Mapped[int]
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_attachment_owner", "owner_kind", "owner_id"),)
