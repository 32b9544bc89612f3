"""Earthquake rapid assessment M6.2/M7.0/M8.0, cold CLI, PNG/PDF, OpenQuake side by side.

Also runs the same M7.0 grid through OpenQuake's Yu et al. (2013) GMPE for comparison.

Warm figures are the median of 5 runs of ``assess`` + ``as_dict(geojson=True)`` +
``json.dumps`` with the exposure units already loaded; cold figures come from fresh
processes (loading the units from the disk cache, and ``yingji quake assess`` end to end
with a cache warmed by one earlier run). The PNG map and PDF report are timed when
``yingji.quake.mapping`` / ``report`` provide ``render_png`` / ``render_pdf``.

OpenQuake is optional and never installed into the project's venv (it pins its own numpy):
the comparison runs this same file as a worker (``--openquake-worker IN OUT``) under the
interpreter named by ``YINGJI_OQ_PYTHON`` (default ``../oqvenv/bin/python`` beside the
checkout). hazardlib's Yu et al. (2013) loops over sites in Python, so the worker takes
every ``QUAKE_OQ_STRIDE``-th cell each way (default 5; 1 is the whole grid, ~10 minutes)
and ``QUAKE_OQ_REPEATS`` runs (default 3). PGA and PGV become intensity by GB/T
17742-2020 Appendix A.

The worker part imports only numpy, pyproj and openquake, so yingji is imported lazily.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "cache"
WARM_RUNS = 5
COLD_RUNS = 3
MAP_RUNS = 3
GOAL_ASSESS_S = 3.0
GOAL_MAPS_S = 10.0
EVENTS = (
    ("jishishan", 35.7, 102.79, 6.2, "M6.2 积石山 Jishishan"),
    ("m7", 30.3, 103.0, 7.0, "M7.0 (30.3, 103.0)"),
    ("wenchuan", 31.0, 103.4, 8.0, "M8.0 汶川 Wenchuan"),
)
OQ_DEFAULT_PYTHON = ROOT.parent / "oqvenv" / "bin" / "python"
YU_2013 = {"tibet": "Tibet", "east": "Eastern", "central": "Stable", "xinjiang": ""}
"""GB 18306 zone → suffix of hazardlib's Yu et al. (2013) class. The plain class (no suffix)
is hazardlib's active-crust table, taken here for Xinjiang; only Tibet is benchmarked."""
STAGES = (
    ("yingji.quake.assess", "setting_for", "setting"),
    ("yingji.quake.field", "grid_for", "grid"),
    ("yingji.quake.field", "intensity", "field"),
    ("yingji.quake.assess", "burn", "exposure"),
    ("yingji.quake.isoseismals", "zones", "isoseismals"),
    ("yingji.quake.losses", "estimate", "losses"),
    ("yingji.quake.assess", "impacts", "counties"),
)
"""Functions ``assess`` calls through module attributes, timed by wrapping them."""


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


# --- GB/T 17742-2020 Appendix A ---------------------------------------------------------


def intensity_from_motion(pga_ms2: np.ndarray, pgv_ms: np.ndarray) -> np.ndarray:
    """Instrumental intensity from PGA (m/s²) and PGV (m/s): I_V where both estimates
    reach 6.0, else their mean; to 0.1 and within 1..12 as the standard prescribes."""
    i_a = 3.17 * np.log10(pga_ms2) + 6.59
    i_v = 3.00 * np.log10(pgv_ms) + 9.77
    value = np.where((i_a >= 6.0) & (i_v >= 6.0), i_v, (i_a + i_v) / 2)
    return np.clip(np.round(value, 1), 1.0, 12.0)


def intensity_from_pga(pga_ms2: np.ndarray) -> np.ndarray:
    """I_A alone, to show how much of the difference the PGV branch makes."""
    return np.clip(np.round(3.17 * np.log10(pga_ms2) + 6.59, 1), 1.0, 12.0)


# --- OpenQuake worker (runs under the OpenQuake interpreter) ----------------------------


