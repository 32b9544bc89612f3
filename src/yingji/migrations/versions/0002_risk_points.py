"""Risk points: the category taxonomy (seeded from the packaged CSV) and risk points.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 06:32:50.590505
"""

import csv
import datetime as dt
import io
from importlib import resources

import sqlalchemy as sa
from alembic import op

import yingji.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_category")),
        sa.UniqueConstraint("code", name=op.f("uq_risk_category_code")),
        sa.UniqueConstraint("name_zh", name=op.f("uq_risk_category_name_zh")),
    )
    with op.batch_alter_table("risk_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_category_group"), ["group"], unique=False)

    op.create_table(
        "risk_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("threatened_people", sa.Integer(), nullable=False),
        sa.Column("threatened_property_wan", sa.Double(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["risk_category.id"],
            name=op.f("fk_risk_point_category_id_risk_category"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_risk_point_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_point")),
        sa.UniqueConstraint("code", name=op.f("uq_risk_point_code")),
    )
    with op.batch_alter_table("risk_point", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_point_category_id"), ["category_id"], unique=False
        )
        batch_op.create_index("ix_risk_point_level_status", ["level", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_point_region_id"), ["region_id"], unique=False)

    _seed_categories()


def _seed_categories() -> None:
    """The default taxonomy from ``yingji/risk/data/categories.csv``; edited later via the API."""
    text = resources.files("yingji.risk").joinpath("data/categories.csv").read_text("utf-8")
    now = dt.datetime.now(dt.UTC)
    table = sa.table(
        "risk_category",
        sa.column("code", sa.String),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("group", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("created_at", yingji.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", yingji.db.UTCDateTime(timezone=True)),
    )
    rows = [
        {**row, "active": True, "created_at": now, "updated_at": now}
        for row in csv.DictReader(io.StringIO(text))
    ]
    op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("risk_point", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_point_region_id"))
        batch_op.drop_index("ix_risk_point_level_status")
        batch_op.drop_index(batch_op.f("ix_risk_point_category_id"))

    op.drop_table("risk_point")
    with op.batch_alter_table("risk_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_category_group"))

    op.drop_table("risk_category")
