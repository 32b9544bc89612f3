"""Enterprises: credit code, industry, supervising department, risk grade, contacts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 06:35:00.562072
"""

import sqlalchemy as sa
from alembic import op

import yingji.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("industry_code", sa.String(length=4), nullable=False),
        sa.Column("supervising_department_id", sa.Integer(), nullable=True),
        sa.Column("risk_grade", sa.String(length=16), nullable=False),
        sa.Column("principal_id", sa.Integer(), nullable=True),
        sa.Column("safety_manager_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_enterprise_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["principal_id"], ["person.id"], name=op.f("fk_enterprise_principal_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["safety_manager_id"],
            ["person.id"],
            name=op.f("fk_enterprise_safety_manager_id_person"),
        ),
        sa.ForeignKeyConstraint(
            ["supervising_department_id"],
            ["organisation.id"],
            name=op.f("fk_enterprise_supervising_department_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_enterprise_organisation_id")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_industry_code"), ["industry_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enterprise_supervising_department_id"),
            ["supervising_department_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_supervising_department_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_industry_code"))

    op.drop_table("enterprise")
