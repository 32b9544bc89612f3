"""Who a warning calls (靶向): persons by role on every region of the area, the persons of
risk points inside it, and the heads of enterprises of named sectors.

Set-based throughout, because a red warning over several counties reaches 100,000 persons:
the area's regions are one prefix query per covered region, the covered share is computed
for all of them at once with vectorised shapely, and assignments are read in chunks of
ids straight from the connection. Reasons are merged per person, so each person is called
once per warning with every reason listed.
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

from yingji.enterprises.models import Enterprise
from yingji.people.models import Assignment, Organisation, Role, TargetKind
from yingji.people.service import active_on
from yingji.regions import geo
from yingji.regions.models import Region
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
    """A person to call, the region level of their highest layer, and every reason."""

    person_id: int
    layer: int
    reasons: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Place:
    """A region the warning reaches, as reasons and layers name it."""

    code: str
    level: int


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _rows(session: Session, stmt: Select[Any]) -> list[Any]:
    """Plain tuples from the connection: no ORM row processing on bulk reads."""
    return session.connection().execute(stmt).all()


def _under(paths: Iterable[str]) -> Any:
    """WHERE clause: regions in the subtree of any of ``paths`` (themselves included)."""
    return or_(*(Region.path.startswith(p, autoescape=True) for p in sorted(set(paths))))


def _covered(session: Session, warning: EarlyWarning) -> tuple[list[str], list[str], Any]:
    """(paths reached whole, paths reached where the shape overlaps, the shape or None):
    regions named by code count whole; with no shape, every covered region does."""
    covered = _rows(
        session,
        select(Region.code, Region.path)
        .join(WarningRegion, WarningRegion.region_id == Region.id)
        .where(WarningRegion.warning_id == warning.id),
    )
    named = set((warning.area or {}).get("region_codes") or [])
    shape = geo.from_wkb(warning.geometry) if warning.geometry else None
    whole = [path for code, path in covered if code in named or shape is None]
    shaped = [path for code, path in covered if code not in named and shape is not None]
    return whole, shaped, shape


def area_regions(
    session: Session, warning: EarlyWarning, min_share: float = 0.0
) -> dict[int, Place]:
    """{region id: place} for every region the warning reaches, down to grids.

    Regions named by code reach their whole subtree. Regions a shape overlaps (the
    counties the warning service adds) reach the regions of their subtree whose covered
    share exceeds ``min_share`` (any overlap when 0).
    """
    whole, shaped, shape = _covered(session, warning)
    places: dict[int, Place] = {}
    if whole:
        stmt = select(Region.id, Region.code, Region.level).where(_under(whole))
        places.update((rid, Place(code, level)) for rid, code, level in _rows(session, stmt))
    if shaped and shape is not None:
        stmt = select(Region.id, Region.code, Region.level, Region.geometry).where(
            _under(shaped), Region.geometry.is_not(None)
        )
        rows = [r for r in _rows(session, stmt) if r[0] not in places]
        if rows:
            keep = _shares_above(shape, [bytes(r[3]) for r in rows], min_share)
            places.update(
                (rid, Place(code, level))
                for (rid, code, level, _g), ok in zip(rows, keep, strict=True)
                if ok
            )
    return places


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


class _Merge:
    """Reasons collected per person; the layer is the smallest (highest) region level."""

    def __init__(self) -> None:
        self.targets: dict[int, Target] = {}

    def add(self, person_id: int, level: int, reason: dict[str, Any]) -> None:
        target = self.targets.get(person_id)
        if target is None:
            self.targets[person_id] = Target(person_id, level, [reason])
        else:
            target.reasons.append(reason)
            target.layer = min(target.layer, level)


def _region_roles(
    session: Session,
    places: dict[int, Place],
    roles_by_level: dict[int, list[str]] | None,
    day: dt.date,
    merge: _Merge,
) -> None:
    by_roles: dict[tuple[str, ...], list[int]] = {}
    for rid, place in places.items():
        roles = (
            tuple(roles_by_level.get(place.level, ()))
            if roles_by_level is not None
            else DEFAULT_ROLES
        )
        if roles:
            by_roles.setdefault(tuple(sorted(roles)), []).append(rid)
    for roles, ids in by_roles.items():
        for chunk in _chunks(sorted(ids)):
            stmt = select(Assignment.person_id, Assignment.role, Assignment.target_id).where(
                Assignment.target_kind == TargetKind.region,
                Assignment.target_id.in_(chunk),
                Assignment.role.in_(roles),
                active_on(day),
            )
            for pid, role, rid in _rows(session, stmt):
                place = places[rid]
                merge.add(
                    pid,
                    place.level,
                    {
                        "kind": ReasonKind.region_role.value,
                        "role": role,
                        "target": place.code,
                        "region": place.code,
                    },
                )


def _risk_points(
    session: Session, warning: EarlyWarning, roles: Sequence[str], day: dt.date, merge: _Merge
) -> None:
    """Persons of risk points in the area: every point under a region reached whole, and
    under the other covered regions the points inside the warning's shape (vectorised
    point-in-polygon on the representative points, whatever the regions' covered share)."""
    whole, shaped, shape = _covered(session, warning)
    if not whole and not shaped:
        return
    points = _rows(
        session,
        select(
            RiskPoint.id,
            RiskPoint.code,
            RiskPoint.lon,
            RiskPoint.lat,
            Region.code,
            Region.level,
            Region.path,
        )
        .join(Region, Region.id == RiskPoint.region_id)
        .where(_under(whole + shaped), RiskPoint.status != RiskStatus.removed)
        .order_by(RiskPoint.id),
    )
    if shape is not None and points:
        lons = np.array([p[2] for p in points], dtype=np.float64)
        lats = np.array([p[3] for p in points], dtype=np.float64)
        inside = shapely.contains_xy(shape, lons, lats)
        prefixes = tuple(whole)
        points = [
            p
            for p, ok in zip(points, inside, strict=True)
            if ok or (prefixes and p[6].startswith(prefixes))
        ]
    info = {p[0]: (p[1], Place(p[4], p[5])) for p in points}
    for chunk in _chunks(sorted(info)):
        stmt = select(Assignment.person_id, Assignment.role, Assignment.target_id).where(
            Assignment.target_kind == RISK_POINT,
            Assignment.target_id.in_(chunk),
            Assignment.role.in_(list(roles)),
            active_on(day),
        )
        for pid, role, point_id in _rows(session, stmt):
            code, place = info[point_id]
            merge.add(
                pid,
                place.level,
                {
                    "kind": ReasonKind.risk_point.value,
                    "role": role,
                    "target": code,
                    "region": place.code,
                },
            )


