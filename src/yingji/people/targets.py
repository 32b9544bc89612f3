"""Assignment targets: each kind maps its ids to the region they lie in.

A later domain (risk points, enterprises, shelters) registers its kind with
:func:`register` in its models module, so assignments reach it without a new table per
kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.people.models import Organisation, TargetKind
from yingji.regions.models import Region
from yingji.risk.models import TARGET_KIND as RISK_POINT
from yingji.risk.models import RiskPoint

Resolver = Callable[[Session, list[int]], dict[int, int]]
"""Given target ids, return {target_id: region_id} for those that exist."""

_RESOLVERS: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _RESOLVERS[kind] = resolver


def _load_all() -> None:
    """Domains register their kinds when their models are imported; import them all."""
    import yingji.models  # noqa: F401


def kinds() -> list[str]:
    _load_all()
    return sorted(_RESOLVERS)


def regions_of(session: Session, kind: str, ids: Iterable[int]) -> dict[int, int]:
    if kind not in _RESOLVERS:
        _load_all()
    if kind not in _RESOLVERS:
        raise KeyError(kind)
    ids = list(set(ids))
    out: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        out.update(_RESOLVERS[kind](session, ids[start : start + 5000]))
    return out


def _regions(session: Session, ids: list[int]) -> dict[int, int]:
    return {i: i for i in session.scalars(select(Region.id).where(Region.id.in_(ids)))}


def _organisations(session: Session, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Organisation.id, Organisation.region_id).where(Organisation.id.in_(ids))
    )
    return dict(rows.all())


def _risk_points(session: Session, ids: list[int]) -> dict[int, int]:
    rows = session.execute(select(RiskPoint.id, RiskPoint.region_id).where(RiskPoint.id.in_(ids)))
    return dict(rows.all())


register(TargetKind.region, _regions)
register(TargetKind.organisation, _organisations)
register(RISK_POINT, _risk_points)
