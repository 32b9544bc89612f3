"""The intensity map a commander reads first: isoseismal zones over county boundaries, the
epicentre, the names of the hardest-hit counties, a legend with areas, a scale bar.

Drawn with matplotlib's object API on an Agg canvas (no pyplot global state, so it is safe
in worker threads); geometry goes in as whole paths and line collections, never point by
point, so even an M8 map renders in about a second.
"""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Any

import numpy as np
import shapely
from matplotlib import font_manager, patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry

from yingji.fonts import CJK_FONT_PATH, CJK_SC_INDEX
from yingji.quake import attenuation
from yingji.quake.labels import (
    ZONE_COLOURS,
    degree,
    lat_lon,
    magnitude_text,
    map_title,
    model_note,
    origin_time_text,
    place_text,
)
from yingji.quake.units import Units

MARGIN = 0.15
"""Share of the VI zone's span added on every side of the map."""
MAX_LABELS = 40
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON_EQUATOR = 111.32
OUTER_INTENSITY = 5.0
"""Where the assessment grid stops: the map's reach when no zone reaches VI."""
MIN_REACH_KM = 30.0
"""Smallest half-width of a map without a VI zone, so the neighbouring counties show."""
FIG_SIZE = (10.0, 8.6)
"""Inches; at 150 dpi the map is 1500 × 1290 px and fills an A4 page width."""
BOUNDARY_GREY = "#7d7d7d"
AXES_RECT = (0.075, 0.095, 0.9, 0.79)
"""Map axes in figure fractions (left, bottom, width, height)."""


@cache
def _font() -> font_manager.FontProperties:
    """The shipped Noto Sans CJK SC face (index 2 of the collection)."""
    font_path = getattr(font_manager, "FontPath", None)
    if font_path is not None:
        return font_manager.FontProperties(fname=font_path(str(CJK_FONT_PATH), CJK_SC_INDEX))
    font_manager.fontManager.addfont(str(CJK_FONT_PATH))  # older matplotlib: by family name
    return font_manager.FontProperties(family="Noto Sans CJK SC")


def _fp(size: float) -> font_manager.FontProperties:
    f = _font().copy()
    f.set_size(size)
    return f


def _edge(colour: str) -> str:
    """A darker shade of a zone's fill for its outline."""
    c = colour.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return "#{:02x}{:02x}{:02x}".format(*(int(v * 0.62) for v in (r, g, b)))


def _path(geom: BaseGeometry) -> MplPath:
    """One compound path for a (multi)polygon with holes; rings oriented so that holes stay
    empty under either fill rule."""
    oriented = shapely.orient_polygons(geom)
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in shapely.get_parts(oriented):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)
            if len(xy) < 4:
                continue
            c = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            c[0], c[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(verts), np.concatenate(codes))


def _segments(geoms: np.ndarray) -> list[np.ndarray]:
    """The boundary lines of polygons as arrays for a LineCollection."""
    lines = shapely.get_parts(shapely.boundary(geoms))
    coords, index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return []
    cuts = np.flatnonzero(np.diff(index)) + 1
    return np.split(coords, cuts)


def zones_of(result: dict[str, Any]) -> list[tuple[int, BaseGeometry, float]]:
    """(intensity, lon/lat shape, area km²) of each isoseismal, outermost first."""
    fc = result.get("isoseismals_geojson") or {}
    out = [
        (
            int(f["properties"]["intensity"]),
            shapely.geometry.shape(f["geometry"]),
            float(f["properties"].get("area_km2", 0.0)),
        )
        for f in fc.get("features", [])
    ]
    return sorted(out, key=lambda z: z[0])


def _km_per_deg_lon(lat: float) -> float:
    return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat))


def _reach_km(result: dict[str, Any]) -> float:
    """How far the assessment grid reaches (intensity V on the long axis)."""
    e, m = result["event"], result["model"]
    try:
        relation = attenuation.for_zone(m["relation"], m["zone"])
        ra = float(relation.long.radius(float(e.get("ms", e["magnitude"])), OUTER_INTENSITY))
    except (KeyError, ValueError):
        ra = 30.0
    return max(ra + float(m.get("rupture_length_km", 0.0)) / 2, MIN_REACH_KM)


