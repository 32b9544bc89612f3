"""Demo organisations, persons and assignments for every level, built column-wise.

Persons get ids in the order they are added, so an assignment can name its person before
anything is written; the few per-county bodies are plain loops, the hundreds of thousands of
village and grid people are numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from yingji.demo.catalogue import (
    BODIES,
    DUTIES,
    EMERGENCY,
    county_titles,
    short_name,
    township_titles,
    village_head_title,
)
from yingji.demo.names import ENTERPRISE_TRADES, distinct_picks, uscc
from yingji.demo.places import City, Level
from yingji.people.models import OrganisationKind, Role, TargetKind

NO_ORG = 0


def _column(value: Any, n: int, dtype: Any) -> np.ndarray:
    arr = np.asarray(value, dtype=dtype)
    return np.broadcast_to(arr, (n,)) if arr.ndim == 0 or arr.size == 1 else arr


class Cast:
    """Persons and their assignments, column-wise, with ids allocated up front."""

    def __init__(self, first_person: int, first_assignment: int) -> None:
        self.first_person = first_person
        self.first_assignment = first_assignment
        self.persons = 0
        self.assignments = 0
        self._p: dict[str, list[np.ndarray]] = {"title": [], "region": [], "org": []}
        self._a: dict[str, list[np.ndarray]] = {
            k: [] for k in ("person", "role", "kind", "target", "region", "note")
        }

    def add(
        self, titles: str | Sequence[str], region_ids: Any, org_ids: Any = NO_ORG
    ) -> np.ndarray:
        """Add persons (one per title, or one per region for a single title); their ids."""
        sizes = [
            np.size(region_ids),
            np.size(org_ids),
            1 if isinstance(titles, str) else len(titles),
        ]
        n = max(sizes)
        self._p["title"].append(_column(titles, n, object))
        self._p["region"].append(_column(region_ids, n, np.int64))
        self._p["org"].append(_column(org_ids, n, np.int64))
        ids = self.first_person + self.persons + np.arange(n, dtype=np.int64)
        self.persons += n
        return ids

    def assign(
        self,
        person_ids: Any,
        role: str,
        kind: str,
        target_ids: Any,
        region_ids: Any,
        note: str | None = None,
    ) -> None:
        """Assign persons to targets (scalars broadcast); ``region_ids`` scope each row."""
        n = max(np.size(person_ids), np.size(target_ids), np.size(region_ids))
        self._a["person"].append(_column(person_ids, n, np.int64))
        self._a["role"].append(_column(str(role), n, object))
        self._a["kind"].append(_column(str(kind), n, object))
        self._a["target"].append(_column(target_ids, n, np.int64))
        self._a["region"].append(_column(region_ids, n, np.int64))
        self._a["note"].append(_column(note, n, object))
        self.assignments += n

    def person_rows(self, names: list[str], mobiles: list[str]) -> Iterator[dict[str, Any]]:
        """Rows without ``contacts``, ``created_at`` and ``updated_at`` (constant per insert)."""
        title, region, org = (
            np.concatenate(self._p[k]).tolist() for k in ("title", "region", "org")
        )
        for i in range(self.persons):
            yield {
                "id": self.first_person + i,
                "name": names[i],
                "mobile": mobiles[i],
                "mobile_alt": None,
                "title": title[i],
                "organisation_id": org[i] or None,
                "region_id": region[i],
            }

    def assignment_rows(self, valid_from: dt.date) -> Iterator[dict[str, Any]]:
        """Rows without ``created_at`` and ``updated_at`` (constant per insert)."""
        cols = {k: np.concatenate(v).tolist() for k, v in self._a.items()}
        for i in range(self.assignments):
            yield {
                "id": self.first_assignment + i,
                "person_id": cols["person"][i],
                "role": cols["role"][i],
                "target_kind": cols["kind"][i],
                "target_id": cols["target"][i],
                "region_id": cols["region"][i],
                "valid_from": valid_from,
                "valid_to": None,
                "note": cols["note"][i],
            }


# --- organisations ----------------------------------------------------------------------


@dataclass
class Orgs:
    """Demo organisations: rows to insert and the ids later steps need."""

    first_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    id_of: dict[tuple[str, str], int] = field(default_factory=dict)
    """(adcode, body key) -> id, e.g. ("500101", "YJJ")."""
    enterprises: list[tuple[int, int, int]] = field(default_factory=list)
    """(organisation id, county index, region id) in county order."""
    teams: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Township rescue team id per township."""

    def add(self, code: str, name: str, kind: str, subtype: str | None, region_id: int) -> int:
        oid = self.first_id + len(self.rows)
        self.rows.append(
            {
                "id": oid,
                "code": code,
                "name": name,
                "kind": str(kind),
                "subtype": subtype,
                "region_id": region_id,
                "parent_id": None,
            }
        )
        return oid


