"""Automatic grading at the edges of the Order 493 thresholds and of the natural-disaster
response levels, and the setting that replaces the latter."""

from __future__ import annotations

import pytest

from yingji.config import get_settings
from yingji.incidents import grading, types

F = grading.Figures
MINE, FLOOD = types.get("mine"), types.get("洪涝灾害")


@pytest.mark.parametrize(
    ("figures", "grade"),
    [
        (F(dead=30), 1),
        (F(dead=29), 2),
        (F(dead=10), 2),
        (F(dead=9), 3),
        (F(dead=3), 3),
        (F(dead=2), 4),
        (F(seriously_injured=100), 1),
        (F(seriously_injured=99), 2),
        (F(seriously_injured=50), 2),
        (F(seriously_injured=49), 3),
        (F(seriously_injured=10), 3),
        (F(seriously_injured=9), 4),
        (F(direct_loss_yuan=1e8), 1),
        (F(direct_loss_yuan=1e8 - 1), 2),
        (F(direct_loss_yuan=5e7), 2),
        (F(direct_loss_yuan=1e7), 3),
        (F(direct_loss_yuan=1e7 - 1), 4),
        (F(dead=2, seriously_injured=9, direct_loss_yuan=5e7), 2),  # the highest decides
        (F(), 4),
    ],
)
def test_order_493_thresholds(figures, grade) -> None:
    assert grading.grade(MINE, figures).grade == grade


def test_the_basis_names_what_decided() -> None:
    basis = grading.grade(MINE, F(dead=12, seriously_injured=60)).basis
    assert "死亡 12 人 ≥ 10" in basis and "重伤 60 人 ≥ 50" in basis


@pytest.mark.parametrize(
    ("figures", "level"),
    [
        (F(dead=150, missing=50), 1),
        (F(dead=199), 2),
        (F(dead=60, missing=40), 2),
        (F(dead=49), 4),
        (F(dead=20), 4),
        (F(dead=19), None),
        (F(affected=2_000_000), 1),
        (F(affected=1_999_999), 2),
        (F(affected=500_000), 3),
        (F(affected=99_999), None),
    ],
)
def test_natural_disaster_levels(figures, level) -> None:
    assert grading.grade(FLOOD, figures).grade == level


def test_local_thresholds_replace_the_national_ones(tmp_path, monkeypatch) -> None:
    local = tmp_path / "levels.csv"
    local.write_text(
        "# a county's own thresholds\nlevel,dead_missing,relief\n3,3,1000\n4,1,100\n", "utf-8"
    )
    monkeypatch.setenv("YINGJI_NATURAL_LEVELS_FILE", str(local))
    get_settings.cache_clear()
    try:
        assert grading.grade(FLOOD, F(dead=1)).grade == 4
        assert grading.grade(FLOOD, F(affected=1000)).grade == 3
    finally:
        get_settings.cache_clear()


def test_unknown_types_are_named() -> None:
    with pytest.raises(Exception) as caught:
        types.get("meteor")
    assert "meteor" in str(caught.value)
