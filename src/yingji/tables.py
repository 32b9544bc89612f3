"""Reference tables shipped as CSV with ``#`` source lines above the header (coefficients,
thresholds, type lists): one reader for every domain's ``data/`` folder."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path


@cache
def read(path: Path) -> tuple[dict[str, str], ...]:
    """The rows of ``path`` as dicts, the leading ``#`` comment lines skipped."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return tuple(csv.DictReader(lines))
