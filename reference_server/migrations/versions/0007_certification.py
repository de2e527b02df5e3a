"""certification: runs, the office's signing key, client-mode sessions and their calls

Revision ID: 0007
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key_enc", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("purpose", name=op.f("uq_signing_keys_purpose")),
    )
    op.create_table(
        "certification_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("contract_version", sa.String(length=40), nullable=False),
        sa.Column("catalogue_version", sa.String(length=40), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("must_failures", sa.Integer(), nullable=False),
        sa.Column("should_failures", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_certification_runs_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_runs")),
        sa.UniqueConstraint("run_id", name=op.f("uq_certification_runs_run_id")),
    )
    with op.batch_alter_table("certification_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_runs_partner", ["partner_id", "submitted_at"], unique=False
        )

    op.create_table(
        "certification_sessions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column(
            "partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("client_code", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("scenarios", sa.Text(), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=True),
        sa.Column("injected", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_certification_sessions_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_sessions")),
        sa.UniqueConstraint("session_id", name=op.f("uq_certification_sessions_session_id")),
    )
    with op.batch_alter_table("certification_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_sessions_open", ["client_code", "closed_at"], unique=False
        )

    op.create_table(
        "certification_calls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "session_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("scenario", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=True),
        sa.Column("signature_fingerprint", sa.String(length=16), nullable=True),
        sa.Column("authorization_fingerprint", sa.String(length=16), nullable=True),
        sa.Column("request_body", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("retry_after", sa.Integer(), nullable=True),
        sa.Column("injected", sa.String(length=20), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["certification_sessions.id"],
            name=op.f("fk_certification_calls_session_id_certification_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_calls")),
        sa.UniqueConstraint(
            "session_id", "seq", name=op.f("uq_certification_calls_session_id_seq")
        ),
    )


def downgrade() -> None:
    op.drop_table("certification_calls")
    with op.batch_alter_table("certification_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_sessions_open")

    op.drop_table("certification_sessions")
    with op.batch_alter_table("certification_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_runs_partner")

    op.drop_table("certification_runs")
    op.drop_table("signing_keys")
