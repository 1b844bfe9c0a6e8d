"""oid4vci authorization code flow: upstream OIDC providers, PAR requests, authorizations.

Revision ID: 0007_authorization_code
Revises: 0006_verification
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_authorization_code"
down_revision: str | None = "0006_verification"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_upstream_oidc",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("issuer", sa.String(512), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_sealed", sa.LargeBinary, nullable=False),
        sa.Column("kek_id", sa.String(16), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("claim_mapping", sa.JSON, nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_oid4vci_upstream_oidc"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_oid4vci_upstream_oidc_tenant_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "oid4vci_par_requests",
        sa.Column("request_uri_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("used_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("request_uri_hash", name="pk_oid4vci_par_requests"),
    )
    op.create_index(
        "ix_oid4vci_par_requests_expires_at_ms", "oid4vci_par_requests", ["expires_at_ms"]
    )
    op.create_table(
        "oid4vci_authorizations",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("wallet_state", sa.String(2048), nullable=True),
        sa.Column("code_challenge", sa.String(43), nullable=False),
        sa.Column("configuration_ids", sa.JSON, nullable=False),
        sa.Column("used_authorization_details", sa.Boolean, nullable=False),
        sa.Column("issuer_state", sa.String(2048), nullable=True),
        sa.Column("binding_hash", sa.String(64), nullable=False),
        sa.Column("upstream_state_hash", sa.String(64), nullable=False),
        sa.Column("upstream_nonce", sa.String(64), nullable=False),
        sa.Column("upstream_verifier", sa.String(128), nullable=True),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("claims", sa.JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_authorizations"),
        sa.UniqueConstraint(
            "upstream_state_hash", name="uq_oid4vci_authorizations_upstream_state_hash"
        ),
        sa.UniqueConstraint("code_hash", name="uq_oid4vci_authorizations_code_hash"),
    )
    op.create_index(
        "ix_oid4vci_authorizations_expires_at_ms", "oid4vci_authorizations", ["expires_at_ms"]
    )


def downgrade() -> None:
    op.drop_index("ix_oid4vci_authorizations_expires_at_ms", table_name="oid4vci_authorizations")
    op.drop_table("oid4vci_authorizations")
    op.drop_index("ix_oid4vci_par_requests_expires_at_ms", table_name="oid4vci_par_requests")
    op.drop_table("oid4vci_par_requests")
    op.drop_table("oid4vci_upstream_oidc")
