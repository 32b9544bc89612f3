"""The set-based supervisor default (used by the enterprise import) agrees with the one-record
rule, and the enterprise list's bounding box."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from yingji.auth.scope import system_actor
from yingji.bbox import BBox, parse
from yingji.db import session_factory
from yingji.enterprises import industries
from yingji.enterprises.service import Supervisors, default_supervisor, list_enterprises
from yingji.errors import ValidationFailed
from yingji.regions.models import Region


def test_supervisors_index_matches_default_supervisor(engine: Engine) -> None:
    with session_factory(engine)() as session:
        regions = session.scalars(
            select(Region).where(Region.path.startswith("/500000/500101/")).order_by(Region.id)
        ).all()[:40]
        regions.append(session.scalar(select(Region).where(Region.code == "500103")))
        codes = sorted(industries.divisions())[::7]
        index = Supervisors(session)
        found = 0
        for region in regions:
            for code in codes:
                expected = default_supervisor(session, region, code)
                assert index.default(region.path, code) == expected, (region.code, code)
                found += expected is not None
        assert found > 0  # the demo has departments for some sectors


def test_enterprise_list_by_bbox(engine: Engine) -> None:
    admin = system_actor()
    with session_factory(engine)() as session:
        everything = list_enterprises(session, admin, limit=1000)
        placed = [v for v in everything.items if v.enterprise.lon is not None]
        assert placed
        e = placed[0].enterprise
        box = BBox(e.lon - 1e-4, e.lat - 1e-4, e.lon + 1e-4, e.lat + 1e-4)
        near = list_enterprises(session, admin, bbox=box, limit=1000)
        assert e.id in [v.enterprise.id for v in near.items]
        assert all(box.west <= v.enterprise.lon <= box.east for v in near.items)
        assert near.total < everything.total
        assert list_enterprises(session, admin, bbox=BBox(0, 0, 1, 1)).total == 0


def test_bbox_parsing() -> None:
    assert parse(None) is None and parse(" ") is None
    assert parse("105.5,28,110.25,32") == BBox(105.5, 28.0, 110.25, 32.0)
    for bad in ("1,2,3", "1,2,3,4,5", "x,1,2,3", "10,0,5,1", "0,10,1,5", "0,0,181,1", "0,-95,1,1"):
        with pytest.raises(ValidationFailed) as caught:
            parse(bad)
        assert caught.value.details == [
            {"field": "bbox", "reason": caught.value.details[0]["reason"]}
        ]
        assert " / " in caught.value.details[0]["reason"]  # Chinese first, then English
