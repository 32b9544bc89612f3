"""Enterprise facts for the demo's enterprise organisations: industry, grade, contacts,
and the supervising department found by the same rule real entries use (三管三必须)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.demo import bulk
from yingji.demo.cast import Orgs, Staff
from yingji.demo.names import TRADE_INDUSTRY
from yingji.enterprises.models import Enterprise, RiskGrade
from yingji.enterprises.service import default_supervisor
from yingji.people.models import Organisation
from yingji.regions.models import Region

GRADES = (RiskGrade.major, RiskGrade.large, RiskGrade.general, RiskGrade.low)
GRADE_WEIGHTS = (0.05, 0.15, 0.5, 0.3)


def enterprise_rows(
    session: Session, rng: np.random.Generator, orgs: Orgs, staff: Staff
) -> list[dict[str, Any]]:
    ids = [oid for oid, _ci, _rid in orgs.enterprises]
    rows = session.execute(
        select(Organisation.id, Organisation.code, Organisation.name, Region)
        .join(Region, Region.id == Organisation.region_id)
        .where(Organisation.id.in_(ids))
        .order_by(Organisation.id)
    ).all()
    grades = rng.choice(len(GRADES), size=len(rows), p=GRADE_WEIGHTS)
    first = bulk.next_id(session, Enterprise.__table__)
    out = []
    for k, (oid, code, name, region) in enumerate(rows):
        industry = next(v for trade, v in TRADE_INDUSTRY.items() if trade in name)
        out.append(
            {
                "id": first + k,
                "organisation_id": oid,
                "credit_code": code,
                "industry_code": industry,
                "supervising_department_id": default_supervisor(session, region, industry),
                "risk_grade": GRADES[grades[k]].value,
                "principal_id": staff.enterprise_principal[oid],
                "safety_manager_id": staff.enterprise_safety[oid],
                "address": f"{region.name}",
                "lon": region.centroid_lon,
                "lat": region.centroid_lat,
                "employees": int(rng.integers(20, 800)),
            }
        )
    return out
