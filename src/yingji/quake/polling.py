"""Assessing every earthquake of the configured catalogue feeds, once.

Each event at or above ``quake_min_magnitude`` inside China is assessed in its own
transaction by the system actor; the feed key (feed and event id) is unique, so polling
again, or two workers polling at once, stores each event once. A bad record or a failed
assessment is reported and skipped; it never stops the rest of the feed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from yingji import jobs
from yingji.auth.scope import system_actor
from yingji.config import get_settings
from yingji.db import session_factory
from yingji.errors import YingjiError
from yingji.quake import feed, feed_fetch, service
from yingji.quake.models import QuakeAssessment

log = logging.getLogger(__name__)
ACTOR = "quake-feed"


@dataclass
class PollResult:
    url: str
    assessed: list[int] = field(default_factory=list)
    """Ids of the assessments stored by this poll."""
    known: int = 0
    skipped: int = 0
    """Events below the magnitude threshold or outside China."""
    errors: list[str] = field(default_factory=list)


def feed_key(event: feed.FeedEvent) -> str:
    return f"{event.source}#{event.id}"[:300]


def poll(engine: Engine, url: str, min_magnitude: float | None = None) -> PollResult:
    """Fetch ``url`` and assess each new qualifying event."""
    threshold = get_settings().quake_min_magnitude if min_magnitude is None else min_magnitude
    result = PollResult(url)
    try:
        parsed = feed.parse(feed_fetch.fetch(url), url)
    except YingjiError as exc:
        result.errors.append(exc.message)
        return result
    result.errors += parsed.problems
    wanted = [e for e in feed.above(parsed.events, threshold) if feed.in_china(e)]
    result.skipped = len(parsed.events) - len(wanted)
    for item in wanted:
        _take(engine, item, result)
    return result


def _take(engine: Engine, item: feed.FeedEvent, result: PollResult) -> None:
    key = feed_key(item)
    with session_factory(engine)() as session:
        if session.scalar(select(QuakeAssessment.id).where(QuakeAssessment.feed_key == key)):
            result.known += 1
            return
        try:
            record, _ = service.run(
                session, system_actor(ACTOR), item.to_event(), source="feed", feed_key=key
            )
            session.commit()
            result.assessed.append(record.id)
        except IntegrityError:  # another worker stored it first
            session.rollback()
            result.known += 1
        except YingjiError as exc:
            session.rollback()
            log.warning("quake feed event %s refused: %s", key, exc.message)
            result.errors.append(f"{item.id}: {exc.message}")


@jobs.every(60, "quake.poll_feeds")
def poll_configured(engine: Engine) -> list[PollResult]:
    """Poll every feed in ``YINGJI_QUAKE_FEEDS``; run by each worker about once a minute."""
    return [poll(engine, url) for url in get_settings().quake_feeds]