def organisations(
    rng: np.random.Generator,
    city: City,
    counties: Level,
    towns: Level,
    per_county: int,
    first_id: int,
    first_member_id: int,
) -> Orgs:
    """The city's and every county's bodies and committees, enterprises, township teams."""
    orgs = Orgs(first_id)
    units = [(city.code, city.name, city.id, True)] + [
        (c, n, int(i), False)
        for c, n, i in zip(counties.codes, counties.names, counties.ids, strict=True)
    ]
    for code, name, region_id, is_city in units:
        for body in BODIES:
            label = body.city_name if is_city else body.county_name
            oid = orgs.add(
                f"ORG-{code}-{body.key}", name + label, body.kind, body.subtype, region_id
            )
            orgs.id_of[(code, body.key)] = oid
        for committee, duties in DUTIES.items():
            for key, text in duties.items():
                orgs.members.append(
                    {
                        "id": first_member_id + len(orgs.members),
                        "committee_id": orgs.id_of[(code, committee)],
                        "department_id": orgs.id_of[(code, key)],
                        "duties": text,
                    }
                )
    first_town = towns.first_child(len(counties))
    town_count = np.bincount(towns.parent, minlength=len(counties))
    trades = distinct_picks(rng, np.full(len(counties), per_county), len(ENTERPRISE_TRADES))
    for ci, code in enumerate(counties.codes):
        for j in range(per_county):
            ti = first_town[ci] + (0 if j == 0 else int(rng.integers(0, town_count[ci])))
            trade, sector = ENTERPRISE_TRADES[trades[ci * per_county + j]]
            stem = towns.names[ti].removesuffix("街道")[:2]
            name = f"重庆{short_name(counties.names[ci])}{stem}{trade}有限公司"
            oid = orgs.add(
                uscc(rng, code), name, OrganisationKind.enterprise, sector, int(towns.ids[ti])
            )
            orgs.enterprises.append((oid, ci, int(towns.ids[ti])))
    orgs.teams = np.array(
        [
            orgs.add(f"ORG-{c}-JYD", f"{n}应急救援队", OrganisationKind.rescue_team, "乡镇", int(i))
            for c, n, i in zip(towns.codes, towns.names, towns.ids, strict=True)
        ],
        dtype=np.int64,
    )
    return orgs


# --- people -----------------------------------------------------------------------------


@dataclass
class Bureau:
    """An emergency management bureau's roster pool: who leads shifts, who staffs them."""

    organisation_id: int
    leaders: list[int]
    officers: list[int]


@dataclass
class Staff:
    """Persons later steps (duty roster, users) need by position."""

    bureaus: dict[str, Bureau] = field(default_factory=dict)
    township_heads: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    grid_members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    enterprise_safety: dict[int, int] = field(default_factory=dict)
    """Enterprise id -> its safety manager."""
    enterprise_principal: dict[int, int] = field(default_factory=dict)
    """Enterprise id -> its principal responsible person."""


def _unit_bodies(
    cast: Cast, orgs: Orgs, code: str, region_id: int, head: int, officers: int
) -> Bureau:
    """Heads of a city's or county's bodies; the emergency bureau gets leaders and officers."""
    bureau = Bureau(orgs.id_of[(code, EMERGENCY)], [], [])
    for body in BODIES:
        oid = orgs.id_of[(code, body.key)]
        if body.kind == OrganisationKind.committee:
            cast.assign(head, Role.admin, TargetKind.organisation, oid, region_id, "主任")
            continue
        if body.key != EMERGENCY:
            boss = cast.add([body.head_title], region_id, oid)
            cast.assign(boss, Role.admin, TargetKind.organisation, oid, region_id)
            continue
        leaders = cast.add(["局长", "副局长", "副局长"], region_id, oid)
        cast.assign(leaders[0], Role.admin, TargetKind.organisation, oid, region_id)
        cast.assign(leaders, Role.duty_leader, TargetKind.region, region_id, region_id, "带班领导")
        staff = cast.add(["值班员"] * officers, region_id, oid)
        bureau.leaders, bureau.officers = leaders.tolist(), staff.tolist()
    return bureau


