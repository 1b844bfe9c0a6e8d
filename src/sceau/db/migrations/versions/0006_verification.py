"""verification: verifier configuration (trust policy) and OpenID4VP presentation requests.

Revision ID: 0006_verification
Revises: 0005_oid4vci
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_verification"
down_revision: str | None = "0005_oid4vci"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifier_configs",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_verifier_configs"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_verifier_configs_tenant_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "presentation_requests",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("result_jwk", sa.JSON, nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(63), nullable=False),
        sa.Column("response_mode", sa.String(32), nullable=False),
        sa.Column("dcql_query", sa.JSON, nullable=False),
        sa.Column("response_key", sa.JSON, nullable=True),
        sa.Column("redirect_uri", sa.Text, nullable=True),
        sa.Column("response_code_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=True),
        sa.Column("outcome", sa.JSON, nullable=True),
        sa.Column("sealed_result", sa.Text, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("completed_at_ms", sa.BigInteger, nullable=True),
        sa.Column("result_read_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_presentation_requests"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_presentation_requests_tenant",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_presentation_requests_tenant", "presentation_requests", ["tenant", "created_at_ms"]
    )


def downgrade() -> None:
    op.drop_index("ix_presentation_requests_tenant", table_name="presentation_requests")
    op.drop_table("presentation_requests")
    op.drop_table("verifier_configs")
