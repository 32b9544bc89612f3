"""Where to add stations: MCLP and LSCP over candidate sites, solved by PySAL spopt with CBC.

``cost`` is (candidates, demand) minutes, ``np.inf`` = unreachable; existing stations are rows
of the same matrix, named by ``existing``, and are always kept (what spopt's predefined
facilities do). ``p`` counts new sites only.

The model handed to spopt is reduced first, exactly (the optimum is unchanged):
demand an existing station already reaches is fixed as covered; demand no site reaches, or
with zero weight, cannot change the objective and is left out; demand points reached by the
same set of candidates are merged (weights summed); candidates whose reach is contained in
another's are dropped, since swapping one for its dominator never loses. Why: spopt writes one
PuLP term per (demand, candidate) pair, about 15 µs each, so 20,000 raw points × 200 sites
would take a minute to build, while the merged model has a few thousand rows.

The chosen new sites are then ordered greedily (largest marginal gain first, given the
existing stations and the sites before it) and each is reported with that gain, so the list
reads as a build order; a site adding nothing at its turn is redundant and is left out.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from yingji.errors import invalid
from yingji.resources.coverage import as_matrix, as_thresholds, as_weights


@dataclass(frozen=True)
class SitingResult:
    method: str
    """"mclp" (best coverage with p new sites) or "lscp" (fewest sites covering everything)."""
    threshold_minutes: float
    chosen: tuple[int, ...]
    """Row indices into ``cost`` of the new sites, in greedy build order."""
    gains: tuple[float, ...]
    """Weight (population) each new site adds, given the existing ones and those before it."""
    existing: tuple[int, ...]
    covered_before: float
    """Weight reached by the existing stations alone."""
    covered_after: float
    total: float
    uncoverable: float
    """Weight no site (existing or candidate) reaches within the threshold."""
    p: int | None
    status: str
    """"optimal", "feasible" (stopped at the time limit) or "trivial" (nothing to solve)."""
    solve_s: float
    model_rows: int
    model_candidates: int

    def as_dict(self) -> dict[str, Any]:
        share = (lambda x: x / self.total) if self.total > 0 else (lambda x: 0.0)
        running, sites = self.covered_before, []
        for site, gain in zip(self.chosen, self.gains, strict=True):
            running += gain
            sites.append({"candidate": site, "gain": gain, "covered_after": running})
        return {
            "method": self.method,
            "threshold_minutes": self.threshold_minutes,
            "p": self.p,
            "existing": list(self.existing),
            "sites": sites,
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
            "share_before": share(self.covered_before),
            "share_after": share(self.covered_after),
            "total": self.total,
            "uncoverable": self.uncoverable,
            "status": self.status,
            "solve_s": self.solve_s,
            "model": {"demand_rows": self.model_rows, "candidates": self.model_candidates},
        }


def mclp(
    cost: Any,
    weights: Any,
    threshold_minutes: float,
    p: int,
    existing: Any = None,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Maximal covering: the ``p`` new sites reaching the most weight within the threshold."""
    prob = _Problem(cost, weights, threshold_minutes, existing)
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        raise invalid("p", "p: 须为正整数 / must be a positive integer")
    if p > prob.candidates.size:
        raise invalid(
            "p",
            f"p: 超过候选站点数 / exceeds the {prob.candidates.size} candidate sites "
            "(existing stations excluded)",
        )
    return prob.solve("mclp", int(p), time_limit_s)


def lscp(
    cost: Any,
    threshold_minutes: float,
    existing: Any = None,
    weights: Any = None,
    time_limit_s: float | None = None,
) -> SitingResult:
    """Set covering: the fewest new sites reaching every reachable demand point.

    ``weights`` (default one per point) only decide which points count (weight > 0) and the
    gains reported; points no site reaches are reported as ``uncoverable``.
    """
    n_demand = np.shape(cost)[1] if np.ndim(cost) == 2 else 0
    w = np.ones(n_demand) if weights is None else weights
    return _Problem(cost, w, threshold_minutes, existing).solve("lscp", None, time_limit_s)


