"""Where a subtree's figures come from: the summary tables for a province, a prefecture or
the country, the hazard table for a county or below. Both answer the same four questions
with the same definitions, so the service does not care which it holds (and the tests
check that they agree)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from yingji.stats import figures, raw
from yingji.stats.figures import Tally
from yingji.stats.models import DIM_ALL, DIM_INDUSTRY
from yingji.stats.periods import Window


class Source(Protocol):
    def totals(self, window: Window, *, now_figures: bool = True) -> Tally:
        """The whole subtree (open-now figures only with ``now_figures``)."""
        ...

    def children(self, window: Window) -> dict[str, Tally]:
        """Per child path, rolled up; hazards at the subtree's own region are left out."""
        ...

    def breakdown(self, dim: str, window: Window) -> dict[str, Tally]:
        """Per industry division (``ind``) or department id (``dept``)."""
        ...

    def months(self, window: Window) -> dict[dt.date, Tally]:
        """Found and rectified per month of a month-aligned window."""
        ...


class SummarySource:
    """Reads the summary nodes ``nodes`` (the region, or the country's provinces)."""

    def __init__(
        self, session: Session, nodes: Sequence[str], children: Sequence[str], today: dt.date
    ) -> None:
        self.session, self.nodes, self.child_paths, self.today = session, nodes, children, today
        self._open: dict[tuple[tuple[str, ...], str], dict[figures.Key, Tally]] = {}

    def _open_now(self, nodes: Sequence[str], dim: str) -> dict[figures.Key, Tally]:
        """Open-now counts do not depend on the window: read once per nodes and dim."""
        key = (tuple(nodes), dim)
        if key not in self._open:
            self._open[key] = figures.open_now(self.session, nodes, dim, self.today)
        return self._open[key]

    def _counts(self, nodes: Sequence[str], dim: str, window: Window, now: bool) -> dict:
        parts = [figures.flow(self.session, nodes, dim, window)]
        if now:
            parts.append(self._open_now(nodes, dim))
        return figures.merged(*parts)

    def totals(self, window: Window, *, now_figures: bool = True) -> Tally:
        return figures.total(self._counts(self.nodes, DIM_ALL, window, now_figures).values())

    def children(self, window: Window) -> dict[str, Tally]:
        counts = self._counts(self.child_paths, DIM_ALL, window, True)
        return {node: tally for (node, _), tally in counts.items()}

    def breakdown(self, dim: str, window: Window) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for (_, value), tally in self._counts(self.nodes, dim, window, True).items():
            figures.accumulate(out, value, tally)
        return out

    def months(self, window: Window) -> dict[dt.date, Tally]:
        return figures.monthly(self.session, self.nodes, window)


class RawSource:
    """Counts the hazards under ``path`` from the hazard table; one pass per window serves
    totals, children and both breakdowns."""

    def __init__(
        self, session: Session, path: str, children: Sequence[str], today: dt.date
    ) -> None:
        self.session, self.path, self.today = session, path, today
        self.child_paths = set(children)
        self._cache: dict[tuple[Window, bool], dict[raw.Group, Tally]] = {}

    def _groups(self, window: Window, now: bool) -> dict[raw.Group, Tally]:
        key = (window, now)
        if key not in self._cache:
            today = self.today if now else None
            self._cache[key] = raw.groups(self.session, self.path, window, today)
        return self._cache[key]

    def totals(self, window: Window, *, now_figures: bool = True) -> Tally:
        cached = self._cache.get((window, now_figures))
        if cached is None and not now_figures:  # year-on-year, period-on-period: no groups
            cached = raw.groups(self.session, self.path, window, None, grouped=False)
        if cached is None:
            cached = self._groups(window, now_figures)
        return figures.total(cached.values())

    def children(self, window: Window) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for (leaf, _, _), tally in self._groups(window, True).items():
            rest = leaf[len(self.path) :]
            child = self.path + rest.split("/", 1)[0] + "/" if rest else None
            if child in self.child_paths:
                figures.accumulate(out, child, tally)
        return out

    def breakdown(self, dim: str, window: Window) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for (_, division, department), tally in self._groups(window, True).items():
            figures.accumulate(out, division if dim == DIM_INDUSTRY else department, tally)
        return out

    def months(self, window: Window) -> dict[dt.date, Tally]:
        return raw.monthly(self.session, self.path, window)