def _worker(src: Path, dst: Path) -> None:
    """Yu et al. (2013) PGA and PGV at the given sites, timed, then GB/T 17742 intensity."""
    started = time.perf_counter()
    from openquake.baselib import __version__ as oq_version
    from openquake.hazardlib.contexts import simple_cmaker
    from openquake.hazardlib.gsim import yu_2013
    from pyproj import Geod
    from scipy.constants import g

    import_s = time.perf_counter() - started
    with np.load(src, allow_pickle=False) as data:
        lon, lat = data["lon"], data["lat"]
        p = {k: float(data[k]) for k in ("lon0", "lat0", "mag", "depth_km", "strike")}
        gsim_name, repeats = str(data["gsim"]), int(data["repeats"])
    gsim = getattr(yu_2013, gsim_name)()

    started = time.perf_counter()
    azimuth, _, metres = Geod(ellps="WGS84").inv(
        np.full(lon.size, p["lon0"]), np.full(lon.size, p["lat0"]), lon.ravel(), lat.ravel()
    )
    repi = metres / 1000.0
    rhypo = np.hypot(repi, p["depth_km"])
    available = {
        "mag": p["mag"],
        "rake": 0.0,
        "hypo_depth": p["depth_km"],
        "repi": repi,
        "rjb": repi,
        "rhypo": rhypo,
        "rrup": rhypo,
        "azimuth": (azimuth - p["strike"]) % 360.0,  # clockwise from strike, as hazardlib's
    }
    cmaker = simple_cmaker([gsim], ["PGA", "PGV"])
    ctx = cmaker.new_ctx(lon.size)
    for name in ctx.dtype.names:
        if name in available:
            ctx[name] = available[name]
    missing = (set(gsim.REQUIRES_DISTANCES) | set(gsim.REQUIRES_RUPTURE_PARAMETERS)) - set(
        available
    )
    if missing:
        raise SystemExit(f"{gsim_name} needs {sorted(missing)}, which this worker lacks")
    context_s = time.perf_counter() - started

    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        mean = cmaker.get_mean_stds([ctx])[0, 0]  # (M, N): ln of PGA in g, PGV in cm/s
        pga_ms2 = np.exp(mean[0]) * g
        pgv_ms = np.exp(mean[1]) / 100.0
        values = intensity_from_motion(pga_ms2, pgv_ms)
        runs.append(time.perf_counter() - started)
    np.savez(
        dst,
        intensity=values.reshape(lon.shape).astype(np.float32),
        pga_ms2=pga_ms2.reshape(lon.shape),
        pgv_ms=pgv_ms.reshape(lon.shape),
        runs=np.array(runs),
        import_s=import_s,
        context_s=context_s,
        version=oq_version,
        numpy=np.__version__,
    )


# --- the benchmark (runs under the project's interpreter) -------------------------------


