"""Rescue-resource samples for import tests: sheets with Chinese headers under 万州区 (500101).

The demo already holds 重庆's teams (XF-/ZH-/ZY-), warehouses (CK-) and materials (TENT-12…),
so samples use ``T-`` codes and the mobile 17498000091. Spreadsheet cells are text in the
CSV and typed (numbers, dates) in the XLSX, as a user's Excel would save them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from io_samples import plain_csv, plain_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yingji.auth.models import AuditEntry
from yingji.auth.scope import Actor
from yingji.io import service
from yingji.resources.models import Equipment, Material, RescueTeam, StockBatch, Warehouse

IN_WANZHOU = ("108.4092", "30.7021")
"""A point in 中和街道 (500101001), 万州区."""
IN_WANZHOU_2 = ("108.41", "30.7")
IN_YUZHONG = ("106.5357", "29.5518")
"""A point in 渝中区 (500103): outside 万州区."""
CONTACT = "17498000091"
PERSON_CSV = f"name,mobile,region_code\n测试联系人,{CONTACT},500101\n".encode()

SAMPLES: dict[str, tuple[list[str], list[list[str]]]] = {
    "materials": (
        ["编码", "名称", "单位", "类别", "参考单价（元）", "保质期（天）"],
        [
            ["T-MAT-TENT", "测试帐篷", "顶", "shelter", "1500", ""],
            ["T-MAT-WATER", "测试饮用水", "箱", "food", "32.5", "365"],
        ],
    ),
    "rescue_teams": (
        [
            "编码",
            "名称",
            "队伍类别",
            "人数",
            "技能",
            "状态",
            "经度",
            "纬度",
            "联系电话",
            "联系人手机",
            "备注",
        ],
        [
            [
                "T-TEAM-1",
                "测试山地救援队",
                "专业救援队伍",
                "24",
                "rescue，mountain",
                "待命",
                *IN_WANZHOU,
                "023-58000001",
                CONTACT,
                "",
            ],
            [
                "T-TEAM-2",
                "测试乡镇应急队",
                "township",
                "12",
                "",
                "resting",
                *IN_WANZHOU_2,
                "",
                "",
                "夜间值守",
            ],
        ],
    ),
    "warehouses": (
        ["仓库编码", "仓库名称", "级别", "经度", "纬度", "保管员手机"],
        [
            ["T-CK-1", "测试储备点", "乡镇", *IN_WANZHOU_2, CONTACT],
            ["T-CK-2", "测试区县库", "3", *IN_WANZHOU, ""],
        ],
    ),
    "equipment": (
        ["编码", "名称", "类型", "数量", "状态", "所属队伍编码", "经度", "纬度", "性能参数"],
        [
            [
                "T-ZB-1",
                "测试排涝泵",
                "pump",
                "2",
                "待命",
                "T-TEAM-1",
                "",
                "",
                "flow_m3h=300; head_m=30",
            ],
            [
                "T-ZB-2",
                "测试冲锋舟",
                "rescue_boat",
                "1",
                "维修",
                "",
                *IN_WANZHOU_2,
                '{"seats": 8, "engine": "40hp"}',
            ],
        ],
    ),
    "stock": (
        ["仓库编码", "物资编码", "批次", "数量", "有效期至"],
        [
            ["T-CK-1", "T-MAT-TENT", "2025-01", "50", ""],
            ["T-CK-1", "T-MAT-WATER", "", "120", "2026-06-30"],
            ["T-CK-1", "T-MAT-WATER", "B2", "10", ""],
            ["T-CK-2", "TENT-12", "2025-01", "0", ""],
        ],
    ),
}
"""Chinese headers and rows per kind; later kinds refer to earlier ones (and the demo)."""
ORDER = ("materials", "rescue_teams", "warehouses", "equipment", "stock")
MODELS = {
    "materials": Material,
    "rescue_teams": RescueTeam,
    "warehouses": Warehouse,
    "equipment": Equipment,
    "stock": StockBatch,
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def typed(rows: Sequence[Sequence[str]]) -> list[list[Any]]:
    """Cells as Excel holds them once typed in: numbers and dates, not text."""
    out = []
    for row in rows:
        cells: list[Any] = []
        for text in row:
            if _DATE.match(text):
                cells.append(dt.datetime.fromisoformat(text))
            elif _NUMBER.match(text):
                cells.append(float(text) if "." in text else int(text))
            else:
                cells.append(text)
        out.append(cells)
    return out


def sheet(header: Sequence[str], rows: Sequence[Sequence[str]], fmt: str = "csv") -> bytes:
    return plain_csv(header, rows) if fmt == "csv" else plain_xlsx(header, typed(rows))


def sample(kind: str, fmt: str = "csv") -> tuple[bytes, str]:
    header, rows = SAMPLES[kind]
    return sheet(header, rows, fmt), f"{kind}.{fmt}"


def load(session: Session, actor: Actor, *kinds: str, fmt: str = "csv") -> None:
    """The contact person, then ``kinds`` from the samples."""
    service.import_file(session, actor, "persons", PERSON_CSV, "persons.csv")
    for kind in kinds:
        data, name = sample(kind, fmt)
        service.import_file(session, actor, kind, data, name)


def counts(session: Session) -> dict[str, int]:
    """Rows per resources table, and audit entries."""
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (*MODELS.values(), AuditEntry)
    }
