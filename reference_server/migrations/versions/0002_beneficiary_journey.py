"""beneficiary journey

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phone_verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_accounts_account_id")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_accounts_phone")),
    )
    op.create_table(
        "mail_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("otp", sa.String(length=12), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_messages")),
    )
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_messages_email"), ["email"], unique=False)

    op.create_table(
        "outbox_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_jobs")),
        sa.UniqueConstraint("kind", "ref", name=op.f("uq_outbox_jobs_kind_ref")),
    )
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_jobs_due", ["status", "run_after"], unique=False)

    op.create_table(
        "rate_hits",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start", name=op.f("pk_rate_hits")),
    )
    op.create_table(
        "waves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("wave_code", sa.String(length=32), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seed_enc", sa.Text(), nullable=True),
        sa.Column("seed_commitment", sa.String(length=64), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("eligible_joiners", sa.Integer(), nullable=True),
        sa.Column("winners", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waves")),
        sa.UniqueConstraint("wave_code", name=op.f("uq_waves_wave_code")),
    )
    op.create_table(
        "account_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_account_sessions_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_sessions_token_hash")),
    )
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_sessions_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "applicants",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("kk", sa.String(length=16), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("birth_place", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("region_code", sa.String(length=8), nullable=True),
        sa.Column("education", sa.String(length=3), nullable=True),
        sa.Column("employment_status", sa.String(length=16), nullable=True),
        sa.Column("is_official", sa.Boolean(), nullable=True),
        sa.Column("identity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("selfie_token", sa.String(length=128), nullable=True),
        sa.Column("selfie_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registry_kk", sa.String(length=16), nullable=True),
        sa.Column("registry_occupation", sa.String(length=40), nullable=True),
        sa.Column("face_id", sa.String(length=64), nullable=True),
        sa.Column("dtks", sa.Boolean(), nullable=True),
        sa.Column("scheme", sa.String(length=20), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wave_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_applicants_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name=op.f("fk_applicants_wave_id_waves")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applicants")),
        sa.UniqueConstraint("account_id", name=op.f("uq_applicants_account_id")),
    )
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applicants_nik"), ["nik"], unique=False)
        batch_op.create_index(batch_op.f("ix_applicants_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_applicants_wave_id"), ["wave_id"], unique=False)

    op.create_table(
        "contact_otps",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("otp_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_contact_otps_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_otps")),
    )
    with op.batch_alter_table("contact_otps", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_otps_account_channel", ["account_id", "channel"], unique=False
        )

    op.create_table(
        "face_claims",
        sa.Column("face_id", sa.String(length=64), nullable=False),
        sa.Column(
            "applicant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_face_claims_applicant_id_applicants")
        ),
        sa.PrimaryKeyConstraint("face_id", name=op.f("pk_face_claims")),
        sa.UniqueConstraint("applicant_id", name=op.f("uq_face_claims_applicant_id")),
    )
    op.create_table(
        "kk_slots",
        sa.Column("kk", sa.String(length=16), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column(
            "applicant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_kk_slots_applicant_id_applicants")
        ),
        sa.PrimaryKeyConstraint("kk", "slot", name=op.f("pk_kk_slots")),
        sa.UniqueConstraint("applicant_id", name=op.f("uq_kk_slots_applicant_id")),
    )
    op.create_table(
        "nik_claims",
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column(
            "applicant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["applicant_id"], ["applicants.id"], name=op.f("fk_nik_claims_applicant_id_applicants")
        ),
        sa.PrimaryKeyConstraint("nik", name=op.f("pk_nik_claims")),
        sa.UniqueConstraint("applicant_id", name=op.f("uq_nik_claims_applicant_id")),
    )
    op.create_table(
        "wave_joiners",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("wave_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "applicant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("carried", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.Column("draw_rank", sa.Integer(), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applicant_id"],
            ["applicants.id"],
            name=op.f("fk_wave_joiners_applicant_id_applicants"),
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["waves.id"], name=op.f("fk_wave_joiners_wave_id_waves")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_joiners")),
        sa.UniqueConstraint(
            "wave_id", "applicant_id", name=op.f("uq_wave_joiners_wave_id_applicant_id")
        ),
        sa.UniqueConstraint("wave_id", "nik", name=op.f("uq_wave_joiners_wave_id_nik")),
    )
    with op.batch_alter_table("wave_joiners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wave_joiners_applicant_id"), ["applicant_id"], unique=False
        )

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "wave_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("purchase_deadline", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cards_purchase_deadline"), ["purchase_deadline"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cards_wave_id"), ["wave_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_cards_wave_id_waves"), "waves", ["wave_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cards_wave_id_waves"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cards_wave_id"))
        batch_op.drop_index(batch_op.f("ix_cards_purchase_deadline"))
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("purchase_deadline")
        batch_op.drop_column("wave_id")

    with op.batch_alter_table("wave_joiners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wave_joiners_applicant_id"))

    op.drop_table("wave_joiners")
    op.drop_table("nik_claims")
    op.drop_table("kk_slots")
    op.drop_table("face_claims")
    with op.batch_alter_table("contact_otps", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_otps_account_channel")

    op.drop_table("contact_otps")
    with op.batch_alter_table("applicants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applicants_wave_id"))
        batch_op.drop_index(batch_op.f("ix_applicants_stage"))
        batch_op.drop_index(batch_op.f("ix_applicants_nik"))

    op.drop_table("applicants")
    with op.batch_alter_table("account_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_sessions_account_id"))

    op.drop_table("account_sessions")
    op.drop_table("waves")
    op.drop_table("rate_hits")
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_jobs_due")

    op.drop_table("outbox_jobs")
    with op.batch_alter_table("mail_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_messages_email"))

    op.drop_table("mail_messages")
    op.drop_table("accounts")
