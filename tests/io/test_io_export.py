"""Export and templates: scoped, streamed, and always re-importable unchanged."""

from __future__ import annotations

import csv
import io

import pytest
from io_samples import ORDER, counts, sample, user_actor
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.scope import Actor
from yingji.io import service
from yingji.io.kinds import KINDS
from yingji.people.models import Person
from yingji.regions.models import Region


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_unchanged(
    session: Session, admin: Actor, county: Actor, fmt: str
) -> None:
    """Everything the demo and the samples hold survives export → import untouched."""
    for kind in ORDER:
        data, name = sample(kind)
        service.import_file(session, county, kind, data, name)
    session.commit()
    before = counts(session)
    for kind in ORDER:
        exported = service.export(session, admin, kind, fmt)
        report = service.import_file(session, admin, kind, exported, f"{kind}.{fmt}")
        assert (report.created, report.updated) == (0, 0), kind
        assert report.unchanged == report.rows > 0
    session.commit()
    assert counts(session) == before


@pytest.mark.parametrize("username", ["wz_operator", "twp_operator"])
def test_operator_exports_reimport_unchanged(session: Session, username: str) -> None:
    """A county or township operator's export names some people and bodies above them (a
    city leader holding a county assignment); re-importing it must still succeed."""
    actor = user_actor(session, username)
    before = counts(session)
    for kind in ORDER:
        exported = service.export(session, actor, kind, "csv")
        report = service.import_file(session, actor, kind, exported, f"{kind}.csv")
        assert report.unchanged == report.rows > 0, kind
    assert counts(session) == before


def test_export_columns_match_the_importer(session: Session, admin: Actor) -> None:
    for kind, module in KINDS.items():
        rows = _csv_rows(service.export(session, admin, kind, "csv"))
        assert rows[0] == [c.label for c in module.COLUMNS]
        assert all(len(r) == len(rows[0]) for r in rows)


def test_export_is_scoped_to_the_actor_and_to_under(session: Session, admin: Actor) -> None:
    county = user_actor(session, "wz_operator")
    rows = _csv_rows(service.export(session, county, "persons", "csv"))[1:]
    in_county = session.scalar(
        select(func.count())
        .select_from(Person)
        .join(Region, Region.id == Person.region_id)
        .where(Region.path.startswith("/500000/500101/"))
    )
    assert len(rows) == in_county > 0
    codes = {r[4] for r in rows}
    paths = session.scalars(select(Region.path).where(Region.code.in_(codes))).all()
    assert all(p.startswith("/500000/500101/") for p in paths)

    township = session.scalar(select(Region).where(Region.code == "500101001"))
    under = _csv_rows(service.export(session, admin, "persons", "csv", township.id))[1:]
    assert 0 < len(under) < len(rows)
    regions = _csv_rows(service.export(session, admin, "regions", "csv", township.id))[1:]
    assert regions and all(r[0].startswith("500101001") for r in regions)


def test_export_formula_guard_round_trips(session: Session, county: Actor) -> None:
    data = b"name,mobile,region_code,title\n=1+1,17498000061,500101,@home\n"
    service.import_file(session, county, "persons", data, "p.csv")
    exported = service.export(session, county, "persons", "csv")
    line = next(r for r in _csv_rows(exported) if r[1] == "17498000061")
    assert line[0] == "'=1+1" and line[3] == "'@home"
    report = service.import_file(session, county, "persons", exported, "p.csv")
    assert report.updated == 0
    assert session.scalar(select(Person.name).where(Person.mobile == "+8617498000061")) == "=1+1"
    wb = load_workbook(io.BytesIO(service.export(session, county, "persons", "xlsx")))
    cells = [row for row in wb.active.iter_rows(values_only=True) if row[1] == "17498000061"]
    assert cells[0][0] == "=1+1"  # stored as text, not a formula


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_import_cleanly(session: Session, admin: Actor, fmt: str) -> None:
    for kind in ORDER:
        data = service.template(kind, fmt)
        report = service.import_file(session, admin, kind, data, f"template.{fmt}")
        assert report.rows == 1, kind
    again = service.import_file(
        session, admin, "assignments", service.template("assignments", fmt), f"t.{fmt}"
    )
    assert again.unchanged == 1


def test_template_headers_are_chinese_and_xlsx_explains_columns() -> None:
    for kind, module in KINDS.items():
        rows = _csv_rows(service.template(kind, "csv"))
        assert rows[0] == [c.label for c in module.COLUMNS] and len(rows) == 2
        wb = load_workbook(io.BytesIO(service.template(kind, "xlsx")))
        assert wb.sheetnames == [module.LABEL, "说明"]
        notes = list(wb["说明"].iter_rows(values_only=True))
        assert [n[1] for n in notes[1 : len(module.COLUMNS) + 1]] == [
            c.name for c in module.COLUMNS
        ]
