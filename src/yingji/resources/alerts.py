"""Expiry alerts (临期提醒): every few hours the workers tell each warehouse's keeper, in the
inbox, about batches that expire within ``ALERT_DAYS`` days. The notice key names the batch
and its expiry date, so each batch is announced once (again only if its date changes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from yingji import clock, jobs
from yingji.db import session_factory
from yingji.notices import service as notices
from yingji.resources.models import Material, StockBatch, Warehouse

ALERT_DAYS = 30
EVERY_SECONDS = 6 * 3600


def announce(session: Session, today: dt.date | None = None) -> int:
    """Issue the due expiry notices; returns how many were new."""
    today = today or clock.today()
    rows = session.execute(
        select(StockBatch, Warehouse, Material)
        .join(Warehouse, Warehouse.id == StockBatch.warehouse_id)
        .join(Material, Material.id == StockBatch.material_id)
        .where(
            StockBatch.quantity > 0,
            StockBatch.expires_on.is_not(None),
            StockBatch.expires_on <= today + dt.timedelta(days=ALERT_DAYS),
            Warehouse.keeper_person_id.is_not(None),
        )
    ).all()
    new = 0
    for batch, store, material in rows:
        days = (batch.expires_on - today).days
        when = f"{days} 天后到期" if days >= 0 else f"已过期 {-days} 天"
        _, created = notices.issue(
            session,
            kind="prompt",
            title=f"临期物资：{store.name} {material.name}",
            body=(
                f"{store.name} 的 {material.name}（批次 {batch.batch or '-'}）"
                f"{batch.quantity:g}{material.unit} 将于 {batch.expires_on} 到期（{when}），"
                "请及时轮换或调拨使用。"
            ),
            region_id=store.region_id,
            key=f"expiry:{batch.id}:{batch.expires_on}",
            persons=[(store.keeper_person_id, "keeper")],
            subject=("stock_batch", batch.id),
        )
        new += created
    return new


@jobs.every(EVERY_SECONDS, "resources.expiry_alerts")
def announce_due(engine: Engine) -> int:
    with session_factory(engine)() as session:
        count = announce(session)
        session.commit()
        return count
