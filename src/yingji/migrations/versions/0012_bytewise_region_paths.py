"""Region paths sort bytewise on PostgreSQL (the C collation), so a subtree is an index range.

Under a linguistic collation (en_US.UTF-8 and the like) PostgreSQL compares paths skipping
the ``/`` separators and a plain btree index cannot serve a LIKE prefix; the pattern-ops
indexes that stood in for it cannot serve the range comparisons either. SQLite already
compares text bytewise, so only PostgreSQL changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 11:30:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

COLUMNS = (
    ("region", "path", 400),
    ("warning_region", "path", 400),
    ("hazard", "region_path", 80),
    ("inspection_schedule", "region_path", 80),
    ("inspection", "region_path", 80),
    ("notice", "region_path", 400),
    ("whistle_report", "region_path", 400),
    ("hazard_stat_flow", "node_path", 80),
    ("hazard_stat_open", "node_path", 80),
    ("hazard_stat_mark", "region_path", 80),
    ("hazard_stat_delta", "region_path", 80),
    ("hazard_stat_node", "leaf_path", 80),
    ("hazard_stat_node", "node_path", 80),
    ("response_plan", "region_path", 400),
    ("direct_message", "region_path", 400),
)
PATTERN_INDEXES = (
    ("ix_region_path", "region", "path"),
    ("ix_warning_region_path", "warning_region", "path"),
    ("ix_notice_region_path", "notice", "region_path"),
    ("ix_whistle_report_path_received", "whistle_report", "region_path, received_at"),
)


def _collate(collation: str | None, pattern_ops: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _columns in PATTERN_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    clause = f' COLLATE "{collation}"' if collation else ""
    for table, column, length in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}){clause}")
    for name, table, columns in PATTERN_INDEXES:
        if pattern_ops:
            first, _, rest = columns.partition(", ")
            columns = f"{first} varchar_pattern_ops" + (f", {rest}" if rest else "")
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")


def upgrade() -> None:
    _collate("C", pattern_ops=False)


def downgrade() -> None:
    _collate(None, pattern_ops=True)