def people(
    spec_households: int,
    city: City,
    counties: Level,
    towns: Level,
    vills: Level,
    grids: Level,
    orgs: Orgs,
    cast: Cast,
) -> Staff:
    """Everyone: city and county leaders, bureau staff, township, village and grid people,
    enterprise managers; with 市包县, 县包乡, 乡包村 and (optionally) 组包户 assignments."""
    staff = Staff()
    nc = len(counties)
    mayor, vice = cast.add(["市长", "副市长（分管应急管理）"], city.id)
    cast.assign([mayor, vice], Role.admin, TargetKind.region, city.id, city.id)
    staff.bureaus[city.code] = _unit_bodies(cast, orgs, city.code, city.id, int(mayor), 3)
    leads = cast.add(["副市长"] * max(2, math.ceil(nc / 5)), city.id)
    cast.assign(
        leads[np.arange(nc) % leads.size],
        Role.baobao,
        TargetKind.region,
        counties.ids,
        counties.ids,
        "市包县",
    )

    first_town = towns.first_child(nc)
    town_count = np.bincount(towns.parent, minlength=nc)
    for ci, code in enumerate(counties.codes):
        rid = int(counties.ids[ci])
        head_t, deputy_t, other_t = county_titles(counties.names[ci])
        head, deputy = cast.add([head_t, deputy_t], rid)
        cast.assign([head, deputy], Role.admin, TargetKind.region, rid, rid)
        staff.bureaus[code] = _unit_bodies(cast, orgs, code, rid, int(head), 2)
        n_town = int(town_count[ci])
        leads = cast.add([other_t] * max(2, math.ceil(n_town / 3)), rid)
        mine = towns.ids[first_town[ci] : first_town[ci] + n_town]
        cast.assign(
            leads[np.arange(n_town) % leads.size],
            Role.baobao,
            TargetKind.region,
            mine,
            mine,
            "县包乡",
        )

    for oid, _ci, rid in orgs.enterprises:
        boss, safety = cast.add(["主要负责人", "安全管理负责人"], rid, oid)
        cast.assign(boss, Role.admin, TargetKind.organisation, oid, rid)
        cast.assign(safety, Role.technical, TargetKind.organisation, oid, rid)
        staff.enterprise_safety[oid] = int(safety)
        staff.enterprise_principal[oid] = int(boss)

    titles = [township_titles(n) for n in towns.names]
    secretaries = cast.add([t[0] for t in titles], towns.ids)
    staff.township_heads = cast.add([t[1] for t in titles], towns.ids)
    for group in (secretaries, staff.township_heads):
        cast.assign(group, Role.admin, TargetKind.region, towns.ids, towns.ids)
    vill_count = np.bincount(vills.parent, minlength=len(towns))
    cadres_per = np.maximum(1, np.ceil(vill_count / 2).astype(np.int64))
    cadre_town = np.repeat(np.arange(len(towns)), cadres_per)
    cadre_rank = np.arange(cadre_town.size) - np.repeat(
        np.cumsum(cadres_per) - cadres_per, cadres_per
    )
    cadre_titles = [
        titles[t][2] if r == 0 else "包村干部"
        for t, r in zip(cadre_town.tolist(), cadre_rank.tolist(), strict=True)
    ]
    cadres = cast.add(cadre_titles, towns.ids[cadre_town])
    first_cadre = np.cumsum(cadres_per) - cadres_per
    cast.assign(
        cadres[first_cadre[vills.parent] + vills.rank // 2],
        Role.baobao,
        TargetKind.region,
        vills.ids,
        vills.ids,
        "乡包村",
    )
    captains = cast.add("队长", towns.ids, orgs.teams)
    cast.assign(captains, Role.admin, TargetKind.organisation, orgs.teams, towns.ids)

    heads = cast.add([village_head_title(n) for n in vills.names], vills.ids)
    cast.assign(heads, Role.admin, TargetKind.region, vills.ids, vills.ids)
    monitors = cast.add("地质灾害群测群防监测员", vills.ids)
    cast.assign(monitors, Role.monitoring, TargetKind.region, vills.ids, vills.ids)

    staff.grid_members = cast.add("网格员", grids.ids)
    cast.assign(staff.grid_members, Role.grid_member, TargetKind.region, grids.ids, grids.ids)
    if spec_households:
        where = np.repeat(grids.ids, spec_households)
        households = cast.add("组包户责任人", where)
        cast.assign(households, Role.baobao, TargetKind.region, where, where, "组包户")
    return staff
