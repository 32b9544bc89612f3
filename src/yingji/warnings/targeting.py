"""Who a warning calls (靶向): persons by role on every region of the area, the persons of
risk points inside it, and the heads of enterprises of named sectors.

Set-based throughout, because a red warning over several counties reaches 100,000 persons:
the area's regions are one prefix query per covered region, the covered share is computed
for all of them at once with vectorised shapely, and assignments are read in chunks of
ids straight from the connection. Reasons are merged per person, so each person is called
once per warning with every reason listed.

The area is computed once (:func:`area_of` for a stored warning, :func:`draft_area` for a
dry run of an unsaved one) and the ``*_hits`` readers then answer any number of questions
about it (which roles at which layer, inside which township), which is how a response plan's
rules are applied without re-reading the geometry per rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from yingji.auth.scope import system_actor
from yingji.enterprises import industries
from yingji.enterprises.models import Enterprise
from yingji.people.models import Assignment, Organisation, Role, TargetKind
from yingji.people.service import active_on
from yingji.regions import geo
from yingji.regions.models import Region, RegionLevel
from yingji.regions.service import regions_covering
from yingji.risk.models import TARGET_KIND as RISK_POINT
from yingji.risk.models import RiskPoint, RiskStatus
from yingji.warnings.instruction_models import ReasonKind
from yingji.warnings.models import EarlyWarning, WarningRegion

CHUNK = 5000
"""Ids per IN list: far below SQLite's bound-parameter limit."""
DEFAULT_ROLES: tuple[str, ...] = (Role.admin, Role.baobao, Role.grid_member, Role.duty_leader)
"""Roles called on every region of the area when no plan says otherwise: the 行政责任人 and
包保责任人 of each layer, the 带班领导 of the bodies there and the grid members (网格员).
Technical and monitoring persons of a region are left to plans, since they answer for
specific hazards rather than for the place."""
RISK_POINT_ROLES: tuple[str, ...] = (Role.monitoring, Role.admin)
"""Roles called for a risk point inside the area (监测责任人 and 行政责任人)."""


@dataclass
class Target:
    """A person to call, the region level of their highest layer and that region (where an
    unanswered call escalates from), and every reason."""

    person_id: int
    layer: int
    reasons: list[dict[str, Any]] = field(default_factory=list)
    region_id: int | None = None


@dataclass(frozen=True)
class Place:
    """A region the warning reaches, as reasons and layers name it."""

    code: str
    level: int
    path: str = ""


@dataclass
class Area:
    """What a warning reaches: regions named whole (``whole`` paths), regions a shape
    overlaps (``shaped`` paths, with ``shape``), and every region reached at any layer."""

    whole: list[str]
    shaped: list[str]
    shape: Any
    places: dict[int, Place]
    _points: list[Any] | None = None

    def within(self, path: str | None) -> dict[int, Place]:
        """The places inside the subtree at ``path`` (all of them for None)."""
        if not path:
            return self.places
        return {rid: p for rid, p in self.places.items() if p.path.startswith(path)}


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _rows(session: Session, stmt: Select[Any]) -> list[Any]:
    """Plain tuples from the connection: no ORM row processing on bulk reads."""
    return session.connection().execute(stmt).all()


def _under(paths: Iterable[str]) -> Any:
    """WHERE clause: regions in the subtree of any of ``paths`` (themselves included)."""
    return or_(*(Region.path.startswith(p, autoescape=True) for p in sorted(set(paths))))


def _split(
    covered: Sequence[tuple[str, str]], named: set[str], shape: Any
) -> tuple[list[str], list[str]]:
    """(paths reached whole, paths reached where the shape overlaps): regions named by code
    count whole; with no shape, every covered region does."""
    whole = [path for code, path in covered if code in named or shape is None]
    shaped = [path for code, path in covered if code not in named and shape is not None]
    return whole, shaped


def _build(
    session: Session, whole: list[str], shaped: list[str], shape: Any, min_share: float
) -> Area:
    """Regions named by code reach their whole subtree. Regions a shape overlaps reach the
    regions of their subtree whose covered share exceeds ``min_share`` (any overlap at 0)."""
    places: dict[int, Place] = {}
    if whole:
        stmt = select(Region.id, Region.code, Region.level, Region.path).where(_under(whole))
        places.update(
            (rid, Place(code, lvl, path)) for rid, code, lvl, path in _rows(session, stmt)
        )
    if shaped and shape is not None:
        stmt = select(Region.id, Region.code, Region.level, Region.path, Region.geometry).where(
            _under(shaped), Region.geometry.is_not(None)
        )
        rows = [r for r in _rows(session, stmt) if r[0] not in places]
        if rows:
            keep = _shares_above(shape, [bytes(r[4]) for r in rows], min_share)
            places.update(
                (rid, Place(code, lvl, path))
                for (rid, code, lvl, path, _g), ok in zip(rows, keep, strict=True)
                if ok
            )
    return Area(whole, shaped, shape, places)


