"""oid4vci: wallet providers trusted for key attestations, per tenant.

OpenID4VCI 1.0 Appendix D / HAIP 1.0 §"Key Attestation": the Credential Issuer validates a key
attestation's x5c chain to a wallet provider it trusts, and may require key attestations
(§12.2.4 ``key_attestations_required``), and may require wallets to authenticate with a Wallet
Attestation at the token endpoint and PAR (Appendix E, HAIP §"Token Endpoint").

Revision ID: 0010_wallet_providers
Revises: 0009_credential_identifiers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_wallet_providers"
down_revision: str | None = "0009_credential_identifiers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_wallet_providers",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("trust_anchors_pem", sa.JSON, nullable=False),
        sa.Column("key_attestation_required", sa.Boolean, nullable=False),
        sa.Column("key_attestation_configurations", sa.JSON, nullable=True),
        sa.Column("key_storage", sa.JSON, nullable=True),
        sa.Column("user_authentication", sa.JSON, nullable=True),
        # Appendix E / HAIP: Wallet Attestation required at the token endpoint and PAR.
        sa.Column(
            "wallet_attestation_required", sa.Boolean, nullable=False, server_default=sa.false()
        ),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_oid4vci_wallet_providers"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_oid4vci_wallet_providers_tenant_tenants",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("oid4vci_wallet_providers")
