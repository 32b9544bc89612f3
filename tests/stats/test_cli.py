"""``yingji stats hazards`` and ``yingji stats refresh``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def test_table_and_xlsx(cli: Any, hazards: dict[int, int], tmp_path: Path) -> None:
    result = cli("stats", "refresh", "--full")
    assert result.exit_code == 0, result.output
    assert "重算" in result.output
    window = ("--from", "2026-10-01", "--to", "2026-11-29")
    result = cli("stats", "hazards", "--under", "500101", *window)
    assert result.exit_code == 0, result.output
    assert "万州区" in result.output and "中和街道" in result.output
    lines = {ln.split()[0]: ln.split()[1:] for ln in result.output.splitlines() if ln.strip()}
    assert lines["排查"] == ["5"] and lines["整改率"] == ["20.0%"] and lines["销号"] == ["2"]
    target = tmp_path / "stats.xlsx"
    result = cli("stats", "hazards", "--under", "500101", "--xlsx", str(target))
    assert result.exit_code == 0, result.output
    assert "按行业" in load_workbook(target).sheetnames


def test_unknown_region(cli: Any, hazards: dict[int, int]) -> None:
    result = cli("stats", "hazards", "--under", "999999")
    assert result.exit_code == 1
    assert "999999" in result.output
