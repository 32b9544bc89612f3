"""Import/export samples: sample sheets under 万州区 (500101) and the actors who load them.

The template database holds China's regions and the tiny demo (users ``admin``,
``wz_operator`` for 万州区, ``viewer``...). Sample codes use 5001019xx and ``T-`` prefixes
and mobiles 1749800xxxx so they never collide with demo records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry, User
from yingji.auth.scope import Actor
from yingji.auth.service import actor_for
from yingji.people.models import Assignment, Organisation, Person
from yingji.regions.models import Region

SQUARE = "POLYGON ((108.3 30.7, 108.4 30.7, 108.4 30.8, 108.3 30.8, 108.3 30.7))"
VILLAGE_GEOJSON = (
    '{"type": "Polygon", "coordinates": [[[108.31, 30.71], [108.33, 30.71], [108.33, 30.73], '
    "[108.31, 30.73], [108.31, 30.71]]]}"
)
SAMPLES: dict[str, tuple[list[str], list[list[str]]]] = {
    "regions": (
        ["code", "name", "level", "parent_code", "geometry", "lon", "lat", "population"],
        [
            ["500101901", "测试一街道", "township", "500101", SQUARE, "", "", "15000"],
            ["500101901001", "测试一村", "village", "500101901", VILLAGE_GEOJSON, "", "", "800"],
            ["500101901001-G1", "一号网格", "grid", "500101901001", "", "108.32", "30.72", "120"],
            ["500101902", "测试二镇", "乡镇", "500101", "", "108.5", "30.9", ""],
        ],
    ),
    "organisations": (
        ["code", "name", "kind", "subtype", "region_code", "parent_code"],
        [
            ["T-WZ-BUREAU", "测试应急局", "department", "应急管理", "500101", ""],
            ["T-WZ-TEAM", "测试救援队", "救援队伍", "", "500101001", "T-WZ-BUREAU"],
            ["T-WZ-ENT", "测试化工企业", "enterprise", "危险化学品", "500101002", ""],
        ],
    ),
    "persons": (
        [
            "name",
            "mobile",
            "mobile_alt",
            "title",
            "region_code",
            "organisation_code",
            "email",
            "office_phone",
            "wechat",
        ],
        [
            [
                "测试甲",
                "17498000001",
                "",
                "局长",
                "500101",
                "T-WZ-BUREAU",
                "jia@example.cn",
                "",
                "",
            ],
            ["测试乙", "+86 174 9800 0002", "17498000012", "网格员", "500101001", "", "", "", "wx"],
            ["测试丙", "86-17498000003", "", "队长", "500101002", "T-WZ-TEAM", "", "58000000", ""],
        ],
    ),
    "assignments": (
        ["mobile", "role", "target_kind", "target_code", "valid_from", "valid_to", "note"],
        [
            ["17498000001", "admin", "region", "500101", "2025-01-01", "", ""],
            ["17498000002", "网格员", "", "500101001", "2025-01-01", "2025-12-31", "巡查"],
            ["17498000003", "包保责任人", "单位", "T-WZ-ENT", "2025-03-01", "", ""],
        ],
    ),
}
"""English headers and rows per kind; later kinds refer to earlier ones (and to the demo)."""
ORDER = ("regions", "organisations", "persons", "assignments")
NEEDS = {
    "regions": (),
    "organisations": (),
    "persons": ("organisations",),
    "assignments": ("organisations", "persons"),
}


def plain_csv(
    header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> bytes:
    """A CSV as a user's spreadsheet program might save it (no BOM, no formula guard)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def plain_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """An XLSX with typed cells, as typed into Excel: numbers stay numbers."""
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sample(kind: str, fmt: str = "csv") -> tuple[bytes, str]:
    header, rows = SAMPLES[kind]
    data = plain_csv(header, rows) if fmt == "csv" else plain_xlsx(header, rows)
    return data, f"{kind}.{fmt}"


def counts(session: Session) -> dict[str, int]:
    """Rows per table touched by imports, and audit entries."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Region, Organisation, Person, Assignment, AuditEntry)
    }


def user_actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return actor_for(session, user)