class _Problem:
    """Validated inputs with the coverage matrix at the threshold."""

    def __init__(self, cost: Any, weights: Any, threshold: float, existing: Any) -> None:
        matrix = as_matrix(cost, "cost")
        self.weights = as_weights(weights, "weights", matrix.shape[1])
        if np.ndim(threshold) != 0:
            raise invalid("threshold_minutes", "threshold_minutes: 应为单个数 / must be one number")
        self.threshold = as_thresholds(threshold, "threshold_minutes")[0]
        self.reach = matrix <= self.threshold
        n = matrix.shape[0]
        self.existing = _existing_indices(existing, n)
        is_existing = np.zeros(n, dtype=bool)
        is_existing[self.existing] = True
        self.candidates = np.flatnonzero(~is_existing)
        self.base = self.reach[self.existing].any(axis=0)

    def solve(self, method: str, p: int | None, time_limit_s: float | None) -> SitingResult:
        _solver_modules()  # loading spopt takes seconds the first time: not solve time
        started = time.perf_counter()
        w = self.weights
        anywhere = self.reach.any(axis=0)
        open_ = ~self.base & anywhere & (w > 0)
        sub = self.reach[np.ix_(self.candidates, np.flatnonzero(open_))].T  # (demand, cand)
        rows, row_w = _merge_rows(sub, w[open_])
        keep = _undominated(rows)
        rows, row_w = _merge_rows(rows[:, keep], row_w)
        sites = self.candidates[keep]
        status, picked = "trivial", np.zeros(0, dtype=np.int64)
        if rows.shape[0] and sites.size:
            status, picked = _spopt(method, rows, row_w, self.threshold, p, time_limit_s)
        chosen, gains, after = self._greedy(sites[picked])
        return SitingResult(
            method=method,
            threshold_minutes=self.threshold,
            chosen=chosen,
            gains=gains,
            existing=tuple(int(i) for i in self.existing),
            covered_before=float(w[self.base].sum()),
            covered_after=after,
            total=float(w.sum()),
            uncoverable=float(w[~anywhere].sum()),
            p=p,
            status=status,
            solve_s=round(time.perf_counter() - started, 3),
            model_rows=int(rows.shape[0]),
            model_candidates=int(sites.size),
        )

    def _greedy(self, picked: np.ndarray) -> tuple[tuple[int, ...], tuple[float, ...], float]:
        """Order the solution by marginal gain; drop sites that add nothing at their turn."""
        w, done = self.weights, self.base.copy()
        sites = np.sort(picked.astype(np.int64))
        reach = self.reach[sites]
        # Gains are kept up to date by subtracting only the newly covered points after each
        # pick, so ordering k sites costs about k × demand, not k² × demand.
        gain = np.array([w[r & ~done].sum() for r in reach], dtype=np.float64)
        alive = np.ones(sites.size, dtype=bool)
        chosen: list[int] = []
        gains: list[float] = []
        while alive.any():
            top = gain[alive].max()
            # The lower index wins ties (within rounding of the running subtraction).
            best = int(np.flatnonzero(alive & (gain >= top - 1e-9 * max(abs(top), 1.0)))[0])
            new = reach[best] & ~done
            exact = float(w[new].sum())
            if exact <= 0:
                break
            chosen.append(int(sites[best]))
            gains.append(exact)
            alive[best] = False
            newly = np.flatnonzero(new)
            gain -= reach[:, newly] @ w[newly]
            done[newly] = True
        return tuple(chosen), tuple(gains), float(w[done].sum())


def _existing_indices(existing: Any, n: int) -> np.ndarray:
    if existing is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(existing)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise invalid("existing", f"existing: 布尔掩码长度应为 {n} / mask length must be {n}")
        return np.flatnonzero(arr)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise invalid("existing", "existing: 应为行号或布尔掩码 / must be row indices or a mask")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise invalid("existing", f"existing: 行号越界 / row index outside 0..{n - 1}")
    if np.unique(arr).size != arr.size:
        raise invalid("existing", "existing: 行号重复 / duplicate row index")
    return np.sort(arr)


def _merge_rows(rows: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge demand rows with the same covering set, summing their weights."""
    if rows.shape[0] == 0:
        return rows, weights
    packed = np.packbits(rows, axis=1)
    unique, inverse = np.unique(packed, axis=0, return_inverse=True)
    merged = np.unpackbits(unique, axis=1, count=rows.shape[1]).astype(bool)
    return merged, np.bincount(inverse.ravel(), weights=weights, minlength=unique.shape[0])


def _undominated(rows: np.ndarray) -> np.ndarray:
    """Columns (candidates) not covering a subset of another's rows; ties keep the lower index."""
    if rows.shape[1] == 0:
        return np.zeros(0, dtype=bool)
    a = rows.astype(np.float32)
    overlap = a.T @ a  # overlap[j, k] = rows both j and k cover (exact in float32 below 2**24)
    size = np.diag(overlap)
    inside = overlap == size[:, None]  # j's rows are all k's rows
    larger = (size[None, :] > size[:, None]) | (
        (size[None, :] == size[:, None]) & np.tri(len(size), k=-1, dtype=bool)
    )
    dominated = (inside & larger).any(axis=1) | (size == 0)
    return ~dominated


def _spopt(
    method: str,
    rows: np.ndarray,
    row_w: np.ndarray,
    threshold: float,
    p: int | None,
    time_limit_s: float | None,
) -> tuple[str, np.ndarray]:
    """Solve the reduced model; spopt wants cost as (demand, facilities): 0 = within reach."""
    pulp, LSCP, MCLP = _solver_modules()

    cost = np.where(rows, 0.0, np.inf)
    with warnings.catch_warnings():  # PuLP 3 announces 4.0 changes on every model it builds
        warnings.simplefilter("ignore", DeprecationWarning)
        if method == "mclp":
            model = MCLP.from_cost_matrix(cost, row_w, threshold, min(p or 0, rows.shape[1]))
        else:
            model = LSCP.from_cost_matrix(cost, threshold)
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
        model.solve(solver, results=False)  # raises RuntimeError unless a solution was found
    picked = np.flatnonzero([(v.value() or 0) > 0.5 for v in model.fac_vars])
    proven = model.problem.sol_status == pulp.LpSolutionOptimal
    return ("optimal" if proven else "feasible"), picked


def _solver_modules() -> tuple[Any, Any, Any]:
    """pulp and spopt's LSCP and MCLP, imported on first use (spopt loads geopandas etc.)."""
    import pulp
    from spopt.locate import LSCP, MCLP

    return pulp, LSCP, MCLP
