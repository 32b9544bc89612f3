"""Response instructions (响应指令): one row per person per warning.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instruction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warning_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("layer", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_instruction_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["warning_id"],
            ["warning.id"],
            name=op.f("fk_instruction_warning_id_warning"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instruction")),
        sa.UniqueConstraint("warning_id", "person_id", name="uq_instruction_warning_person"),
    )
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instruction_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_instruction_warning_state", ["warning_id", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("instruction", schema=None) as batch_op:
        batch_op.drop_index("ix_instruction_warning_state")
        batch_op.drop_index(batch_op.f("ix_instruction_person_id"))
    op.drop_table("instruction")
