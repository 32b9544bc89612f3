"""Alembic environment: the engine comes from :mod:`yingji.migrate` (or settings)."""

from alembic import context

import yingji.models  # noqa: F401  (registers every table on Base.metadata)
from yingji.db import Base, get_engine

engine = context.config.attributes.get("engine") or get_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
