"""Helpers the quick report tests import by name (a module, not ``conftest``: this folder
has no ``__init__``): the demo users' places, points inside them, an incident, a photo."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.models import User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.incidents.models import Incident
from yingji.regions import geo
from yingji.regions.models import Region

T0 = dt.datetime(2026, 7, 1, 2, 0, tzinfo=dt.UTC)
"""A fixed moment reports are sent at, so conflict windows do not depend on the clock."""


def actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return actor_for(session, user)


def region_of(session: Session, username: str) -> Region:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    region = session.get(Region, user.region_id)
    assert region is not None
    return region


def children(session: Session, parent: Region) -> list[Region]:
    return list(
        session.scalars(select(Region).where(Region.parent_id == parent.id).order_by(Region.code))
    )


@dataclass
class Places:
    """The demo's places around the township and grid accounts (万州 at every scale)."""

    county: Region
    township: Region
    village: Region
    grid: Region
    grid2: Region
    village2: Region
    other_township: Region
    other_village: Region


def places(session: Session) -> Places:
    grid = region_of(session, "grid_user")
    village = session.get(Region, grid.parent_id)
    assert village is not None
    township = region_of(session, "twp_operator")
    assert village.parent_id == township.id
    other = region_of(session, "twp2_operator")
    return Places(
        county=region_of(session, "wz_operator"),
        township=township,
        village=village,
        grid=grid,
        grid2=next(g for g in children(session, village) if g.id != grid.id),
        village2=next(v for v in children(session, township) if v.id != village.id),
        other_township=other,
        other_village=children(session, other)[0],
    )


def inside(region: Region) -> tuple[float, float]:
    """A point surely inside the region's polygon (its centroid may not be)."""
    shape = geo.from_wkb(region.geometry)
    assert shape is not None
    point = shape.representative_point()
    return round(point.x, 6), round(point.y, 6)


def incident(
    session: Session, region: Region, *, status: str = "open", code: str = "T-1"
) -> Incident:
    """An incident in ``region`` written directly (its service is not under test here)."""
    lon, lat = inside(region)
    row = Incident(
        code=code,
        title=f"测试事件 {code}",
        type_code="flood",
        category="natural",
        lon=lon,
        lat=lat,
        region_id=region.id,
        region_path=region.path,
        occurred_at=T0 - dt.timedelta(hours=1),
        received_at=T0 - dt.timedelta(minutes=50),
        status=status,
        created_by="test",
    )
    session.add(row)
    session.flush()
    return row


def png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, format="PNG")
    return out.getvalue()
