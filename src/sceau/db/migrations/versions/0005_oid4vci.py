"""oid4vci: offers, access tokens, used c_nonces and their key, issuances, DPoP jtis.

Revision ID: 0005_oid4vci
Revises: 0004_status_lists
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_oid4vci"
down_revision: str | None = "0004_status_lists"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oid4vci_offers",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("offer", sa.JSON, nullable=True),
        sa.Column("configuration_ids", sa.JSON, nullable=False),
        sa.Column("claims", sa.JSON, nullable=True),
        sa.Column("tx_code_hash", sa.String(64), nullable=True),
        sa.Column("tx_code_salt", sa.String(32), nullable=True),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retry_after_ms", sa.BigInteger, nullable=True),
        sa.Column("locked_at_ms", sa.BigInteger, nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("used_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_offers"),
        sa.UniqueConstraint("code_hash", name="uq_oid4vci_offers_code_hash"),
    )
    op.create_index("ix_oid4vci_offers_expires_at_ms", "oid4vci_offers", ["expires_at_ms"])
    op.create_table(
        "oid4vci_access_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("offer_id", sa.String(43), nullable=False),
        sa.Column("configuration_ids", sa.JSON, nullable=False),
        sa.Column("jkt", sa.String(64), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_oid4vci_access_tokens"),
    )
    op.create_index(
        "ix_oid4vci_access_tokens_expires_at_ms", "oid4vci_access_tokens", ["expires_at_ms"]
    )
    op.create_table(
        "oid4vci_c_nonces",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("nonce", name="pk_oid4vci_c_nonces"),
    )
    op.create_index("ix_oid4vci_c_nonces_expires_at_ms", "oid4vci_c_nonces", ["expires_at_ms"])
    op.create_table(
        "oid4vci_issuances",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("configuration_id", sa.String(63), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("transaction_id", sa.String(64), nullable=True),
        sa.Column("holder_jwks", sa.JSON, nullable=True),
        sa.Column("ready_at_ms", sa.BigInteger, nullable=True),
        sa.Column("record_ids", sa.JSON, nullable=True),
        sa.Column("event", sa.String(32), nullable=True),
        sa.Column("event_at_ms", sa.BigInteger, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_issuances"),
        sa.UniqueConstraint("transaction_id", name="uq_oid4vci_issuances_transaction_id"),
        sa.UniqueConstraint(
            "token_hash",
            "configuration_id",
            name="uq_oid4vci_issuances_token_hash_configuration_id",
        ),
    )
    op.create_table(
        "oid4vci_nonce_keys",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("secret", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_oid4vci_nonce_keys"),
    )
    op.create_table(
        "oauth_dpop_jtis",
        sa.Column("jkt", sa.String(64), nullable=False),
        sa.Column("jti", sa.String(256), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("jkt", "jti", name="pk_oauth_dpop_jtis"),
    )
    op.create_index("ix_oauth_dpop_jtis_expires_at_ms", "oauth_dpop_jtis", ["expires_at_ms"])


def downgrade() -> None:
    op.drop_table("oauth_dpop_jtis")
    op.drop_table("oid4vci_nonce_keys")
    op.drop_table("oid4vci_issuances")
    op.drop_table("oid4vci_c_nonces")
    op.drop_table("oid4vci_access_tokens")
    op.drop_table("oid4vci_offers")
