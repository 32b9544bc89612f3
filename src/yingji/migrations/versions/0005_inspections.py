"""Inspections: versioned checklist templates (seeded from the packaged JSON files),
schedules, inspections and their item results.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 07:54:03.280365
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

import yingji.db
from yingji.inspections.templates import packaged

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=80), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["risk_category.id"],
            name=op.f("fk_inspection_schedule_category_id_risk_category"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_inspection_schedule_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_schedule")),
    )
    with op.batch_alter_table("inspection_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_schedule_region_id"), ["region_id"], unique=False
        )

    op.create_table(
        "checklist_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_checklist_template_created_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_template")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_checklist_template_code_version")),
    )
    op.create_table(
        "checklist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.Column("text_zh", sa.String(length=500), nullable=False),
        sa.Column("text_en", sa.String(length=500), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=False),
        sa.Column("major", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_template.id"],
            name=op.f("fk_checklist_item_template_id_checklist_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_item")),
        sa.UniqueConstraint("template_id", "code", name=op.f("uq_checklist_item_template_id_code")),
    )
    with op.batch_alter_table("checklist_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checklist_item_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("unannounced", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("risk_point_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=80), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("inspector_name", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("started_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hazard_count", sa.Integer(), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_inspection_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["app_user.id"], name=op.f("fk_inspection_inspector_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_inspection_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_inspection_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["risk_point_id"],
            ["risk_point.id"],
            name=op.f("fk_inspection_risk_point_id_risk_point"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["checklist_template.id"],
            name=op.f("fk_inspection_template_id_checklist_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
        sa.UniqueConstraint("code", name=op.f("uq_inspection_code")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_inspector_id"), ["inspector_id"], unique=False
        )
        batch_op.create_index(
            "ix_inspection_region_path_started", ["region_path", "started_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_risk_point_id"), ["risk_point_id"], unique=False
        )
        batch_op.create_index(
            "ix_inspection_state_finished", ["state", "finished_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspection_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "inspection_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hazard_id"], ["hazard.id"], name=op.f("fk_inspection_result_hazard_id_hazard")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_inspection_result_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["checklist_item.id"],
            name=op.f("fk_inspection_result_item_id_checklist_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_result")),
        sa.UniqueConstraint(
            "inspection_id", "item_id", name=op.f("uq_inspection_result_inspection_id_item_id")
        ),
    )
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_result_inspection_id"), ["inspection_id"], unique=False
        )

    _seed_templates()


def _seed_templates() -> None:
    """Version 1 of each packaged checklist (``yingji/inspections/data``); later versions
    are written through the API."""
    now = dt.datetime.now(dt.UTC)
    templates = sa.table(
        "checklist_template",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("version", sa.Integer),
        sa.column("name_zh", sa.String),
        sa.column("name_en", sa.String),
        sa.column("source", sa.Text),
        sa.column("created_at", yingji.db.UTCDateTime(timezone=True)),
    )
    items = sa.table(
        "checklist_item",
        sa.column("template_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("position", sa.Integer),
        sa.column("section", sa.String),
        sa.column("text_zh", sa.String),
        sa.column("text_en", sa.String),
        sa.column("clause", sa.String),
        sa.column("major", sa.Boolean),
    )
    bind = op.get_bind()
    for data in packaged():
        row = {k: data[k] for k in ("code", "name_zh", "name_en", "source")}
        bind.execute(templates.insert().values(**row, version=1, created_at=now))
        template_id = bind.execute(
            sa.select(templates.c.id).where(
                templates.c.code == data["code"], templates.c.version == 1
            )
        ).scalar_one()
        op.bulk_insert(
            items,
            [
                {**item, "template_id": template_id, "position": position}
                for position, item in enumerate(data["items"], start=1)
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_result_inspection_id"))

    op.drop_table("inspection_result")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_template_id"))
        batch_op.drop_index("ix_inspection_state_finished")
        batch_op.drop_index(batch_op.f("ix_inspection_risk_point_id"))
        batch_op.drop_index("ix_inspection_region_path_started")
        batch_op.drop_index(batch_op.f("ix_inspection_inspector_id"))
        batch_op.drop_index(batch_op.f("ix_inspection_enterprise_id"))

    op.drop_table("inspection")
    with op.batch_alter_table("checklist_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_item_template_id"))

    op.drop_table("checklist_item")
    op.drop_table("checklist_template")
    with op.batch_alter_table("inspection_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_schedule_region_id"))

    op.drop_table("inspection_schedule")
