"""The region table: one row per province, prefecture, county, township, village or grid."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from yingji.db import Base, UTCDateTime, path_type, utcnow


class RegionLevel(IntEnum):
    province = 1
    prefecture = 2
    county = 3
    township = 4
    village = 5
    grid = 6


LEVEL_LABELS = {
    "zh-CN": {1: "省", 2: "市", 3: "县", 4: "乡镇", 5: "村", 6: "网格"},
    "en": {1: "province", 2: "prefecture", 3: "county", 4: "township", 5: "village", 6: "grid"},
}


class Region(Base):
    """A region. ``path`` lists the codes from the root down to this region, ``/`` separated,
    so a subtree is one indexed prefix match; ``geometry`` is WKB in WGS 84."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(path_type(400))
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    centroid_lon: Mapped[float | None]
    centroid_lat: Mapped[float | None]
    area_km2: Mapped[float | None]
    population: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_region_path", "path"),
        Index("ix_region_level", "level"),
    )

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name} L{self.level}>"
