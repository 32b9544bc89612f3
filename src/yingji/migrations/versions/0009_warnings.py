"""Warnings (预警): the register and the regions each warning covers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:46:45.460713
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("key_period", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("area_desc", sa.String(length=500), nullable=False),
        sa.Column(
            "area",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("geometry", sa.LargeBinary(), nullable=True),
        sa.Column("valid_from", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("headline", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("instruction", sa.Text(), nullable=True),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("sent", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("msg_type", sa.String(length=16), nullable=False),
        sa.Column("cap_status", sa.String(length=16), nullable=False),
        sa.Column("cap_scope", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("certainty", sa.String(length=16), nullable=False),
        sa.Column(
            "references",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["warning.id"],
            name=op.f("fk_warning_replaces_id_warning"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning")),
        sa.UniqueConstraint("code", name=op.f("uq_warning_code")),
        sa.UniqueConstraint("sender", "identifier", name="uq_warning_sender_identifier"),
    )
    with op.batch_alter_table("warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_replaces_id"), ["replaces_id"], unique=False)
        batch_op.create_index("ix_warning_status_until", ["status", "valid_until"], unique=False)

    op.create_table(
        "warning_region",
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["region.id"],
            name=op.f("fk_warning_region_region_id_region"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning.id"],
            name=op.f("fk_warning_region_warning_id_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("warning_id", "region_id", name=op.f("pk_warning_region")),
    )
    with op.batch_alter_table("warning_region", schema=None) as batch_op:
        batch_op.create_index(
            "ix_warning_region_path",
            ["path"],
            unique=False,
            postgresql_ops={"path": "varchar_pattern_ops"},
        )


def downgrade() -> None:
    with op.batch_alter_table("warning_region", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_warning_region_path", postgresql_ops={"path": "varchar_pattern_ops"}
        )

    op.drop_table("warning_region")
    with op.batch_alter_table("warning", schema=None) as batch_op:
        batch_op.drop_index("ix_warning_status_until")
        batch_op.drop_index(batch_op.f("ix_warning_replaces_id"))

    op.drop_table("warning")
