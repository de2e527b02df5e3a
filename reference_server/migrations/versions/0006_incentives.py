"""incentives through payment partners: links, schedules, disbursements, ledger, reconciliation

Revision ID: 0006
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "payout_anomalies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("disbursement_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payout_anomalies_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_anomalies")),
    )
    with op.batch_alter_table("payout_anomalies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payout_anomalies_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "payout_slots",
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("held_by", sa.String(length=80), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payout_slots_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("partner_id", "slot", name=op.f("pk_payout_slots")),
    )
    op.create_table(
        "reconciliations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("statement_entries", sa.Integer(), nullable=False),
        sa.Column("ledger_entries", sa.Integer(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("partner_success_amount", sa.BigInteger(), nullable=False),
        sa.Column("ledger_paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("mismatch_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_reconciliations_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
        sa.UniqueConstraint("partner_id", "day", name=op.f("uq_reconciliations_partner_id_day")),
    )
    op.create_table(
        "reconciliation_mismatches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "reconciliation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("disbursement_id", sa.String(length=64), nullable=False),
        sa.Column("prakerja_amount", sa.BigInteger(), nullable=True),
        sa.Column("partner_amount", sa.BigInteger(), nullable=True),
        sa.Column("prakerja_status", sa.String(length=12), nullable=True),
        sa.Column("partner_status", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliations.id"],
            name=op.f("fk_reconciliation_mismatches_reconciliation_id_reconciliations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_mismatches")),
    )
    with op.batch_alter_table("reconciliation_mismatches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reconciliation_mismatches_reconciliation_id"),
            ["reconciliation_id"],
            unique=False,
        )

    op.create_table(
        "incentive_enrolments",
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("eligible_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_incentive_enrolments_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("card_id", name=op.f("pk_incentive_enrolments")),
    )
    op.create_table(
        "incentive_steps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_incentive_steps_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_steps")),
        sa.UniqueConstraint(
            "card_id", "kind", "step", name=op.f("uq_incentive_steps_card_id_kind_step")
        ),
    )
    with op.batch_alter_table("incentive_steps", schema=None) as batch_op:
        batch_op.create_index("ix_incentive_steps_due", ["status", "due_at"], unique=False)

    op.create_table(
        "payout_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("link_id", sa.String(length=40), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("account_type", sa.String(length=8), nullable=False),
        sa.Column("account_number", sa.String(length=20), nullable=False),
        sa.Column("holder_name", sa.String(length=100), nullable=False),
        sa.Column("kyc_level", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("otp_hash", sa.String(length=64), nullable=True),
        sa.Column("otp_attempts", sa.Integer(), nullable=False),
        sa.Column("otp_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_payout_links_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_payout_links_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_links")),
        sa.UniqueConstraint("link_id", name=op.f("uq_payout_links_link_id")),
    )
    with op.batch_alter_table("payout_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_links_card_id"), ["card_id"], unique=False)
        batch_op.create_index(
            "uq_payout_links_card_active",
            ["card_id"],
            unique=True,
            sqlite_where=sa.text("status = 'ACTIVE'"),
            postgresql_where=sa.text("status = 'ACTIVE'"),
        )

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("survey_code", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_survey_answers_card_id_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint(
            "card_id", "survey_code", name=op.f("uq_survey_answers_card_id_survey_code")
        ),
    )
    op.create_table(
        "disbursements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("disbursement_id", sa.String(length=40), nullable=False),
        sa.Column("step_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("link_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_type", sa.String(length=8), nullable=False),
        sa.Column("account_number", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("partner_reference", sa.String(length=64), nullable=True),
        sa.Column("failure_code", sa.String(length=16), nullable=True),
        sa.Column("partner_final_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("final_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_disbursements_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["payout_links.id"], name=op.f("fk_disbursements_link_id_payout_links")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_disbursements_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["incentive_steps.id"],
            name=op.f("fk_disbursements_step_id_incentive_steps"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disbursements")),
        sa.UniqueConstraint("disbursement_id", name=op.f("uq_disbursements_disbursement_id")),
    )
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disbursements_card_id"), ["card_id"], unique=False)
        batch_op.create_index(
            "ix_disbursements_partner_final", ["partner_id", "partner_final_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disbursements_step_id"), ["step_id"], unique=False)
        batch_op.create_index(
            "uq_disbursements_step_live",
            ["step_id"],
            unique=True,
            sqlite_where=sa.text("state != 'FAILED'"),
            postgresql_where=sa.text("state != 'FAILED'"),
        )

    op.create_table(
        "incentive_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "disbursement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("card_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_incentive_ledger_card_id_cards")
        ),
        sa.ForeignKeyConstraint(
            ["disbursement_id"],
            ["disbursements.id"],
            name=op.f("fk_incentive_ledger_disbursement_id_disbursements"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_incentive_ledger_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incentive_ledger")),
        sa.UniqueConstraint("disbursement_id", name=op.f("uq_incentive_ledger_disbursement_id")),
    )
    with op.batch_alter_table("incentive_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incentive_ledger_card_id"), ["card_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_incentive_ledger_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incentive_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incentive_ledger_partner_id"))
        batch_op.drop_index(batch_op.f("ix_incentive_ledger_card_id"))

    op.drop_table("incentive_ledger")
    with op.batch_alter_table("disbursements", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_disbursements_step_live",
            sqlite_where=sa.text("state != 'FAILED'"),
            postgresql_where=sa.text("state != 'FAILED'"),
        )
        batch_op.drop_index(batch_op.f("ix_disbursements_step_id"))
        batch_op.drop_index("ix_disbursements_partner_final")
        batch_op.drop_index(batch_op.f("ix_disbursements_card_id"))

    op.drop_table("disbursements")
    op.drop_table("survey_answers")
    with op.batch_alter_table("payout_links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payout_links_card_active",
            sqlite_where=sa.text("status = 'ACTIVE'"),
            postgresql_where=sa.text("status = 'ACTIVE'"),
        )
        batch_op.drop_index(batch_op.f("ix_payout_links_card_id"))

    op.drop_table("payout_links")
    with op.batch_alter_table("incentive_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_incentive_steps_due")

    op.drop_table("incentive_steps")
    op.drop_table("incentive_enrolments")
    with op.batch_alter_table("reconciliation_mismatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_mismatches_reconciliation_id"))

    op.drop_table("reconciliation_mismatches")
    op.drop_table("reconciliations")
    op.drop_table("payout_slots")
    with op.batch_alter_table("payout_anomalies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_anomalies_partner_id"))

    op.drop_table("payout_anomalies")
