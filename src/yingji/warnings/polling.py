"""Taking warnings from other systems' CAP feeds (ATOM or RSS) on a timer.

Each entry's CAP link is fetched and ingested like an uploaded message; a warning already
stored (same sender and identifier) is skipped, so polling again, or two workers polling
at once, stores each warning once (the unique key settles a race). A bad entry is logged
and skipped; it never stops the rest of the feed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx
from lxml import etree
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yingji import jobs
from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.db import session_factory
from yingji.errors import YingjiError
from yingji.warnings import cap_map
from yingji.warnings.cap import parse
from yingji.warnings.cap_checks import safe_tree
from yingji.warnings.feed import ATOM_NS, CAP_MIME
from yingji.warnings.models import EarlyWarning, WarningStatus

log = logging.getLogger(__name__)
ACTOR = "cap-feed"


@dataclass
class PollResult:
    """What one poll of one feed did."""

    url: str
    stored: list[str] = field(default_factory=list)
    """Codes of warnings stored (new alerts, updates) or cancelled."""
    known: int = 0
    """Entries whose warning was already stored."""
    errors: list[str] = field(default_factory=list)
    """One line per entry that could not be taken, with the reason."""


def cap_links(feed: bytes, base_url: str) -> list[str]:
    """CAP document links of an ATOM feed (links typed application/cap+xml, else each
    entry's alternate link) or an RSS 2.0 feed (each item's link), in feed order."""
    root = safe_tree(feed)
    links: list[str] = []
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):
        found = entry.findall(f"{{{ATOM_NS}}}link")
        typed = [ln for ln in found if ln.get("type") == CAP_MIME]
        chosen = typed or [ln for ln in found if ln.get("rel", "alternate") == "alternate"]
        links += [urljoin(base_url, ln.get("href", "")) for ln in chosen[:1] if ln.get("href")]
    for item in root.iter("item"):
        link = item.findtext("link")
        if link and link.strip():
            links.append(urljoin(base_url, link.strip()))
    return links


def _known(session: Session, data: bytes) -> bool:
    """Stored already; for a Cancel: every warning it names is already cancelled."""
    alert = parse(data)
    if alert.msg_type == "Cancel":
        states = session.scalars(
            select(EarlyWarning.status).where(
                EarlyWarning.identifier.in_([i for _s, i, _t in alert.references])
            )
        ).all()
        return bool(states) and all(s == WarningStatus.cancelled for s in states)
    return (
        session.scalar(
            select(EarlyWarning.id).where(
                EarlyWarning.sender == alert.sender, EarlyWarning.identifier == alert.identifier
            )
        )
        is not None
    )


def poll(engine: Engine, url: str, client: httpx.Client | None = None) -> PollResult:
    """Fetch the feed at ``url`` and ingest every CAP message not yet stored."""
    result = PollResult(url)
    own = client is None
    client = client or httpx.Client(timeout=get_settings().notify_timeout_seconds)
    try:
        feed = client.get(url)
        feed.raise_for_status()
        links = cap_links(feed.content, str(feed.url))
        for link in links:
            _take(engine, client, link, result)
    except (httpx.HTTPError, YingjiError, etree.LxmlError) as exc:
        result.errors.append(f"{url}: {exc}")
    finally:
        if own:
            client.close()
    return result


def _take(engine: Engine, client: httpx.Client, link: str, result: PollResult) -> None:
    try:
        reply = client.get(link)
        reply.raise_for_status()
        with session_factory(engine)() as session:
            session.info["actor"] = system_actor(ACTOR)
            if _known(session, reply.content):
                result.known += 1
                return
            warning = cap_map.ingest(session, system_actor(ACTOR), reply.content)
            session.commit()
            result.stored.append(warning.code)
    except IntegrityError:
        result.known += 1  # another worker stored it a moment ago
    except (httpx.HTTPError, YingjiError) as exc:
        log.warning("CAP feed entry %s refused: %s", link, exc)
        result.errors.append(f"{link}: {exc}")


@jobs.every(60, "warnings.poll_feeds")
def poll_configured(engine: Engine) -> list[PollResult]:
    """Poll every feed in ``YINGJI_CAP_FEEDS``; run by each worker about once a minute."""
    return [poll(engine, url) for url in get_settings().cap_feeds]
