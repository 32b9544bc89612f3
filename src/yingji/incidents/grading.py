"""Automatic grading (分级): production-safety accidents by the State Council Order 493
thresholds (reference §3), natural disasters by the response-level thresholds in
``data/natural_levels.csv``. Grade 1 is the most serious (特别重大 / level I), 4 the least;
natural disasters below level IV get no grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yingji import tables
from yingji.config import get_settings
from yingji.incidents.types import IncidentType

ACCIDENT_GRADES = {1: "特别重大", 2: "重大", 3: "较大", 4: "一般"}
LEVEL_NAMES = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "Ⅳ级"}

ORDER_493 = (
    # grade, deaths, seriously injured (incl. acute poisoning), direct loss in yuan
    (1, 30, 100, 100_000_000),
    (2, 10, 50, 50_000_000),
    (3, 3, 10, 10_000_000),
)
"""Order 493 Art. 3: the highest grade any of the three reaches decides; below all, 一般."""


@dataclass(frozen=True)
class Grade:
    grade: int | None
    basis: str
    """What decided it, e.g. ``死亡 12 人 ≥ 10``."""


@dataclass(frozen=True)
class Figures:
    dead: int = 0
    missing: int = 0
    seriously_injured: int = 0
    affected: int = 0
    direct_loss_yuan: float = 0.0


def accident(f: Figures) -> Grade:
    for grade, deaths, injured, loss in ORDER_493:
        reasons = []
        if f.dead >= deaths:
            reasons.append(f"死亡 {f.dead} 人 ≥ {deaths}")
        if f.seriously_injured >= injured:
            reasons.append(f"重伤 {f.seriously_injured} 人 ≥ {injured}")
        if f.direct_loss_yuan >= loss:
            reasons.append(
                f"直接经济损失 {f.direct_loss_yuan / 1e4:,.0f} 万元 ≥ {loss // 10_000:,} 万元"
            )
        if reasons:
            return Grade(grade, "；".join(reasons))
    return Grade(4, "低于较大事故标准")


NATURAL_LEVELS = Path(__file__).parent / "data" / "natural_levels.csv"


def _natural_rows() -> list[tuple[int, int, int]]:
    """(level, dead and missing, people needing relief), level I first."""
    path = get_settings().natural_levels_file or NATURAL_LEVELS
    rows = tables.read(path)
    return sorted((int(r["level"]), int(r["dead_missing"]), int(r["relief"])) for r in rows)


def natural(f: Figures) -> Grade:
    lost = f.dead + f.missing
    for level, dead_missing, relief in _natural_rows():
        reasons = []
        if lost >= dead_missing:
            reasons.append(f"死亡失踪 {lost} 人 ≥ {dead_missing}")
        if f.affected >= relief:
            reasons.append(f"需救助 {f.affected:,} 人 ≥ {relief:,}")
        if reasons:
            return Grade(level, "；".join(reasons))
    return Grade(None, "未达Ⅳ级响应标准")


def grade(kind: IncidentType, f: Figures) -> Grade:
    if kind.grading == "accident":
        return accident(f)
    if kind.grading == "natural":
        return natural(f)
    return Grade(None, "人工定级 / graded by hand")


def label(kind: IncidentType, value: int | None) -> str:
    """How the grade is said for this type: 较大事故 or Ⅲ级."""
    if value is None:
        return "未定级"
    return ACCIDENT_GRADES[value] if kind.grading == "accident" else LEVEL_NAMES[value]
