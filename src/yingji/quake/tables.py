"""Read the coefficient tables in ``data/``: CSV with ``#`` source lines above the header."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data"


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``data/<name>.csv`` as dicts, the leading ``#`` comment lines skipped."""
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return tuple(csv.DictReader(lines))
