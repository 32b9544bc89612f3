"""The risk point importer checks and writes in chunks (memory for 1,000,000 rows): results
must not depend on where the chunk boundaries fall."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry, User
from yingji.auth.service import actor_for
from yingji.errors import ValidationFailed
from yingji.io import service as io_service
from yingji.regions import geo
from yingji.regions.models import Region
from yingji.risk import service
from yingji.risk.models import RiskPoint

HEADER = "code,name,category,level,lon,lat,threatened_people\n"


@pytest.fixture(autouse=True)
def no_demo_risk_points() -> None:
    """Only this file's points (codes CH-) are looked at, so the demo's may stay."""


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "CHUNK_ROWS", 3)


def _csv(session: Session, people: dict[int, int], extra: str = "") -> bytes:
    township = session.scalar(select(Region).where(Region.code == "500101001"))
    p = geo.from_wkb(township.geometry).point_on_surface()
    lines = [
        f"CH-{i},分块{i},landslide,一般,{p.x + i * 1e-6:.6f},{p.y:.6f},{people.get(i, 10)}\n"
        for i in range(7)
    ]
    return (HEADER + "".join(lines) + extra).encode()


def _count(session: Session, model: object, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_chunks_give_the_same_result_as_one_pass(session: Session) -> None:
    actor = actor_for(session, session.scalar(select(User).where(User.username == "wz_operator")))
    mine = RiskPoint.code.like("CH-%")
    with pytest.raises(ValidationFailed) as caught:  # a duplicate two chunks later
        io_service.import_file(
            session,
            actor,
            "risk_points",
            _csv(session, {}, "CH-1,重复,landslide,低,108.4,30.8,\n"),
            "x.csv",
        )
    assert [(d["row"], d["field"]) for d in caught.value.details] == [(9, "code")]
    assert "第 3 行" in caught.value.details[0]["reason"]
    assert _count(session, RiskPoint, mine) == 0

    dry = io_service.import_file(
        session, actor, "risk_points", _csv(session, {}), "x.csv", dry_run=True
    )
    assert (dry.created, dry.updated, dry.unchanged) == (7, 0, 0)
    audit_before = _count(session, AuditEntry)
    report = io_service.import_file(session, actor, "risk_points", _csv(session, {}), "x.csv")
    assert (report.rows, report.created) == (7, 7)
    assert _count(session, RiskPoint, mine) == 7
    assert _count(session, AuditEntry) - audit_before == 7
    stored = session.scalar(select(RiskPoint).where(RiskPoint.code == "CH-6"))
    assert (stored.name, stored.threatened_people, stored.status) == ("分块6", 10, "active")

    changed = _csv(session, {2: 99, 5: 7})
    report = io_service.import_file(session, actor, "risk_points", changed, "x.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 2, 5)
    rows = session.execute(select(RiskPoint.code, RiskPoint.threatened_people).where(mine))
    people = {code: n for code, n in rows}
    assert (people["CH-2"], people["CH-5"], people["CH-0"]) == (99, 7, 10)
