"""signing_keys: per-tenant signing keys, private material sealed under the KEK.

Revision ID: 0002_signing_keys
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_signing_keys"
down_revision: str | None = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("algorithm", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("public_jwk", sa.JSON, nullable=False),
        sa.Column("key_ref", sa.LargeBinary, nullable=False),
        sa.Column("custodian_id", sa.String(200), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("retired_at_ms", sa.BigInteger, nullable=True),
        sa.Column("revoked_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("kid", name="pk_signing_keys"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_signing_keys_tenant_tenants",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "status IN ('active', 'retired', 'revoked')", name="ck_signing_keys_status"
        ),
    )
    op.create_index("ix_signing_keys_tenant_status", "signing_keys", ["tenant", "status"])
    op.create_index(
        "uq_signing_keys_active",
        "signing_keys",
        ["tenant", "algorithm"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("uq_signing_keys_active", table_name="signing_keys")
    op.drop_index("ix_signing_keys_tenant_status", table_name="signing_keys")
    op.drop_table("signing_keys")
