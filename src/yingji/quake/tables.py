"""Read the coefficient tables in ``data/``: CSV with ``#`` source lines above the header."""

from __future__ import annotations

from pathlib import Path

from yingji import tables

DATA = Path(__file__).parent / "data"


def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of ``data/<name>.csv`` as dicts, the leading ``#`` comment lines skipped."""
    return tables.read(DATA / f"{name}.csv")