def _enterprises(
    session: Session, places: dict[int, Place], sectors: Sequence[str], merge: _Merge
) -> None:
    """Principal and safety manager of enterprises whose industry code starts with one of
    ``sectors`` (GB/T 4754 prefixes) and whose organisation lies in the area."""
    prefixes = or_(*(Enterprise.industry_code.startswith(s, autoescape=True) for s in sectors))
    for chunk in _chunks(sorted(places)):
        stmt = (
            select(
                Enterprise.credit_code,
                Organisation.region_id,
                Enterprise.principal_id,
                Enterprise.safety_manager_id,
            )
            .join(Organisation, Organisation.id == Enterprise.organisation_id)
            .where(Organisation.region_id.in_(chunk), prefixes)
            .order_by(Enterprise.id)
        )
        for credit_code, rid, principal, safety in _rows(session, stmt):
            place = places[rid]
            for pid, role in ((principal, "principal"), (safety, "safety_manager")):
                if pid is not None:
                    merge.add(
                        pid,
                        place.level,
                        {
                            "kind": ReasonKind.enterprise.value,
                            "role": role,
                            "target": credit_code,
                            "region": place.code,
                        },
                    )


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
    already checked the actor may act on it.
    """
    day = on or dt.date.today()
    places = area_regions(session, warning, min_share)
    merge = _Merge()
    if places:
        _region_roles(session, places, roles_by_level, day, merge)
        if sectors:
            _enterprises(session, places, sectors, merge)
    if risk_point_roles:
        _risk_points(session, warning, risk_point_roles, day, merge)
    out = sorted(merge.targets.values(), key=lambda t: t.person_id)
    for t in out:
        t.reasons.sort(key=lambda r: (r["kind"], r["region"], r["role"], r["target"]))
    return out