def area_of(session: Session, warning: EarlyWarning, min_share: float = 0.0) -> Area:
    """The area of a stored warning, from its covered regions and shape."""
    covered = _rows(
        session,
        select(Region.code, Region.path)
        .join(WarningRegion, WarningRegion.region_id == Region.id)
        .where(WarningRegion.warning_id == warning.id),
    )
    named = set((warning.area or {}).get("region_codes") or [])
    shape = geo.from_wkb(warning.geometry) if warning.geometry else None
    whole, shaped = _split([tuple(r) for r in covered], named, shape)
    return _build(session, whole, shaped, shape, min_share)


def draft_area(
    session: Session, region_codes: Sequence[str], shape: Any, min_share: float = 0.0
) -> Area:
    """The area an unsaved warning would have (a dry run): regions named by code, plus the
    counties ``shape`` overlaps, as the warning service would record them."""
    named = set(region_codes)
    covered = [
        (code, path)
        for code, path in _rows(
            session, select(Region.code, Region.path).where(Region.code.in_(sorted(named)))
        )
    ]
    if shape is not None:
        have = {c for c, _p in covered}
        ids = [
            c.region_id
            for c in regions_covering(session, system_actor(), shape, RegionLevel.county)
            if c.code not in have
        ]
        if ids:
            covered += [
                tuple(r)
                for r in _rows(session, select(Region.code, Region.path).where(Region.id.in_(ids)))
            ]
    whole, shaped = _split(covered, named, shape)
    return _build(session, whole, shaped, shape, min_share)


def area_regions(
    session: Session, warning: EarlyWarning, min_share: float = 0.0
) -> dict[int, Place]:
    """{region id: place} for every region the warning reaches, down to grids."""
    return area_of(session, warning, min_share).places


def _shares_above(shape: Any, blobs: list[bytes], min_share: float) -> np.ndarray:
    """Which regions ``shape`` overlaps by more than ``min_share`` of their area, at once."""
    geoms = geo.many_from_wkb(blobs)
    hit = shapely.intersects(geoms, shape)
    if min_share <= 0 or not hit.any():
        return hit
    idx = np.flatnonzero(hit)
    projected = geo.to_equal_area(geoms[idx])
    inside = shapely.area(shapely.intersection(projected, geo.to_equal_area(shape)))
    share = inside / np.maximum(shapely.area(projected), 1e-12)
    out = np.zeros(len(geoms), dtype=bool)
    out[idx] = share > min_share
    return out


# --- hits: (person, role, target code, region id, place) ------------------------------------

Hit = tuple[int, str, str, int, Place]


def region_hits(
    session: Session, places: dict[int, Place], roles: Sequence[str], day: dt.date
) -> Iterator[Hit]:
    """Persons holding one of ``roles`` on one of ``places`` (a region assignment)."""
    if not roles or not places:
        return
    for chunk in _chunks(sorted(places)):
        stmt = select(Assignment.person_id, Assignment.role, Assignment.target_id).where(
            Assignment.target_kind == TargetKind.region,
            Assignment.target_id.in_(chunk),
            Assignment.role.in_(sorted(set(roles))),
            active_on(day),
        )
        for pid, role, rid in _rows(session, stmt):
            place = places[rid]
            yield pid, role, place.code, rid, place


def _area_points(session: Session, area: Area) -> list[Any]:
    """Risk points in the area (id, code, region id, region code, level, path), read once:
    every point under a region reached whole, and under the other covered regions the
    points inside the shape (vectorised point-in-polygon, whatever the covered share)."""
    if area._points is not None:
        return area._points
    if not area.whole and not area.shaped:
        area._points = []
        return area._points
    points = _rows(
        session,
        select(
            RiskPoint.id,
            RiskPoint.code,
            RiskPoint.lon,
            RiskPoint.lat,
            Region.id,
            Region.code,
            Region.level,
            Region.path,
        )
        .join(Region, Region.id == RiskPoint.region_id)
        .where(_under(area.whole + area.shaped), RiskPoint.status != RiskStatus.removed)
        .order_by(RiskPoint.id),
    )
    if area.shape is not None and points:
        lons = np.array([p[2] for p in points], dtype=np.float64)
        lats = np.array([p[3] for p in points], dtype=np.float64)
        inside = shapely.contains_xy(area.shape, lons, lats)
        prefixes = tuple(area.whole)
        points = [
            p
            for p, ok in zip(points, inside, strict=True)
            if ok or (prefixes and p[7].startswith(prefixes))
        ]
    area._points = [(p[0], p[1], p[4], Place(p[5], p[6], p[7])) for p in points]
    return area._points


