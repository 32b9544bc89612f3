"""Stored assessments: the event, the headline figures, the whole result, and one impact
row per affected county so region scoping is an indexed subtree match."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yingji.db import Base, JSONType, UTCDateTime, path_type, utcnow


class QuakeAssessment(Base):
    __tablename__ = "quake_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    """``manual`` (form, API, CLI) or ``feed``."""
    feed_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    """Feed URL and event id, so an event polled twice is assessed once."""
    name: Mapped[str | None] = mapped_column(String(200))
    origin_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    magnitude: Mapped[float] = mapped_column(Float)
    magnitude_type: Mapped[str] = mapped_column(String(4))
    depth_km: Mapped[float] = mapped_column(Float)
    max_intensity: Mapped[int] = mapped_column(Integer)
    deaths_median: Mapped[int] = mapped_column(Integer)
    alert_level: Mapped[str] = mapped_column(String(8))
    response_level: Mapped[int | None] = mapped_column(Integer)
    region_path: Mapped[str | None] = mapped_column(path_type(400), index=True)
    """Path of the county holding the epicentre, when regions are loaded."""
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)
    """``Assessment.as_dict(geojson=True)``: everything the pages and reports show."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    impacts: Mapped[list[QuakeImpact]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )


class QuakeImpact(Base):
    """One county reaching intensity VI in one assessment."""

    __tablename__ = "quake_impact"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("quake_assessment.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(12))
    region_path: Mapped[str | None] = mapped_column(path_type(400), index=True)
    max_intensity: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    deaths: Mapped[int] = mapped_column(Integer)

    assessment: Mapped[QuakeAssessment] = relationship(back_populates="impacts")
