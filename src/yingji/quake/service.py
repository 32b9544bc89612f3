"""Assessments as records: run, store with per-county impacts, list and read in scope.

A user sees an assessment when the epicentre or any county shaken to VI lies in their
region's subtree (national users see all): a county bureau sees the earthquakes that
touch its county, wherever they struck. Running one needs write rights and the same reach.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import shapely
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from yingji import reactions
from yingji.auth.scope import Actor
from yingji.config import get_settings
from yingji.errors import NotFound, PermissionDenied
from yingji.quake import assess as assessing
from yingji.quake import units
from yingji.quake.models import QuakeAssessment, QuakeImpact
from yingji.quake.source import Event
from yingji.regions.models import Region
from yingji.regions.paths import under

NOT_FOUND = "地震评估不存在 / assessment not found"


def pool() -> units.Units:
    """The county exposure units, cached in the configured cache directory."""
    return units.counties(get_settings().cache_dir)


COVERAGE = 0.9
"""Townships stand in for their county only when they hold this share of its people."""


def pool_for(session: Session, event: Event, model: str = "gb18306") -> units.Units:
    """The county units, with the townships imported for the counties the event can reach
    standing in for their county (when they cover it)."""
    base = pool()
    codes = assessing.reach_codes(event, base, model)
    county = aliased(Region)
    rows = session.execute(
        select(
            Region.code,
            Region.name,
            county.code,
            Region.population,
            Region.area_km2,
            Region.geometry,
        )
        .join(county, Region.parent_id == county.id)
        .where(
            county.code.in_(codes),
            Region.population > 0,
            Region.geometry.is_not(None),
            Region.area_km2 > 0,
        )
    ).all()
    people: dict[str, int] = {}
    for row in rows:
        people[row[2]] = people.get(row[2], 0) + int(row[3])
    index = {str(c): i for i, c in enumerate(base.codes)}
    covered = {c for c, n in people.items() if n >= COVERAGE * int(base.population[index[c]])}
    towns = [units.Township(*row) for row in rows if row[2] in covered]
    return units.with_townships(base, towns)


def visible(actor: Actor, stmt: Select[Any]) -> Select[Any]:
    if actor.region_path == "/":
        return stmt
    touches = exists(
        select(QuakeImpact.id).where(
            QuakeImpact.assessment_id == QuakeAssessment.id,
            under(QuakeImpact.region_path, actor.region_path),
        )
    )
    return stmt.where(or_(under(QuakeAssessment.region_path, actor.region_path), touches))


def _paths(session: Session, codes: list[str]) -> dict[str, str]:
    rows = session.execute(select(Region.code, Region.path).where(Region.code.in_(codes)))
    return {code: path for code, path in rows}


def run(
    session: Session,
    actor: Actor,
    event: Event,
    *,
    model: str = "gb18306",
    source: str = "manual",
    feed_key: str | None = None,
) -> tuple[QuakeAssessment, assessing.Assessment]:
    """Assess ``event`` and store the result (flushed, not committed)."""
    actor.require_write()
    if model not in assessing.attenuation.MODELS:
        raise assessing.invalid_model(model)
    result = assessing.assess(event, pool_for(session, event, model), model)
    epicentre = assessing.epicentre_code(event, pool())
    paths = _paths(session, [c.code for c in result.counties] + [epicentre])
    reach = [paths.get(epicentre)] + [paths.get(c.code) for c in result.counties]
    if actor.region_path != "/" and not any(p and actor.covers(p) for p in reach):
        raise PermissionDenied("该地震未影响您的辖区 / this earthquake does not touch your region")
    data = result.as_dict(geojson=True)
    record = QuakeAssessment(
        source=source,
        feed_key=feed_key,
        name=event.name,
        origin_time=_parse_time(event.origin_time),
        lat=event.lat,
        lon=event.lon,
        magnitude=event.magnitude,
        magnitude_type=event.magnitude_type,
        depth_km=event.depth_km,
        max_intensity=result.max_intensity,
        deaths_median=int(data["deaths"]["median"]),
        alert_level=result.alerts["overall"],
        response_level=result.response.level,
        region_path=paths.get(epicentre),
        result=data,
        created_by=actor.username,
        impacts=[
            QuakeImpact(
                region_code=c.code,
                region_path=paths.get(c.code),
                max_intensity=c.max_intensity,
                population=c.population,
                deaths=c.deaths,
            )
            for c in result.counties
        ],
    )
    session.add(record)
    session.flush()
    reactions.emit(session, "quake.assessed", assessment_id=record.id)
    return record, result


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def list_assessments(
    session: Session, actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[QuakeAssessment], int]:
    stmt = visible(actor, select(QuakeAssessment))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(QuakeAssessment.created_at.desc(), QuakeAssessment.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def get(session: Session, actor: Actor, assessment_id: int) -> QuakeAssessment:
    stmt = visible(actor, select(QuakeAssessment).where(QuakeAssessment.id == assessment_id))
    record = session.scalar(stmt)
    if record is None:
        raise NotFound(NOT_FOUND)
    return record


def document(record: QuakeAssessment) -> dict[str, Any]:
    """The stored result with the record's id, origin and time: what reports render."""
    return {
        **record.result,
        "id": record.id,
        "source": record.source,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
    }


def outputs(record: QuakeAssessment, kinds: tuple[str, ...]) -> dict[str, bytes]:
    """The map (``png``), the report (``pdf``, ``html``) of a stored assessment; the map is
    drawn once and shared by the reports."""
    from yingji.quake import mapping, report, report_pdf  # matplotlib, fpdf: when asked

    doc = document(record)
    png = mapping.render_png(doc, pool())
    place = mapping.epicentre_place(doc, pool())
    out: dict[str, bytes] = {"png": png}
    if "pdf" in kinds:
        out["pdf"] = report_pdf.render_pdf(doc, png, place)
    if "html" in kinds:
        out["html"] = report.render_html(doc, png, place).encode("utf-8")
    return {k: v for k, v in out.items() if k in kinds}


def counties_geojson(record: QuakeAssessment, tolerance_deg: float = 0.005) -> dict[str, Any]:
    """The counties shaken to VI and above as a FeatureCollection (simplified boundaries)
    with their maximum intensity, exposed population and expected deaths."""
    units_ = pool()
    index = {str(code): i for i, code in enumerate(units_.codes)}
    features = []
    for county in record.result["counties"]:
        i = index.get(county["adcode"])
        if i is None:
            continue
        shape = shapely.simplify(units_.geoms[i], tolerance_deg, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "properties": county,
                "geometry": shapely.geometry.mapping(shape),
            }
        )
    return {"type": "FeatureCollection", "features": features}