def extent(result: dict[str, Any]) -> tuple[float, float, float, float]:
    """(lon0, lat0, lon1, lat1): the VI isoseismal's bounds (else the grid's reach) plus
    the margin."""
    e = result["event"]
    zones = zones_of(result)
    if zones:
        x0, y0, x1, y1 = zones[0][1].bounds
    else:
        reach = _reach_km(result)
        dx, dy = reach / _km_per_deg_lon(e["lat"]), reach / KM_PER_DEG_LAT
        x0, y0, x1, y1 = e["lon"] - dx, e["lat"] - dy, e["lon"] + dx, e["lat"] + dy
    pad = MARGIN * max(x1 - x0, (y1 - y0) / math.cos(math.radians(e["lat"])), 0.1)
    pad_y = pad * math.cos(math.radians(e["lat"]))
    return x0 - pad, y0 - pad_y, x1 + pad, y1 + pad_y


def epicentre_place(result: dict[str, Any], pool: Units) -> str | None:
    """Province, prefecture and county holding the epicentre (None offshore)."""
    e = result["event"]
    hit = pool.tree.query(shapely.Point(e["lon"], e["lat"]), predicate="intersects")
    if not len(hit):
        return None
    i = int(hit[0])
    province, parent, name = str(pool.provinces[i]), str(pool.parents[i]), str(pool.names[i])
    return "".join(dict.fromkeys(p for p in (province, parent, name) if p))


def _fit(
    box: tuple[float, float, float, float], aspect: float
) -> tuple[float, float, float, float]:
    """Widen ``box`` in one direction so that, drawn at ``aspect``, it fills the axes."""
    x0, y0, x1, y1 = box
    want = (FIG_SIZE[1] * AXES_RECT[3]) / (FIG_SIZE[0] * AXES_RECT[2])  # height / width
    have = (y1 - y0) * aspect / (x1 - x0)
    if have < want:
        grow = ((x1 - x0) * want / aspect - (y1 - y0)) / 2
        return x0, y0 - grow, x1, y1 + grow
    grow = ((y1 - y0) * aspect / want - (x1 - x0)) / 2
    return x0 - grow, y0, x1 + grow, y1


def _nice_km(span_km: float) -> float:
    """A round scale-bar length near a fifth of the map width."""
    target = span_km / 5
    power = 10 ** math.floor(math.log10(target))
    return max((s * power for s in (1, 2, 5, 10) if s * power <= target), default=power)


def _scale_bar(ax: Any, lat: float, box: tuple[float, float, float, float]) -> list[Any]:
    x0, y0, x1, y1 = box
    per_deg = _km_per_deg_lon(lat)
    length_km = _nice_km((x1 - x0) * per_deg)
    length = length_km / per_deg
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.045
    artists = [
        ax.add_patch(
            Rectangle(
                (bx - (x1 - x0) * 0.012, by - (y1 - y0) * 0.022),
                length + (x1 - x0) * 0.024,
                (y1 - y0) * 0.072,
                facecolor="white",
                edgecolor="#999999",
                alpha=0.85,
                lw=0.6,
                zorder=8,
            )
        )
    ]
    for k in range(2):
        artists.append(
            ax.add_patch(
                Rectangle(
                    (bx + k * length / 2, by),
                    length / 2,
                    h,
                    facecolor="black" if k == 0 else "white",
                    edgecolor="black",
                    lw=0.7,
                    zorder=9,
                )
            )
        )
    for x, text in ((bx, "0"), (bx + length / 2, f"{length_km / 2:g}"), (bx + length, "")):
        if text:
            artists.append(
                ax.text(
                    x, by + h * 1.6, text, ha="center", va="bottom", fontproperties=_fp(7), zorder=9
                )
            )
    artists.append(
        ax.text(
            bx + length,
            by + h * 1.6,
            f"{length_km:g} km",
            ha="center",
            va="bottom",
            fontproperties=_fp(7),
            zorder=9,
        )
    )
    return artists


def _north_arrow(ax: Any) -> Any:
    return ax.annotate(
        "N",
        xy=(0.955, 0.965),
        xytext=(0.955, 0.895),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontproperties=_fp(10),
        bbox={
            "boxstyle": "circle,pad=0.15",
            "facecolor": "white",
            "edgecolor": "none",
            "alpha": 0.85,
        },
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.4},
        zorder=9,
    )


