"""Load the demo: a fictitious Chongqing below its real counties, with bodies, committees,
enterprises, people holding assignments at every level, duty rosters and a few users.

Everything is set-based (numpy, then chunked Core executemany with ids allocated up front)
so the million-person ``large`` scale loads in minutes and ``tiny`` in about a second. The
audit log gets one entry per kind of record, not one per row; regions are the exception,
being written (and audited one by one) by the regions service's bulk upsert.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from yingji.auth.audit import Change, record_many
from yingji.auth.models import User, UserRole
from yingji.auth.service import hash_password
from yingji.db import utcnow
from yingji.demo import bulk, places
from yingji.demo.cast import Cast, Staff, organisations, people
from yingji.demo.catalogue import EMERGENCY
from yingji.demo.enterprises import enterprise_rows
from yingji.demo.geography import vary
from yingji.demo.names import person_names
from yingji.demo.risk import load_risk_points
from yingji.enterprises.models import Enterprise
from yingji.people.models import Assignment, CommitteeMember, DutyShift, Organisation, Person
from yingji.people.phones import DEMO_PREFIX, demo_number
from yingji.regions.models import Region, RegionLevel

SEED = 20260101
DEMO_PASSWORD = "yingji-demo"
"""The documented demo login of every demo user."""
CITY = "500000"
FIRST_COUNTY = "500101"
MARKER_ORG = f"ORG-{CITY}-{EMERGENCY}"
VALID_FROM = dt.date(2026, 1, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ROSTER_DAYS = range(-3, 8)
"""Shifts from three days ago to seven days ahead (08:00 to 08:00 Beijing time)."""


@dataclass(frozen=True)
class DemoScale:
    """How much to generate. Counts are per parent, varied by +-``spread`` around the mean."""

    name: str
    counties: tuple[str, ...] | None
    """Chongqing county codes to fill, the first being the demo users' county; None: all 38."""
    townships: int
    villages: int
    grids: int
    households: int
    """组包户 persons per grid (household-group 包保)."""
    enterprises: int
    """Per county."""
    spread: float = 0.0
    risk_points: int = 2
    """Per township."""

    def expected_places(self, counties: int = 38) -> int:
        """Villages plus grids the scale yields on average (the bench needs >= 10,000)."""
        n = len(self.counties) if self.counties else counties
        return n * self.townships * self.villages * (1 + self.grids)


TINY = DemoScale("tiny", ("500101", "500103"), 3, 2, 2, 0, 2, risk_points=1)
"""The test suite's database: 2 counties, 6 townships, 12 villages, 24 grids, 126 persons."""
SMALL = DemoScale("small", None, 8, 3, 2, 0, 3, spread=0.25, risk_points=3)
"""``make run``: all 38 counties, ~310 townships, ~930 villages, ~1,860 grids, ~6,000
persons (one head and one monitor per village, one member per grid dominate)."""
LARGE = DemoScale("large", None, 25, 20, 10, 4, 5, spread=0.2, risk_points=5)
"""Benchmarks: ~970 townships, ~19,000 villages, ~190,000 grids, ~1 million persons."""
SCALES: dict[str, DemoScale] = {s.name: s for s in (TINY, SMALL, LARGE)}

USERS: tuple[tuple[str, UserRole], ...] = (
    ("admin", UserRole.system_admin),
    ("cq_operator", UserRole.operator),
    ("wz_operator", UserRole.operator),
    ("twp_operator", UserRole.operator),
    ("twp2_operator", UserRole.operator),
    ("grid_user", UserRole.grid_member),
    ("viewer", UserRole.viewer),
    ("ent_user", UserRole.enterprise_user),
)


DOMAIN_DEMOS: tuple[str, ...] = (
    "yingji.demo.inspections",
    "yingji.demo.hazards",
    "yingji.demo.whistle",
    "yingji.demo.plans",
    "yingji.demo.warnings",
    "yingji.demo.quake",
    "yingji.demo.resources",
    "yingji.demo.incidents",
)
"""Modules adding a domain's demo records on top of places, people and users, in order;
each has ``load(session, rng, now) -> counts`` and acts through the services as demo users."""


def _already_loaded(session: Session) -> bool:
    return (
        session.scalar(select(User.id).where(User.username == "admin")) is not None
        or session.scalar(select(Organisation.id).where(Organisation.code == MARKER_ORG))
        is not None
    )


