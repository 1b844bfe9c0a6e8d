"""signin: relying parties, pairwise keys, PAR requests, sign-in sessions, access tokens, jtis.

Revision ID: 0008_signin
Revises: 0007_authorization_code
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_signin"
down_revision: str | None = "0007_authorization_code"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_relying_parties",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_fr", sa.String(200), nullable=False),
        sa.Column("redirect_uris", sa.JSON, nullable=False),
        sa.Column("post_logout_redirect_uris", sa.JSON, nullable=False),
        sa.Column("backchannel_logout_uri", sa.String(2048), nullable=True),
        sa.Column("token_endpoint_auth_method", sa.String(32), nullable=False),
        sa.Column("jwks", sa.JSON, nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=True),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_signin_relying_parties"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_signin_relying_parties_tenant_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_signin_relying_parties_tenant", "signin_relying_parties", ["tenant"])
    op.create_table(
        "signin_tenant_keys",
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("pairwise_key_sealed", sa.LargeBinary, nullable=False),
        sa.Column("kek_id", sa.String(16), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant", name="pk_signin_tenant_keys"),
        sa.ForeignKeyConstraint(
            ["tenant"],
            ["tenants.slug"],
            name="fk_signin_tenant_keys_tenant_tenants",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "signin_par_requests",
        sa.Column("request_uri_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("used_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("request_uri_hash", name="pk_signin_par_requests"),
    )
    op.create_index(
        "ix_signin_par_requests_expires_at_ms", "signin_par_requests", ["expires_at_ms"]
    )
    op.create_table(
        "signin_sessions",
        sa.Column("id", sa.String(43), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("redirect_uri", sa.String(2048), nullable=False),
        sa.Column("state", sa.String(2048), nullable=True),
        sa.Column("nonce", sa.String(512), nullable=True),
        sa.Column("code_challenge", sa.String(43), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("binding_hash", sa.String(64), nullable=False),
        sa.Column("presentation_id", sa.String(64), nullable=False),
        sa.Column("presentation_secret_sealed", sa.LargeBinary, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=True),
        sa.Column("claims_sealed", sa.LargeBinary, nullable=True),
        sa.Column("sub", sa.String(64), nullable=True),
        sa.Column("acr", sa.String(64), nullable=True),
        sa.Column("sid", sa.String(43), nullable=True),
        sa.Column("auth_time", sa.BigInteger, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signin_sessions"),
        sa.UniqueConstraint("code_hash", name="uq_signin_sessions_code_hash"),
        sa.UniqueConstraint("sid", name="uq_signin_sessions_sid"),
    )
    op.create_index(
        "ix_signin_sessions_tenant_expires", "signin_sessions", ["tenant", "expires_at_ms"]
    )
    op.create_table(
        "signin_access_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("session_id", sa.String(43), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("sub", sa.String(64), nullable=False),
        sa.Column("claims_sealed", sa.LargeBinary, nullable=True),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked_at_ms", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name="pk_signin_access_tokens"),
    )
    op.create_index("ix_signin_access_tokens_session_id", "signin_access_tokens", ["session_id"])
    op.create_index(
        "ix_signin_access_tokens_expires_at_ms", "signin_access_tokens", ["expires_at_ms"]
    )
    op.create_table(
        "signin_client_assertions",
        sa.Column("jti_hash", sa.String(64), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("jti_hash", name="pk_signin_client_assertions"),
    )
    op.create_index(
        "ix_signin_client_assertions_expires_at_ms",
        "signin_client_assertions",
        ["expires_at_ms"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_signin_client_assertions_expires_at_ms", table_name="signin_client_assertions"
    )
    op.drop_table("signin_client_assertions")
    op.drop_index("ix_signin_access_tokens_expires_at_ms", table_name="signin_access_tokens")
    op.drop_index("ix_signin_access_tokens_session_id", table_name="signin_access_tokens")
    op.drop_table("signin_access_tokens")
    op.drop_index("ix_signin_sessions_tenant_expires", table_name="signin_sessions")
    op.drop_table("signin_sessions")
    op.drop_index("ix_signin_par_requests_expires_at_ms", table_name="signin_par_requests")
    op.drop_table("signin_par_requests")
    op.drop_table("signin_tenant_keys")
    op.drop_index("ix_signin_relying_parties_tenant", table_name="signin_relying_parties")
    op.drop_table("signin_relying_parties")
