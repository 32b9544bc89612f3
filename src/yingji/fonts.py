"""The CJK font every rendered document uses: Noto Sans CJK SC from the PyPI package
``noto-cjk-sans-otc`` (SIL OFL), so PDFs and charts show Chinese on machines without any
CJK font installed."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import noto_cjk_sans_otc
from fontTools.ttLib import TTCollection

CJK_FONT_PATH = Path(str(noto_cjk_sans_otc.FONT_PATH))
CJK_SC_INDEX = 2
"""Index of "Noto Sans CJK SC" (Simplified Chinese forms) inside the collection."""


@lru_cache(maxsize=1)
def _cmap() -> frozenset[int]:
    font = TTCollection(str(CJK_FONT_PATH)).fonts[CJK_SC_INDEX]
    return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """Characters of ``text`` the font cannot draw (they would print as empty boxes)."""
    covered = _cmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in covered}
