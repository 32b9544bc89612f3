"""The outbox (job timers), notices and their recipients.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:52:46.625128
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import yingji.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_timer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("due_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_timer")),
        sa.UniqueConstraint("key", name=op.f("uq_job_timer_key")),
    )
    with op.batch_alter_table("job_timer", schema=None) as batch_op:
        batch_op.create_index("ix_job_timer_state_due", ["state", "due_at"], unique=False)
        batch_op.create_index(
            "ix_job_timer_subject", ["subject_kind", "subject_id", "state"], unique=False
        )

    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("region_path", sa.String(length=400), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", yingji.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["region.id"], name=op.f("fk_notice_region_id_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
        sa.UniqueConstraint("key", name=op.f("uq_notice_key")),
    )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_region_id"), ["region_id"], unique=False)
        batch_op.create_index(
            "ix_notice_region_path",
            ["region_path"],
            unique=False,
            postgresql_ops={"region_path": "varchar_pattern_ops"},
        )
        batch_op.create_index("ix_notice_subject", ["subject_kind", "subject_id"], unique=False)

    op.create_table(
        "notice_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("read_at", yingji.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notice.id"],
            name=op.f("fk_notice_recipient_notice_id_notice"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_notice_recipient_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_notice_recipient_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_recipient")),
        sa.UniqueConstraint(
            "notice_id", "person_id", name=op.f("uq_notice_recipient_notice_id_person_id")
        ),
        sa.UniqueConstraint(
            "notice_id", "user_id", name=op.f("uq_notice_recipient_notice_id_user_id")
        ),
    )
    with op.batch_alter_table("notice_recipient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_recipient_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_notice_recipient_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_recipient_user_id"))
        batch_op.drop_index(batch_op.f("ix_notice_recipient_person_id"))

    op.drop_table("notice_recipient")
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_subject")
        batch_op.drop_index(
            "ix_notice_region_path", postgresql_ops={"region_path": "varchar_pattern_ops"}
        )
        batch_op.drop_index(batch_op.f("ix_notice_region_id"))

    op.drop_table("notice")
    with op.batch_alter_table("job_timer", schema=None) as batch_op:
        batch_op.drop_index("ix_job_timer_subject")
        batch_op.drop_index("ix_job_timer_state_due")

    op.drop_table("job_timer")