@contextlib.contextmanager
def _stage_timer() -> Iterator[dict[str, float]]:
    """Wrap the stage functions ``assess`` calls and add up their time per stage."""
    import importlib

    spent: dict[str, float] = {}
    restore = []

    def timed(fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - started

        return wrapper

    for module_name, attr, label in STAGES:
        module = importlib.import_module(module_name)
        if hasattr(module, attr):
            original = getattr(module, attr)
            restore.append((module, attr, original))
            setattr(module, attr, timed(original, label))
    try:
        yield spent
    finally:
        for module, attr, original in restore:
            setattr(module, attr, original)


def _warm(pool: Any, lat: float, lon: float, mag: float) -> tuple[dict[str, Any], Any]:
    """Median of WARM_RUNS whole assessments (assessment, result dict, JSON) and its parts."""
    from yingji.quake.assess import assess
    from yingji.quake.source import Event

    event = Event(lat=lat, lon=lon, magnitude=mag)
    whole, compute, dump, stages = [], [], [], []
    result = None
    for _ in range(WARM_RUNS):
        with _stage_timer() as spent:
            started = time.perf_counter()
            result = assess(event, pool)
            middle = time.perf_counter()
            text = json.dumps(result.as_dict(geojson=True), ensure_ascii=False)
            ended = time.perf_counter()
        whole.append(ended - started)
        compute.append(middle - started)
        dump.append(ended - middle)
        stages.append(dict(spent))
    labels = [label for _, _, label in STAGES if label in stages[0]]
    figures = {
        "whole_s": round(_median(whole), 3),
        "assess_s": round(_median(compute), 3),
        "json_s": round(_median(dump), 3),
        "json_kb": round(len(text.encode()) / 1024, 1),
        "cells": int(result.values.size),
        "cell_km": round(result.grid.cell_km, 3),
        "max_intensity": result.max_intensity,
        "vi_area_km2": round(result.zones[0].area_km2) if result.zones else 0,
        "stages_s": {k: round(_median([s.get(k, 0.0) for s in stages]), 3) for k in labels},
    }
    return figures, result


def _cold_pool() -> dict[str, float]:
    """Fresh interpreters: import of the quake package, then units from the disk cache."""
    code = (
        "import json, sys, time\n"
        "t0 = time.perf_counter()\n"
        "from pathlib import Path\n"
        "from yingji.quake import units\n"
        "t1 = time.perf_counter()\n"
        "pool = units.counties(Path(sys.argv[1]))\n"
        "t2 = time.perf_counter()\n"
        "print(json.dumps({'import_s': t1 - t0, 'load_s': t2 - t1, 'units': len(pool)}))\n"
    )
    loads, imports, walls, count = [], [], [], 0
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code, str(CACHE)], capture_output=True, text=True, check=True
        )
        walls.append(time.perf_counter() - started)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        loads.append(row["load_s"])
        imports.append(row["import_s"])
        count = row["units"]
    return {
        "pool_cold_load_s": round(_median(loads), 3),
        "pool_cold_import_s": round(_median(imports), 3),
        "pool_cold_process_s": round(_median(walls), 3),
        "units": count,
    }


def _cold_cli() -> dict[str, Any]:
    """``yingji quake assess`` M7.0 end to end in fresh processes; one first run fills an
    empty cache directory, the timed runs then read it."""
    cli = Path(sys.executable).with_name("yingji")
    args = [str(cli), "quake", "assess", "--lat", "30.3", "--lon", "103.0", "--mag", "7.0"]
    args += ["--format", "json"]
    with tempfile.TemporaryDirectory(prefix="quake-bench-") as tmp:
        env = {**os.environ, "YINGJI_CACHE_DIR": tmp}

        def once() -> tuple[float, dict[str, Any]]:
            started = time.perf_counter()
            out = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
            return time.perf_counter() - started, json.loads(out.stdout)

        first_s, _ = once()
        runs = [once() for _ in range(COLD_RUNS)]
    data = runs[-1][1]
    code = (
        "import time; t = time.perf_counter(); import yingji.quake.cli; "
        "print(time.perf_counter() - t)"
    )
    imports = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout)
        for _ in range(COLD_RUNS)
    ]
    return {
        "cli_first_run_s": round(first_s, 2),
        "cli_cold_s": round(_median([s for s, _ in runs]), 2),
        "cli_import_s": round(_median(imports), 2),
        "cli_elapsed_s": data.get("elapsed_s"),
        "cli_max_intensity": data.get("max_intensity"),
    }


def _maps(result: dict[str, Any], pool: Any) -> dict[str, Any]:
    """PNG map and PDF report of the M7.0 result, if those modules are there yet."""
    try:
        from yingji.quake.mapping import render_png
        from yingji.quake.report import render_pdf
    except ImportError as exc:
        return {"maps": f"not available ({exc})"}
    png_runs, pdf_runs = [], []
    png = pdf = b""
    for _ in range(MAP_RUNS):
        started = time.perf_counter()
        png = render_png(result, pool)
        png_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        pdf = render_pdf(result, png)
        pdf_runs.append(time.perf_counter() - started)
    png_s, pdf_s = _median(png_runs), _median(pdf_runs)
    return {
        "png_s": round(png_s, 2),
        "png_kb": round(len(png) / 1024),
        "pdf_s": round(pdf_s, 2),
        "pdf_kb": round(len(pdf) / 1024),
        "maps_s": round(png_s + pdf_s, 2),
    }


