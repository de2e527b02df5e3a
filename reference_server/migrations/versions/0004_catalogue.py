"""catalogue and curation: course submissions and their schedules, assessments, reviews, training
results; courses gain category, description, duration, status, seller DP and a listed flag

Revision ID: 0004
Revises: 0005 (jobs landed first; revisions are linear)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_submissions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("course_code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("dp_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lp_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("duration_hours", sa.Integer(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("max_age", sa.Integer(), nullable=True),
        sa.Column("min_education", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_submissions_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["dp_id"], ["partners.id"], name=op.f("fk_course_submissions_dp_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["lp_id"], ["partners.id"], name=op.f("fk_course_submissions_lp_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_submissions")),
        sa.UniqueConstraint(
            "course_code", "version", name=op.f("uq_course_submissions_course_code_version")
        ),
    )
    with op.batch_alter_table("course_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_submissions_course_code"), ["course_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_course_submissions_dp_id"), ["dp_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_course_submissions_status"), ["status"], unique=False)

    op.create_table(
        "course_assessments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("course_code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("weighted_mean", sa.String(length=8), nullable=False),
        sa.Column("pass_mean", sa.String(length=8), nullable=False),
        sa.Column("critical_minimum", sa.Integer(), nullable=False),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("assessor", sa.String(length=80), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["course_submissions.id"],
            name=op.f("fk_course_assessments_submission_id_course_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_assessments")),
    )
    with op.batch_alter_table("course_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_assessments_course_code"), ["course_code"], unique=False
        )

    op.create_table(
        "submission_schedules",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "submission_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("schedule_code", sa.String(length=64), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["course_submissions.id"],
            name=op.f("fk_submission_schedules_submission_id_course_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_schedules")),
    )
    with op.batch_alter_table("submission_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_schedules_submission_id"), ["submission_id"], unique=False
        )
        batch_op.create_index(
            "uq_submission_schedules_live_code",
            ["schedule_code"],
            unique=True,
            sqlite_where=sa.text("live"),
            postgresql_where=sa.text("live"),
        )

    op.create_table(
        "reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("review", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], name=op.f("fk_reviews_card_id_cards")),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_reviews_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_reviews_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_reviews_transaction_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_course_id"), ["course_id"], unique=False)

    op.create_table(
        "training_results",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "redeem_code_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "course_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("lp_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pre_test", sa.Integer(), nullable=False),
        sa.Column("post_test", sa.Integer(), nullable=False),
        sa.Column("certificate_number", sa.String(length=64), nullable=True),
        sa.Column("certificate_url", sa.String(length=2048), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_training_results_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["lp_id"], ["partners.id"], name=op.f("fk_training_results_lp_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["redeem_code_id"],
            ["redeem_codes.id"],
            name=op.f("fk_training_results_redeem_code_id_redeem_codes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_results")),
        sa.UniqueConstraint(
            "lp_id", "certificate_number", name=op.f("uq_training_results_lp_id_certificate_number")
        ),
        sa.UniqueConstraint("redeem_code_id", name=op.f("uq_training_results_redeem_code_id")),
    )
    with op.batch_alter_table("training_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_results_course_id"), ["course_id"], unique=False
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("duration_hours", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), server_default="active", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "seller_dp_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("listed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_courses_seller_dp_id_partners"), "partners", ["seller_dp_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_courses_seller_dp_id_partners"), type_="foreignkey")
        batch_op.drop_column("listed")
        batch_op.drop_column("seller_dp_id")
        batch_op.drop_column("status")
        batch_op.drop_column("duration_hours")
        batch_op.drop_column("description")
        batch_op.drop_column("category")

    with op.batch_alter_table("training_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_results_course_id"))

    op.drop_table("training_results")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_course_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_card_id"))

    op.drop_table("reviews")
    with op.batch_alter_table("submission_schedules", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_submission_schedules_live_code",
            sqlite_where=sa.text("live"),
            postgresql_where=sa.text("live"),
        )
        batch_op.drop_index(batch_op.f("ix_submission_schedules_submission_id"))

    op.drop_table("submission_schedules")
    with op.batch_alter_table("course_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_assessments_course_code"))

    op.drop_table("course_assessments")
    with op.batch_alter_table("course_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_submissions_status"))
        batch_op.drop_index(batch_op.f("ix_course_submissions_dp_id"))
        batch_op.drop_index(batch_op.f("ix_course_submissions_course_code"))

    op.drop_table("course_submissions")