def _label_candidates(
    result: dict[str, Any], pool: Units, box: tuple[float, float, float, float]
) -> list[tuple[str, float, float, int]]:
    """(name, lon, lat, intensity) for the most shaken, most populous counties: the label
    goes at a point inside the part of the county on the map."""
    counties = sorted(
        (c for c in result.get("counties", []) if int(c["max_intensity"]) >= 6),
        key=lambda c: (-int(c["max_intensity"]), -int(c["population"])),
    )[: MAX_LABELS * 2]
    if not counties:
        return []
    order = np.argsort(pool.codes)
    wanted = np.array([str(c["adcode"]) for c in counties])
    pos = np.searchsorted(pool.codes, wanted, sorter=order)
    pos = np.minimum(pos, len(order) - 1)
    index = order[pos]
    found = pool.codes[index] == wanted
    geoms = shapely.clip_by_rect(pool.geoms[index[found]], *box)
    points = shapely.point_on_surface(geoms)
    picked = [c for c, ok in zip(counties, found, strict=True) if ok]
    out = []
    for c, point in zip(picked, points, strict=True):
        if not point.is_empty:
            out.append((c["name"], point.x, point.y, int(c["max_intensity"])))
    return out


def _overlaps(b: Any, taken: list[Any]) -> bool:
    return any(b.overlaps(t) for t in taken)


def _place_labels(
    ax: Any,
    renderer: Any,
    candidates: list[tuple[str, float, float, int]],
    taken: list[Any],
) -> int:
    """Greedy placement: keep a label only where it clears every label, the legend and the
    scale bar; return how many were placed."""
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]
    axes_box = ax.get_window_extent(renderer)
    placed = 0
    for name, x, y, intensity in candidates:
        if placed >= MAX_LABELS:
            break
        size = 8.5 if intensity >= 8 else 7.5
        text = ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontproperties=_fp(size),
            zorder=7,
            path_effects=halo,
            color="#1a1a1a",
        )
        anchor = ax.transData.transform((x, y))
        first = text.get_window_extent(renderer)
        step = first.height * 1.25
        for dx, dy in ((0, 0), (0, -step), (0, step), (0, -2 * step), (0, 2 * step)):
            text.set_position(ax.transData.inverted().transform(anchor + np.array((dx, dy))))
            box = first.translated(dx, dy).expanded(1.06, 1.2)
            inside = (
                box.x0 >= axes_box.x0
                and box.x1 <= axes_box.x1
                and box.y0 >= axes_box.y0
                and box.y1 <= axes_box.y1
            )
            if inside and not _overlaps(box, taken):
                taken.append(box)
                placed += 1
                break
        else:
            text.remove()
    return placed


def _degree_axis(axis: Any, low: float, high: float, hemis: tuple[str, str]) -> None:
    """About seven ticks in degrees, with as many decimals as the tick step needs."""
    ticks = MaxNLocator(7).tick_values(low, high)
    step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = max(0, math.ceil(-math.log10(step) - 1e-9))

    def fmt(value: float, _pos: int) -> str:
        return f"{abs(value):.{decimals}f}°{hemis[0] if value >= 0 else hemis[1]}"

    axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(fmt))


