"""Per-domain UI texts: each module here holds ``TEXTS`` for its pages, merged into the one
catalogue by :mod:`yingji.web.i18n`, so a domain's strings live next to each other."""

from __future__ import annotations

import importlib
import pkgutil


def collect() -> dict[str, dict[str, str]]:
    """Every module's ``TEXTS``; a key defined twice is a bug and stops the import."""
    merged: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(__path__):
        texts = importlib.import_module(f"{__name__}.{info.name}").TEXTS
        twice = merged.keys() & texts.keys()
        if twice:
            raise RuntimeError(f"UI text keys defined twice: {sorted(twice)}")
        merged.update(texts)
    return merged