def _first_demo_number(session: Session) -> int:
    """Continue after demo numbers already in use, so a partial earlier load cannot clash."""
    top = session.scalar(
        select(Person.mobile)
        .where(Person.mobile.startswith(DEMO_PREFIX))
        .order_by(Person.mobile.desc())
        .limit(1)
    )
    return int(top[len(DEMO_PREFIX) :]) + 1 if top else 0


def _roster(staff: Staff, first_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    """24-hour shifts for every emergency management bureau, rotating its officers and leaders."""
    today = now.astimezone(SHANGHAI).date()
    rows = []
    for b in staff.bureaus.values():
        for k, day in enumerate(ROSTER_DAYS):
            start = dt.datetime.combine(today + dt.timedelta(days=day), dt.time(8), SHANGHAI)
            rows.append(
                {
                    "id": first_id + len(rows),
                    "organisation_id": b.organisation_id,
                    "starts_at": start.astimezone(dt.UTC),
                    "ends_at": (start + dt.timedelta(days=1)).astimezone(dt.UTC),
                    "duty_officer_id": b.officers[k % len(b.officers)],
                    "duty_leader_id": b.leaders[k % len(b.leaders)],
                    "note": None,
                }
            )
    return rows


def _users(
    city: places.City,
    counties: places.Level,
    towns: places.Level,
    vills: places.Level,
    grids: places.Level,
    staff: Staff,
    enterprise: tuple[int, int, int],
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """The demo accounts, each linked to the person it would belong to.

    One Argon2 hash serves them all: they share the documented password anyway, and hashing
    eight times would cost seconds the test suite's template build does not have.
    """
    password = hash_password(DEMO_PASSWORD)
    county = 0  # the first county (万州区 at every scale)
    t1, t2 = (int(t) for t in np.flatnonzero(towns.parent == county)[:2])
    village = int(np.flatnonzero(vills.parent == t1)[0])
    grid = int(np.flatnonzero(grids.parent == village)[0])
    city_bureau, county_bureau = staff.bureaus[city.code], staff.bureaus[counties.codes[county]]
    ent_id, _ci, ent_region = enterprise
    where: dict[str, tuple[int, int | None, int | None]] = {
        "admin": (city.id, None, None),
        "cq_operator": (city.id, city_bureau.officers[0], None),
        "wz_operator": (int(counties.ids[county]), county_bureau.officers[0], None),
        "twp_operator": (int(towns.ids[t1]), int(staff.township_heads[t1]), None),
        "twp2_operator": (int(towns.ids[t2]), int(staff.township_heads[t2]), None),
        "grid_user": (int(grids.ids[grid]), int(staff.grid_members[grid]), None),
        "viewer": (city.id, None, None),
        "ent_user": (ent_region, staff.enterprise_safety[ent_id], ent_id),
    }
    return [
        {
            "username": name,
            "password_hash": password,
            "role": role.value,
            "region_id": where[name][0],
            "person_id": where[name][1],
            "organisation_id": where[name][2],
            "locale": "zh-CN",
            "active": True,
            "created_at": now,
        }
        for name, role in USERS
    ]


def _places(
    session: Session, spec: DemoScale, rng: np.random.Generator
) -> tuple[places.City, places.Level, places.Level, places.Level, places.Level]:
    """Subdivide the counties down to grids and write them: (city, counties, townships,
    villages, grids)."""
    city, counties = places.read_counties(session, CITY, spec.counties)
    if counties.codes[0] != FIRST_COUNTY:
        raise ValueError(f"the demo's first county must be {FIRST_COUNTY}")
    towns = places.townships(
        rng, counties, vary(rng, spec.townships, spec.spread, len(counties), low=2)
    )
    places.write_regions(session, towns, counties, RegionLevel.township)
    vills = places.villages(rng, towns, vary(rng, spec.villages, spec.spread, len(towns)))
    places.write_regions(session, vills, towns, RegionLevel.village)
    grids = places.grids(rng, vills, vary(rng, spec.grids, spec.spread, len(vills)))
    places.write_regions(session, grids, vills, RegionLevel.grid)
    return city, counties, towns, vills, grids


def _load(session: Session, spec: DemoScale) -> dict[str, int]:
    """Generate and write everything; how many rows of each kind."""
    rng = np.random.default_rng(SEED)
    now = utcnow()
    city, counties, towns, vills, grids = _places(session, spec, rng)

    orgs = organisations(
        rng,
        city,
        counties,
        towns,
        spec.enterprises,
        bulk.next_id(session, Organisation.__table__),
        bulk.next_id(session, CommitteeMember.__table__),
    )
    bulk.insert_rows(session, Organisation.__table__, orgs.rows, **bulk.STAMPS)
    bulk.insert_rows(session, CommitteeMember.__table__, orgs.members)

    cast = Cast(
        bulk.next_id(session, Person.__table__), bulk.next_id(session, Assignment.__table__)
    )
    staff = people(spec.households, city, counties, towns, vills, grids, orgs, cast)
    first_number = _first_demo_number(session)
    names = person_names(rng, cast.persons)
    mobiles = [demo_number(first_number + i) for i in range(cast.persons)]
    person_rows = cast.person_rows(names, mobiles)
    bulk.insert_rows(
        session, Person.__table__, person_rows, contacts=bulk.EMPTY_JSON, **bulk.STAMPS
    )
    bulk.insert_rows(session, Assignment.__table__, cast.assignment_rows(VALID_FROM), **bulk.STAMPS)

    enterprises = enterprise_rows(session, rng, orgs, staff)
    bulk.insert_rows(session, Enterprise.__table__, enterprises, **bulk.STAMPS)

    first_grid = grids.first_child(len(vills))[vills.first_child(len(towns))]
    risk_points, risk_assignments = load_risk_points(
        session, rng, towns, staff.grid_members[first_grid], staff, spec.risk_points, VALID_FROM
    )

    shifts = _roster(staff, bulk.next_id(session, DutyShift.__table__), now)
    bulk.insert_rows(session, DutyShift.__table__, shifts)
    first_enterprise = next(e for e in orgs.enterprises if e[1] == 0)
    users = _users(city, counties, towns, vills, grids, staff, first_enterprise, now)
    bulk.insert_rows(session, User.__table__, users)
    bulk.bump_sequences(
        session,
        [
            Organisation.__table__,
            CommitteeMember.__table__,
            Person.__table__,
            Assignment.__table__,
            DutyShift.__table__,
            Enterprise.__table__,
        ],
    )
    counts = {
        "townships": len(towns),
        "villages": len(vills),
        "grids": len(grids),
        "organisations": len(orgs.rows),
        "enterprises": len(orgs.enterprises),
        "committee_members": len(orgs.members),
        "persons": cast.persons,
        "assignments": cast.assignments + risk_assignments,
        "risk_points": risk_points,
        "duty_shifts": len(shifts),
        "users": len(users),
    }
    for module in DOMAIN_DEMOS:
        counts.update(importlib.import_module(module).load(session, rng, now))
    return counts


def load_demo(session: Session, scale: str | DemoScale = "small") -> dict[str, Any]:
    """Fill Chongqing with demo data at ``scale``; the counts written, or ``skipped``.

    Loads China's regions first if 500000 is missing. Does nothing when demo data is already
    there (user ``admin`` or organisation ORG-500000-YJJ exists). Only flushes; the caller
    commits.
    """
    spec = SCALES[scale] if isinstance(scale, str) else scale
    login = {"password": DEMO_PASSWORD, "users": [u for u, _ in USERS]}
    if _already_loaded(session):
        return {
            "scale": spec.name,
            "skipped": True,
            "reason": "demo data already present",
            "login": login,
        }
    if session.scalar(select(Region.id).where(Region.code == CITY)) is None:
        from yingji.regions.china import load_china

        load_china(session)
    session.flush()
    started = perf_counter()
    with bulk.big_cache(session):
        counts = _load(session, spec)
    # Regions are not listed: the regions service has already audited each one it created.
    kinds = {
        "organisation": counts["organisations"],
        "committee_member": counts["committee_members"],
        "person": counts["persons"],
        "enterprise": counts["enterprises"],
        "assignment": counts["assignments"],
        "duty_shift": counts["duty_shifts"],
        "user": counts["users"],
    }
    record_many(
        session,
        [
            Change("create", f"demo.{kind}", "bulk", None, {"count": n, "scale": spec.name})
            for kind, n in kinds.items()
        ],
    )
    session.flush()
    return {
        "scale": spec.name,
        "skipped": False,
        **counts,
        "seconds": round(perf_counter() - started, 2),
        "login": login,
    }