def _oq_python() -> Path | None:
    named = os.environ.get("YINGJI_OQ_PYTHON")
    if named:
        return Path(named)
    return OQ_DEFAULT_PYTHON if OQ_DEFAULT_PYTHON.exists() else None


def _areas(values: np.ndarray, cell_area: float) -> dict[str, float]:
    """Area (km²) at or above each intensity VI..X, counted in cells."""
    return {str(i): round(float((values >= i).sum()) * cell_area) for i in range(6, 11)}


def _openquake(result: Any) -> dict[str, Any]:
    """The M7.0 grid (every stride-th cell) through hazardlib's Yu et al. (2013)."""
    python = _oq_python()
    if python is None:
        return {"openquake": "not installed: skipped (set YINGJI_OQ_PYTHON)"}
    stride = max(1, int(os.environ.get("QUAKE_OQ_STRIDE", "5")))
    repeats = max(1, int(os.environ.get("QUAKE_OQ_REPEATS", "3")))
    grid, event, setting = result.grid, result.event, result.setting
    start = grid.half_cells % stride  # keep the epicentre's cell among the samples
    pick = (slice(start, None, stride), slice(start, None, stride))
    lon, lat = (a[pick] for a in grid.lonlat)
    kind = "Mw" if event.magnitude_type == "Mw" else "Ms"
    gsim = f"YuEtAl2013{kind}{YU_2013[setting.zone]}"
    with tempfile.TemporaryDirectory(prefix="quake-oq-") as tmp:
        src, dst = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        np.savez(
            src,
            lon=lon,
            lat=lat,
            lon0=event.lon,
            lat0=event.lat,
            mag=event.magnitude,
            depth_km=event.depth_km,
            strike=setting.strike,
            gsim=gsim,
            repeats=repeats,
        )
        started = time.perf_counter()
        subprocess.run(
            [str(python), str(Path(__file__).resolve()), "--openquake-worker", str(src), str(dst)],
            check=True,
            cwd=tmp,
        )
        process_s = time.perf_counter() - started
        with np.load(dst, allow_pickle=False) as out:
            oq = {k: out[k] for k in out.files}
    sample_area = (stride * grid.cell_km) ** 2
    ours = result.values[pick]
    theirs = oq["intensity"]
    shaken = (ours >= 6) | (theirs >= 6)
    median_s = _median(list(oq["runs"]))
    return {
        "oq_version": str(oq["version"]),
        "oq_gsim": gsim,
        "oq_sites": int(lon.size),
        "oq_stride": stride,
        "oq_runs": len(oq["runs"]),
        "oq_gmpe_s": round(median_s, 2),
        "oq_us_per_site": round(median_s / lon.size * 1e6),
        "oq_full_grid_s_est": round(median_s / lon.size * result.values.size, 1),
        "oq_import_s": round(float(oq["import_s"]), 2),
        "oq_context_s": round(float(oq["context_s"]), 3),
        "oq_process_s": round(process_s, 1),
        "oq_max_intensity": round(float(theirs.max()), 1),
        "oq_max_pga_g": round(float(oq["pga_ms2"].max()) / 9.80665, 3),
        "oq_max_pgv_cms": round(float(oq["pgv_ms"].max()) * 100, 1),
        "oq_area_km2": _areas(theirs, sample_area),
        "ours_same_cells_area_km2": _areas(ours, sample_area),
        "ours_area_km2": _areas(result.values, grid.cell_area_km2),
        "oq_vi_area_pga_only_km2": round(
            float((intensity_from_pga(oq["pga_ms2"]) >= 6).sum()) * sample_area
        ),
        "oq_minus_ours_mean": round(float((theirs[shaken] - ours[shaken]).mean()), 2),
    }


