"""Hazard statistics: summary tables, per-hazard marks, and hazard indexes they need.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 08:41:41.558070
"""

import sqlalchemy as sa
from alembic import op

import yingji.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN = sa.text(
    "state IN ('assigned', 'confirmed', 'rectifying', 'reported', 'submitted', 'suspended', "
    "'verified')"
)
"""Open hazard states (yingji.hazards.models.OPEN_STATES) when this revision was written."""


def upgrade() -> None:
    op.create_table(
        "hazard_stat_delta",
        sa.Column("hazard_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("counted", sa.SmallInteger(), nullable=False),
        sa.Column("region_path", sa.String(length=80), nullable=False),
        sa.Column("division", sa.String(length=2), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("major", sa.SmallInteger(), nullable=False),
        sa.Column("found_day", sa.Date(), nullable=False),
        sa.Column("closed_day", sa.Date(), nullable=True),
        sa.Column("open_deadline", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("hazard_id", "sign", name=op.f("pk_hazard_stat_delta")),
    )
    op.create_table(
        "hazard_stat_flow",
        sa.Column("node_path", sa.String(length=80), nullable=False),
        sa.Column("dim", sa.String(length=4), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim_value", sa.String(length=16), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("found_closed", sa.Integer(), nullable=False),
        sa.Column("found_major", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "node_path", "dim", "grain", "day", "dim_value", name=op.f("pk_hazard_stat_flow")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hazard_stat_mark",
        sa.Column("hazard_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("region_path", sa.String(length=80), nullable=False),
        sa.Column("division", sa.String(length=2), nullable=False),
        sa.Column("department", sa.String(length=16), nullable=False),
        sa.Column("major", sa.SmallInteger(), nullable=False),
        sa.Column("found_day", sa.Date(), nullable=False),
        sa.Column("closed_day", sa.Date(), nullable=True),
        sa.Column("open_deadline", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("hazard_id", name=op.f("pk_hazard_stat_mark")),
    )
    op.create_table(
        "hazard_stat_node",
        sa.Column("leaf_path", sa.String(length=80), nullable=False),
        sa.Column("node_path", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("leaf_path", "node_path", name=op.f("pk_hazard_stat_node")),
    )
    op.create_table(
        "hazard_stat_open",
        sa.Column("node_path", sa.String(length=80), nullable=False),
        sa.Column("dim", sa.String(length=4), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("dim_value", sa.String(length=16), nullable=False),
        sa.Column("open", sa.Integer(), nullable=False),
        sa.Column("open_major", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "node_path", "dim", "grain", "deadline", "dim_value", name=op.f("pk_hazard_stat_open")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "hazard_stat_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("watermark", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rebuilt_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_stat_state")),
    )
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hazard_stat_closed",
            ["region_path", "closed_at", "state", "grade", "industry_code", "department_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_hazard_stat_found",
            [
                "region_path",
                "found_at",
                "state",
                "closed_at",
                "grade",
                "industry_code",
                "department_id",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_hazard_stat_open",
            ["region_path", "deadline", "state", "grade", "industry_code", "department_id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.create_index("ix_hazard_updated_at", ["updated_at"], unique=False)
    # The one state row refreshes lock; present from the start so the first two refreshes
    # cannot both try to create it.
    op.bulk_insert(sa.table("hazard_stat_state", sa.column("id", sa.Integer)), [{"id": 1}])


def downgrade() -> None:
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_updated_at")
        batch_op.drop_index("ix_hazard_stat_open")
        batch_op.drop_index("ix_hazard_stat_found")
        batch_op.drop_index("ix_hazard_stat_closed")

    op.drop_table("hazard_stat_state")
    op.drop_table("hazard_stat_open")
    op.drop_table("hazard_stat_node")
    op.drop_table("hazard_stat_mark")
    op.drop_table("hazard_stat_flow")
    op.drop_table("hazard_stat_delta")
