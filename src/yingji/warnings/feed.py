"""The public CAP ATOM feed: one entry per active public warning, linking to its CAP XML.

This is the "CAP feed" format alert hubs poll (an ATOM entry per alert with a link of type
``application/cap+xml``), so neighbouring systems can take Yingji's warnings unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lxml import etree

from yingji.clock import aware
from yingji.warnings.models import CATEGORY_LABELS, LEVEL_LABELS, EarlyWarning

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> None:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}", attrs)
    if text is not None:
        el.text = text


def atom(warnings: Sequence[EarlyWarning], base_url: str, cap_url: str, now: dt.datetime) -> bytes:
    """The feed; ``cap_url`` is a format string with ``{id}`` for each warning's CAP link."""
    root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _sub(root, "id", base_url)
    _sub(root, "title", "应急预警 / Emergency warnings")
    updated = max((aware(w.updated_at) for w in warnings), default=now)
    _sub(root, "updated", updated.isoformat())
    _sub(root, "link", rel="self", href=base_url)
    author = etree.SubElement(root, f"{{{ATOM_NS}}}author")
    _sub(author, "name", "Yingji")
    for w in warnings:
        entry = etree.SubElement(root, f"{{{ATOM_NS}}}entry")
        _sub(entry, "id", f"urn:yingji:warning:{w.sender}:{w.identifier}")
        label = f"{CATEGORY_LABELS.get(w.category, w.category)}{LEVEL_LABELS[w.level]}预警"
        _sub(entry, "title", f"{w.headline} ({label})")
        _sub(entry, "updated", aware(w.updated_at).isoformat())
        _sub(entry, "published", aware(w.sent).isoformat())
        _sub(entry, "summary", w.description or w.headline)
        _sub(entry, "link", rel="alternate", type=CAP_MIME, href=cap_url.format(id=w.id))
        entry_author = etree.SubElement(entry, f"{{{ATOM_NS}}}author")
        _sub(entry_author, "name", w.authority)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
