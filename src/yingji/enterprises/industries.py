"""GB/T 4754-2017 divisions and the default supervising sector of each (三管三必须)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_CODE = re.compile(r"^\d{2,4}$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    section: str
    section_name: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("yingji.enterprises").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache
def divisions() -> dict[str, Division]:
    return {r["code"]: Division(**r) for r in _rows("industries.csv")}


@lru_cache
def _sectors() -> list[tuple[int, int, str]]:
    return [(int(r["from"]), int(r["to"]), r["sector"]) for r in _rows("supervision.csv")]


def check(code: str) -> Division:
    """The division of a 2-4 digit industry code, or ``ValueError`` saying why it is wrong."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise ValueError(
            f"行业代码须为 2-4 位数字（GB/T 4754）/ industry code must be 2-4 digits: {code!r}"
        )
    division = divisions().get(code[:2])
    if division is None:
        raise ValueError(f"无此行业大类 / no GB/T 4754 division {code[:2]}")
    return division


def supervising_sector(code: str) -> str:
    """The sector whose department supervises this industry by default."""
    n = int(check(code).code)
    return next(sector for lo, hi, sector in _sectors() if lo <= n <= hi)
