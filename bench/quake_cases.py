"""Accuracy of the intensity model against every official intensity map in
``yingji/quake/data/cases.csv``: maximum intensity, VI+ and VII+ areas, deaths range.

Prints a Markdown table (the one in bench/README.md) and returns the summary counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yingji.config import get_settings
from yingji.quake import assess, tables, units
from yingji.quake.source import Event

DEVELOPMENT = ("jishishan", "luding", "yangbi")


def _ratio(model: float, official: str) -> float | None:
    return round(model / float(official), 2) if official and float(official) > 0 else None


def run() -> dict[str, Any]:
    pool = units.counties(Path(get_settings().cache_dir))
    print(
        "| case | M | zone | max I model/official | VI+ km² model/official | ratio | VII+ ratio "
        "| deaths low–median–high |"
    )
    print("|---|---|---|---|---|---|---|---|")
    within2 = within15 = compared = 0
    for row in tables.rows("cases"):
        event = Event(
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            magnitude=float(row["magnitude"]),
            depth_km=float(row["depth_km"] or 10),
        )
        result = assess.assess(event, pool)
        areas = {z.intensity: z.area_km2 for z in result.zones}
        vi = _ratio(areas.get(6, 0.0), row["area_vi_km2"])
        vii = _ratio(areas.get(7, 0.0), row["area_vii_km2"])
        if vi is not None:
            compared += 1
            within2 += 0.5 <= vi <= 2
            within15 += 1 / 1.5 <= vi <= 1.5
        d = result.deaths
        mark = " (dev)" if row["key"] in DEVELOPMENT else ""
        print(
            f"| {row['key']}{mark} | {row['magnitude']} | {result.setting.zone} "
            f"| {result.max_intensity}/{row['max_intensity']} "
            f"| {areas.get(6, 0):,.0f}/{row['area_vi_km2'] or '—'} | {vi or '—'} | {vii or '—'} "
            f"| {d.low:,.0f}–{d.median:,.0f}–{d.high:,.0f} |"
        )
    return {"cases_with_area": compared, "vi_within_2x": within2, "vi_within_1_5x": within15}