def _table(figures: dict[str, Any]) -> str:
    """The figures as a plain-text table for the terminal."""
    rows: list[tuple[str, str, str]] = []
    for key, _, _, _, label in EVENTS:
        f = figures[key]
        goal = f"< {GOAL_ASSESS_S:.0f} s" if key == "m7" else ""
        rows.append((f"{label}: whole, warm (median of {WARM_RUNS})", f"{f['whole_s']} s", goal))
        parts = ", ".join(f"{k} {v}" for k, v in f["stages_s"].items())
        rows.append(("  assess / as_dict+JSON", f"{f['assess_s']} / {f['json_s']} s", ""))
        rows.append(("  stages", parts, ""))
        rows.append(("  grid", f"{f['cells']:,} cells of {f['cell_km']} km", ""))
    rows.append(("units from disk cache, fresh process", f"{figures['pool_cold_load_s']} s", ""))
    rows.append(("  import yingji.quake first", f"{figures['pool_cold_import_s']} s", ""))
    rows.append(("CLI M7.0 --format json, cold process", f"{figures['cli_cold_s']} s", ""))
    rows.append(("  of which import yingji.quake.cli", f"{figures['cli_import_s']} s", ""))
    rows.append(("  first CLI run (fills the cache)", f"{figures['cli_first_run_s']} s", ""))
    if "maps_s" in figures:
        rows.append(("PNG map M7.0", f"{figures['png_s']} s ({figures['png_kb']} KB)", ""))
        rows.append(("PDF report M7.0", f"{figures['pdf_s']} s ({figures['pdf_kb']} KB)", ""))
        rows.append(("  PNG + PDF", f"{figures['maps_s']} s", f"< {GOAL_MAPS_S:.0f} s"))
    else:
        rows.append(("PNG map / PDF report", figures["maps"], ""))
    if "oq_gmpe_s" in figures:
        f = figures
        rows.append(
            (
                f"OpenQuake {f['oq_version']} {f['oq_gsim']}",
                f"{f['oq_gmpe_s']} s for {f['oq_sites']:,} sites (median of {f['oq_runs']})",
                "",
            )
        )
        per_site = f"{f['oq_us_per_site']:,} µs / {f['oq_full_grid_s_est']} s"
        rows.append(("  per site / whole grid (estimate)", per_site, ""))
        for i in ("6", "7", "8"):
            rows.append(
                (
                    f"  area ≥ {i}: ours (same cells) vs OpenQuake",
                    f"{f['ours_same_cells_area_km2'][i]:,} vs {f['oq_area_km2'][i]:,} km²",
                    "",
                )
            )
        rows.append(
            (
                "  area ≥ 6 with OpenQuake's I_A (PGA) alone",
                f"{f['oq_vi_area_pga_only_km2']:,} km²",
                "",
            )
        )
        rows.append(
            (
                "  max intensity ours vs OpenQuake",
                f"{figures['m7']['max_intensity']} vs {f['oq_max_intensity']}",
                "",
            )
        )
    else:
        rows.append(("OpenQuake Yu et al. (2013)", figures["openquake"], ""))
    load = f"{figures['load_average_start']} → {figures['load_average_end']}"
    rows.append(("load average (1 min) at start → end", load, ""))
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b}" + (f"   (goal {c})" if c else "") for a, b, c in rows)


def run() -> dict[str, Any]:
    from yingji.quake import units

    figures: dict[str, Any] = {"load_average_start": round(os.getloadavg()[0], 1)}
    started = time.perf_counter()
    pool = units.counties(CACHE)
    figures["pool_load_s"] = round(time.perf_counter() - started, 3)
    results = {}
    for key, lat, lon, mag, _ in EVENTS:
        figures[key], results[key] = _warm(pool, lat, lon, mag)
    figures |= _cold_pool()
    figures |= _cold_cli()
    m7 = results["m7"].as_dict(geojson=True)
    figures |= _maps(m7, pool)
    figures |= _openquake(results["m7"])
    figures["goal_m7_met"] = figures["m7"]["whole_s"] < GOAL_ASSESS_S
    if "maps_s" in figures:
        figures["goal_maps_met"] = figures["maps_s"] < GOAL_MAPS_S
    figures["load_average_end"] = round(os.getloadavg()[0], 1)
    print(_table(figures), file=sys.stderr, flush=True)
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--openquake-worker"]:
        _worker(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        print(json.dumps(run(), ensure_ascii=False))
