"""In-app inbox (站内信): an instruction becomes a notice in the person's inbox.

The notice is written in the sender's transaction, with the delivery results, so it is
delivered at once and exactly once (the notice key is the delivery key). Whoever signs in
as that person sees it, and the live stream (``/api/v1/notices/stream``) pushes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yingji.notices.models import Notice, NoticeKind, NoticeRecipient
from yingji.notify.base import OutboundMessage, SendResult, SendStatus

if TYPE_CHECKING:
    from yingji.config import Settings

KIND = NoticeKind.instruction.value
ROLE = "responsible"


def notice_key(delivery_key: str) -> str:
    return f"inbox:{delivery_key}"


def notice_body(message: OutboundMessage) -> str:
    body = message.text
    if message.confirm_code:
        body += f"\n确认码 / confirmation code: {message.confirm_code}"
    if message.confirm_link:
        body += f"\n点击确认 / confirm: {message.confirm_link}"
    return body


class InboxChannel:
    name = "inbox"

    @classmethod
    def from_settings(cls, settings: Settings) -> InboxChannel:
        return cls()

    def send(self, message: OutboundMessage) -> SendResult:
        return SendResult.permanent(
            "站内信由发送进程写入数据库 / inbox messages are stored by the sender"
        )

    def store(
        self, session: Session, messages: Sequence[OutboundMessage], now: dt.datetime
    ) -> list[SendResult]:
        """One notice with one recipient per message, set-based; results in order."""
        rows: list[dict[str, Any]] = []
        results: list[SendResult | None] = []
        for message in messages:
            data = dict(message.data or {})
            person_id = message.recipient.person_id
            if person_id is None or not data.get("region_id"):
                results.append(SendResult.permanent("收件人不明 / recipient unknown"))
                continue
            results.append(None)
            rows.append(
                {
                    "kind": KIND,
                    "title": (message.subject or message.text)[:300],
                    "body": notice_body(message),
                    "subject_kind": "instruction",
                    "subject_id": data.get("instruction_id"),
                    "region_id": data.pop("region_id"),
                    "region_path": data.pop("region_path", None) or "/",
                    "key": notice_key(message.key),
                    "data": data,
                    "created_at": now,
                    "_person": person_id,
                }
            )
        ids = self._write(session, rows)
        out = iter(rows)
        return [
            r
            if r is not None
            else SendResult(
                SendStatus.ACCEPTED, gateway_id=f"notice-{ids[next(out)['key']]}", delivered=True
            )
            for r in results
        ]

    def _write(self, session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
        if not rows:
            return {}
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        persons = {row["key"]: row.pop("_person") for row in rows}
        session.execute(dialect.insert(Notice).on_conflict_do_nothing(index_elements=["key"]), rows)
        found = session.execute(select(Notice.key, Notice.id).where(Notice.key.in_(list(persons))))
        ids: dict[str, int] = {key: notice_id for key, notice_id in found}
        recipients = [
            {"notice_id": ids[key], "person_id": person, "role": ROLE}
            for key, person in persons.items()
        ]
        session.execute(
            dialect.insert(NoticeRecipient).on_conflict_do_nothing(
                index_elements=["notice_id", "person_id"]
            ),
            recipients,
        )
        return ids

    def close(self) -> None:
        """Nothing to release."""
