"""Direct-reach messages (一键直达): free text to the responsible persons of chosen regions
and roles, tracked like a warning's calls (its instructions have ``direct_id``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class DirectMessage(Base):
    __tablename__ = "direct_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    text: Mapped[str] = mapped_column(Text)
    region_codes: Mapped[list[str]] = mapped_column(JSONType)
    roles: Mapped[list[str]] = mapped_column(JSONType)
    layers: Mapped[list[int]] = mapped_column(JSONType)
    """Region levels reached (3 county … 6 grid)."""
    policy: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    """The sender's region (scope): the lowest region containing every chosen one."""
    region_path: Mapped[str] = mapped_column(path_type(400), index=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident.id", ondelete="SET NULL"), index=True
    )
    """The incident the message was sent for: its timeline and review count the calls."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
