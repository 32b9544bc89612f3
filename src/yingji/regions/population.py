"""2020 census population mapped onto today's county-level polygons.

The census tabulates 2,988 units under end-2020 codes; the boundary data uses current codes
and has no polygons for statistics-only units (development zones). The resolver assigns
every census person to exactly one current polygon, so totals stay exact
(1,409,778,724); the rules are documented in ``data/README.md``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"
CENSUS_CSV = DATA / "county_population.csv"
CODE_MAP_CSV = DATA / "population_code_map.csv"
CENSUS_TOTAL = 1_409_778_724
STATISTICAL_ONLY = "NBS-statistical-only"


@dataclass(frozen=True)
class CensusRow:
    adcode: str
    name: str
    population: int
    code_type: str
    adcode_2024: tuple[str, ...]


def read_census(path: Path = CENSUS_CSV) -> list[CensusRow]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            CensusRow(
                adcode=r["adcode"],
                name=r["name"],
                population=int(r["population"]),
                code_type=r["code_type"],
                adcode_2024=tuple(c for c in r["adcode_2024"].split(";") if c),
            )
            for r in csv.DictReader(fh)
        ]


def read_code_map(path: Path = CODE_MAP_CSV) -> dict[str, tuple[str, ...]]:
    """Extra old-code → current-codes mappings the census file does not carry."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            r["old_code"]: tuple(c for c in r["new_codes"].split(";") if c)
            for r in csv.DictReader(fh)
        }


def apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to integer ``weights`` by the largest-remainder method;
    the parts always add up to ``total``. Ties go to the earlier weight."""
    if not weights:
        raise ValueError("no weights to apportion over")
    wsum = sum(weights)
    if wsum <= 0:
        weights, wsum = [1] * len(weights), len(weights)
    parts = [total * w // wsum for w in weights]
    remainders = [total * w % wsum for w in weights]
    short = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        parts[i] += 1
    return parts


def resolve(
    rows: Iterable[CensusRow],
    units: Mapping[str, float],
    code_map: Mapping[str, tuple[str, ...]],
) -> dict[str, int]:
    """Population per county-level unit.

    ``units`` maps each county-level polygon code (level 3, or a level-2 region with no
    counties such as 东莞) to its area in km². Returns a value for every unit (0 when no
    census row lands on it); the values add up to the sum of ``rows``.
    """
    rows = list(rows)
    codes = sorted(units)
    area_weight = {c: round(units[c] * 1e6) for c in codes}  # m², integer for exact splits
    result = dict.fromkeys(codes, 0)
    deferred: list[CensusRow] = []
    for row in rows:
        if row.code_type == STATISTICAL_ONLY:
            deferred.append(row)
            continue
        targets = _targets(row, units, code_map)
        if not targets:
            raise ValueError(f"census unit {row.adcode} {row.name} maps to no polygon")
        shares = apportion(row.population, [area_weight[t] for t in targets])
        for code, share in zip(targets, shares, strict=True):
            result[code] += share
    # Statistics-only units (development zones) live inside official counties: spread them
    # over their prefecture's counties by census population, else over their province's.
    mapped = dict(result)
    by_prefix: dict[str, list[str]] = {}
    for code in codes:
        by_prefix.setdefault(code[:4], []).append(code)
        by_prefix.setdefault(code[:2], []).append(code)
    for row in deferred:
        targets = by_prefix.get(row.adcode[:4], [])
        if not any(mapped[c] for c in targets):
            targets = by_prefix.get(row.adcode[:2], [])
        if not targets:
            raise ValueError(f"census unit {row.adcode} {row.name} has no province counties")
        shares = apportion(row.population, [mapped[t] for t in targets])
        for code, share in zip(targets, shares, strict=True):
            result[code] += share
    return result


def _targets(
    row: CensusRow, units: Mapping[str, float], code_map: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """Current polygon codes for an official census unit, most specific rule first."""
    if row.adcode in code_map:
        mapped = [c for c in code_map[row.adcode] if c in units]
        if mapped:
            return sorted(set(mapped))
    if row.adcode in units:
        return [row.adcode]
    return sorted({c for c in row.adcode_2024 if c in units})