def figure(result: dict[str, Any], pool: Units, place: str | None = None, dpi: int = 150) -> Figure:
    """The intensity map as a matplotlib Figure on an Agg canvas."""
    e = result["event"]
    lat = float(e["lat"])
    fig = Figure(figsize=FIG_SIZE, dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes(AXES_RECT)
    aspect = 1 / math.cos(math.radians(lat))
    box = _fit(extent(result), aspect)
    x0, y0, x1, y1 = box
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(aspect, adjustable="box")
    ax.set_facecolor("#fbfbf8")

    zones = zones_of(result)
    for intensity, shape, _area in zones:
        colour = ZONE_COLOURS.get(intensity, ZONE_COLOURS[12] if intensity > 12 else "#ffffff")
        ax.add_patch(PathPatch(_path(shape), facecolor=colour, edgecolor="none", zorder=1))

    dx, dy = (x1 - x0) * 0.02, (y1 - y0) * 0.02
    hits = pool.tree.query(shapely.box(*box))
    if len(hits):
        geoms = shapely.clip_by_rect(pool.geoms[hits], x0 - dx, y0 - dy, x1 + dx, y1 + dy)
        geoms = shapely.simplify(geoms, (x1 - x0) / 3000)
        ax.add_collection(
            LineCollection(_segments(geoms), colors=BOUNDARY_GREY, linewidths=0.5, zorder=2)
        )

    for intensity, shape, _area in zones:
        colour = ZONE_COLOURS.get(intensity, ZONE_COLOURS[12] if intensity > 12 else "#ffffff")
        ax.add_patch(
            PathPatch(_path(shape), facecolor="none", edgecolor=_edge(colour), lw=1.3, zorder=3)
        )

    # a white star under a red one keeps the epicentre visible on the dark-red zones
    ax.plot(
        [e["lon"]],
        [e["lat"]],
        marker="*",
        markersize=27,
        color="white",
        zorder=10,
        linestyle="none",
    )
    ax.plot(
        [e["lon"]],
        [e["lat"]],
        marker="*",
        markersize=20,
        color="#ff1010",
        markeredgecolor="#3a0000",
        markeredgewidth=0.9,
        zorder=10,
        linestyle="none",
    )

    areas = {int(z["intensity"]): float(z["area_km2"]) for z in result.get("isoseismals", [])}
    handles: list[Any] = [
        Patch(
            facecolor=ZONE_COLOURS.get(i, "#ffffff"),
            edgecolor=_edge(ZONE_COLOURS.get(i, "#ffffff")),
            label=f"{degree(i)}  {areas.get(i, a):,.0f} km²",
        )
        for i, _shape, a in reversed(zones)
    ]
    handles.append(
        Line2D(
            [],
            [],
            marker="*",
            markersize=13,
            color="#ff1010",
            markeredgecolor="#3a0000",
            markeredgewidth=0.7,
            linestyle="none",
            label=f"震中 {magnitude_text(e)}",
        )
    )
    handles.append(Line2D([], [], color=BOUNDARY_GREY, lw=0.8, label="县级行政区界"))
    legend = ax.legend(
        handles=handles,
        loc="upper left",
        prop=_fp(8.5),
        title="烈度 / 面积（该度及以上）" if zones else "图例",
        title_fontproperties=_fp(8.5),
        framealpha=0.92,
        edgecolor="#999999",
        fancybox=False,
    )
    legend.set_zorder(11)

    _degree_axis(ax.xaxis, x0, x1, ("E", "W"))
    _degree_axis(ax.yaxis, y0, y1, ("N", "S"))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    for tick in (*ax.get_xticklabels(), *ax.get_yticklabels()):
        tick.set_fontproperties(_fp(8))
    ax.tick_params(labelsize=8, direction="in", top=True, right=True)
    ax.grid(True, color="#b0b0b0", lw=0.4, ls=(0, (4, 4)), zorder=0)

    scale = _scale_bar(ax, lat, box)
    arrow = _north_arrow(ax)

    where = place_text(result, place)
    when = origin_time_text(e.get("origin_time"))
    fig.text(0.5, 0.955, map_title(result), ha="center", va="center", fontproperties=_fp(16))
    sub = [p for p in (where, when) if p]
    top = degree(int(result["max_intensity"]))
    sub.append(f"震中 {lat_lon(e)} · 深度 {e['depth_km']:g} km · 最高烈度 {top}")
    fig.text(
        0.5,
        0.915,
        " · ".join(sub),
        ha="center",
        va="center",
        fontproperties=_fp(9.5),
        color="#333333",
    )
    fig.text(
        0.5,
        0.03,
        model_note(result),
        ha="center",
        va="center",
        fontproperties=_fp(8),
        color="#555555",
    )

    renderer = canvas.get_renderer()
    taken = [legend.get_window_extent(renderer), arrow.get_window_extent(renderer)]
    taken += [a.get_window_extent(renderer) for a in scale]
    star = ax.transData.transform((e["lon"], e["lat"]))
    taken.append(_point_box(star, 10 * fig.dpi / 72))  # the star is 20 pt across
    candidates = _label_candidates(result, pool, box)
    if not candidates and place:  # nothing reached VI: name the epicentre's county
        hit = pool.tree.query(shapely.Point(e["lon"], e["lat"]), predicate="intersects")
        if len(hit):
            candidates = [(str(pool.names[int(hit[0])]), e["lon"], e["lat"] - (y1 - y0) * 0.04, 5)]
    _place_labels(ax, renderer, candidates, taken)
    return fig


def _point_box(xy: np.ndarray, half: float) -> Bbox:
    return Bbox([[xy[0] - half, xy[1] - half], [xy[0] + half, xy[1] + half]])


def render_png(result: dict[str, Any], pool: Units, dpi: int = 150) -> bytes:
    """The intensity map of ``result`` (``Assessment.as_dict(geojson=True)``) as PNG bytes."""
    fig = figure(result, pool, epicentre_place(result, pool), dpi)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()


def label_texts(result: dict[str, Any], pool: Units) -> list[str]:
    """Every string the map may print (for glyph checks)."""
    fig = figure(result, pool, epicentre_place(result, pool))
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [t.get_text() for t in legend.get_texts()]
            out.append(legend.get_title().get_text())
        out += [t.get_text() for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
    return out
