"""audit: events are recorded as pending rows and sealed into the hash chain afterwards.

Before, every audited change advanced the one-row chain head inside its own transaction, so all
audited writes of all servers queued on that row lock until commit. Now the change inserts into
``audit_pending`` (no shared lock) and a sealer appends pending rows to the chain in batches
(``sceau.audit.service.seal``). The chain's encoding and ``audit_events`` are unchanged.

Revision ID: 0014_audit_pending
Revises: 0013_access_token_client
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_audit_pending"
down_revision: str | None = "0013_access_token_client"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_at_ms", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=True),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_pending"),
    )


def downgrade() -> None:
    # Pending events are not in the chain yet: dropping them would lose audit records.
    pending = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM audit_pending")).scalar_one()
    if pending:
        raise RuntimeError(
            f"{pending} audit event(s) are not sealed yet: run `sceau audit verify` (it seals"
            " them) with every server stopped, then downgrade"
        )
    op.drop_table("audit_pending")