def risk_point_hits(
    session: Session, area: Area, roles: Sequence[str], day: dt.date, within: str | None = None
) -> Iterator[Hit]:
    """Persons holding one of ``roles`` on a risk point in the area (inside ``within``)."""
    if not roles:
        return
    info = {
        pid: (code, rid, place)
        for pid, code, rid, place in _area_points(session, area)
        if not within or place.path.startswith(within)
    }
    for chunk in _chunks(sorted(info)):
        stmt = select(Assignment.person_id, Assignment.role, Assignment.target_id).where(
            Assignment.target_kind == RISK_POINT,
            Assignment.target_id.in_(chunk),
            Assignment.role.in_(sorted(set(roles))),
            active_on(day),
        )
        for pid, role, point_id in _rows(session, stmt):
            code, rid, place = info[point_id]
            yield pid, role, code, rid, place


def _sector_prefixes(sectors: Sequence[str]) -> list[str]:
    """Industry-code prefixes: a section letter (``B``) stands for each of its divisions."""
    out: list[str] = []
    for s in sectors:
        if s.isalpha():
            out += [d.code for d in industries.divisions().values() if d.section == s]
        else:
            out.append(s)
    return sorted(set(out))


def enterprise_hits(
    session: Session, places: dict[int, Place], sectors: Sequence[str]
) -> Iterator[Hit]:
    """Principal and safety manager of enterprises whose industry code starts with one of
    ``sectors`` (GB/T 4754 prefixes) and whose organisation lies in one of ``places``."""
    prefixes = _sector_prefixes(sectors)
    if not prefixes or not places:
        return
    match = or_(*(Enterprise.industry_code.startswith(s, autoescape=True) for s in prefixes))
    for chunk in _chunks(sorted(places)):
        stmt = (
            select(
                Enterprise.credit_code,
                Organisation.region_id,
                Enterprise.principal_id,
                Enterprise.safety_manager_id,
            )
            .join(Organisation, Organisation.id == Enterprise.organisation_id)
            .where(Organisation.region_id.in_(chunk), match)
            .order_by(Enterprise.id)
        )
        for credit_code, rid, principal, safety in _rows(session, stmt):
            for pid, role in ((principal, "principal"), (safety, "safety_manager")):
                if pid is not None:
                    yield pid, role, credit_code, rid, places[rid]


# --- merging --------------------------------------------------------------------------------


class Merge:
    """Reasons collected per person; the layer is the smallest (highest) region level and
    ``region_id`` the region at that layer (the first one met, for equal levels)."""

    def __init__(self) -> None:
        self.targets: dict[int, Target] = {}

    def add(self, kind: str, hit: Hit, **extra: Any) -> None:
        pid, role, target_code, rid, place = hit
        reason = {"kind": kind, "role": role, "target": target_code, "region": place.code}
        reason.update(extra)
        target = self.targets.get(pid)
        if target is None:
            self.targets[pid] = Target(pid, place.level, [reason], rid)
            return
        target.reasons.append(reason)
        if place.level < target.layer:
            target.layer = place.level
            target.region_id = rid

    def result(self) -> list[Target]:
        """Targets by person id, each with its reasons in a stable order."""
        out = sorted(self.targets.values(), key=lambda t: t.person_id)
        for t in out:
            t.reasons.sort(
                key=lambda r: (r["kind"], r["region"], r["role"], r["target"], r.get("rule", -1))
            )
        return out


def target(
    session: Session,
    warning: EarlyWarning,
    roles_by_level: dict[int, list[str]] | None = None,
    min_share: float = 0.0,
    sectors: list[str] | None = None,
    *,
    risk_point_roles: Sequence[str] = RISK_POINT_ROLES,
    on: dt.date | None = None,
) -> list[Target]:
    """Everyone ``warning`` calls, one :class:`Target` per person, by person id.

    ``roles_by_level`` maps a region level (3 county … 6 grid) to the roles called there;
    a level it leaves out calls nobody by role. ``None`` calls :data:`DEFAULT_ROLES` at
    every level. ``sectors`` are industry-code prefixes whose enterprises' principal and
    safety manager are called; none by default. Scope is the warning's: the caller has
    already checked the actor may act on it. (Response plans go through
    :mod:`yingji.warnings.respond`, which asks the same area several questions.)
    """
    day = on or dt.date.today()
    area = area_of(session, warning, min_share)
    merge = Merge()
    by_roles: dict[tuple[str, ...], dict[int, Place]] = {}
    for rid, place in area.places.items():
        roles = (
            tuple(roles_by_level.get(place.level, ()))
            if roles_by_level is not None
            else DEFAULT_ROLES
        )
        if roles:
            by_roles.setdefault(tuple(sorted(roles)), {})[rid] = place
    for roles, places in by_roles.items():
        for hit in region_hits(session, places, roles, day):
            merge.add(ReasonKind.region_role.value, hit)
    if sectors:
        for hit in enterprise_hits(session, area.places, sectors):
            merge.add(ReasonKind.enterprise.value, hit)
    for hit in risk_point_hits(session, area, risk_point_roles, day):
        merge.add(ReasonKind.risk_point.value, hit)
    return merge.result()
