"""partner channels: the key Prakerja signs outbound calls with, the partner's API and webhook URLs

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_key_enc", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("base_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("base_url")
        batch_op.drop_column("webhook_key_enc")
