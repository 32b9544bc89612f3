"""Hazards with their timeline, and attachments.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:46:32.926812
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index("ix_attachment_owner", ["owner_kind", "owner_id"], unique=False)

    op.create_table(
        "hazard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=True),
        sa.Column("criterion", sa.String(length=300), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=80), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("risk_point_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("industry_code", sa.String(length=4), nullable=True),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("checklist_item_id", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("found_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("found_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owner_person_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("funds_wan", sa.Double(), nullable=True),
        sa.Column("contingency_plan", sa.Text(), nullable=True),
        sa.Column("submitted_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("verified_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_up_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["organisation.id"],
            name=op.f("fk_hazard_department_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_hazard_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["found_by_id"], ["app_user.id"], name=op.f("fk_hazard_found_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_hazard_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_person_id"], ["person.id"], name=op.f("fk_hazard_owner_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_hazard_region_id_region")
        ),
        sa.ForeignKeyConstraint(
            ["risk_point_id"], ["risk_point.id"], name=op.f("fk_hazard_risk_point_id_risk_point")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["app_user.id"], name=op.f("fk_hazard_submitted_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["app_user.id"], name=op.f("fk_hazard_verified_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard")),
        sa.UniqueConstraint("code", name=op.f("uq_hazard_code")),
    )
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hazard_department_id"), ["department_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hazard_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hazard_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hazard_owner_person_id"), ["owner_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hazard_region_id"), ["region_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hazard_risk_point_id"), ["risk_point_id"], unique=False
        )
        batch_op.create_index("ix_hazard_state_deadline", ["state", "deadline"], unique=False)

    op.create_table(
        "hazard_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_hazard_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["hazard.id"],
            name=op.f("fk_hazard_event_hazard_id_hazard"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_event")),
    )
    with op.batch_alter_table("hazard_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hazard_event_hazard_id"), ["hazard_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hazard_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hazard_event_hazard_id"))

    op.drop_table("hazard_event")
    with op.batch_alter_table("hazard", schema=None) as batch_op:
        batch_op.drop_index("ix_hazard_state_deadline")
        batch_op.drop_index(batch_op.f("ix_hazard_risk_point_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_region_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_owner_person_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_hazard_department_id"))

    op.drop_table("hazard")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_attachment_owner")

    op.drop_table("attachment")
