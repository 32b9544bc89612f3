"""The census resolver and integer apportionment (pure functions, no database)."""

from __future__ import annotations

import pytest

from yingji.regions.population import CensusRow, apportion, read_census, read_code_map, resolve


def test_apportion_is_exact_and_proportional() -> None:
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert apportion(100, [3, 1]) == [75, 25]
    assert apportion(7, [0, 0]) == [4, 3]  # no weight at all: equal split
    parts = apportion(1_000_003, [17, 5, 123, 9])
    assert sum(parts) == 1_000_003
    assert all(
        abs(p - 1_000_003 * w / 154) < 1 for p, w in zip(parts, [17, 5, 123, 9], strict=True)
    )
    with pytest.raises(ValueError):
        apportion(5, [])


def _row(code: str, pop: int, kind: str = "GB/T2260", new: str = "") -> CensusRow:
    return CensusRow(code, code, pop, kind, tuple(c for c in new.split(";") if c))


def test_resolve_rules() -> None:
    units = {"110101": 10.0, "110102": 30.0, "110103": 10.0, "120101": 5.0}
    rows = [
        _row("110101", 1000),  # own polygon
        _row("110199", 400, new="110102;110103"),  # renamed and split: by area 3:1
        _row("110198", 50, new="110102"),
        _row("120188", 7),  # mapped by the code map
        _row("110171", 2000, kind="NBS-statistical-only"),  # spread by population
        _row("120171", 10, kind="NBS-statistical-only"),
    ]
    out = resolve(rows, units, {"120188": ("120101",)})
    assert sum(out.values()) == sum(r.population for r in rows)
    assert out["120101"] == 17
    # before the spread: 110101=1000, 110102=300+50=350, 110103=100 (of 1450)
    assert out["110101"] == 1000 + round(2000 * 1000 / 1450)
    assert out["110103"] == 100 + round(2000 * 100 / 1450)


def test_code_map_overrides_a_code_that_still_has_a_polygon() -> None:
    units = {"330110": 3.0, "330113": 1.0}
    out = resolve([_row("330110", 4000)], units, {"330110": ("330110", "330113")})
    assert out == {"330110": 3000, "330113": 1000}


def test_unmappable_row_is_an_error() -> None:
    with pytest.raises(ValueError, match="990101"):
        resolve([_row("990101", 5)], {"110101": 1.0}, {})


def test_shipped_files_cover_the_census() -> None:
    rows = read_census()
    assert len(rows) == 2988 and sum(r.population for r in rows) == 1_409_778_724
    assert read_code_map()["330110"] == ("330110", "330113")
