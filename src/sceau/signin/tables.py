"""Tables of the OpenID Connect provider (migration ``0008_signin``).

Only :mod:`sceau.signin` touches them. Secrets are never stored readable: client secrets, codes,
access tokens, PAR request URIs, browser-binding cookies and client-assertion ``jti`` values are
kept as SHA-256 hashes; the presentation request's secret, the claims taken from a presentation
and the per-tenant pairwise-subject key are sealed under the KEK (AES-256-GCM, bound to the row).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
)

from sceau.db.metadata import metadata

signin_relying_parties = Table(
    "signin_relying_parties",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("tenant", String(63), ForeignKey("tenants.slug", ondelete="CASCADE"), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("name_fr", String(200), nullable=False),
    Column("redirect_uris", JSON, nullable=False),
    Column("post_logout_redirect_uris", JSON, nullable=False),
    Column("backchannel_logout_uri", String(2048), nullable=True),
    Column("token_endpoint_auth_method", String(32), nullable=False),
    Column("jwks", JSON, nullable=True),
    Column("secret_hash", String(64), nullable=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
    Index("ix_signin_relying_parties_tenant", "tenant"),
)

# Per tenant: the HMAC key of pairwise subjects (OIDC Core §8.1), sealed under the KEK.
signin_tenant_keys = Table(
    "signin_tenant_keys",
    metadata,
    Column(
        "tenant",
        String(63),
        ForeignKey("tenants.slug", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("pairwise_key_sealed", LargeBinary, nullable=False),
    Column("kek_id", String(16), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
)

signin_par_requests = Table(
    "signin_par_requests",
    metadata,
    Column("request_uri_hash", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("params", JSON, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger, nullable=True),
    Index("ix_signin_par_requests_expires_at_ms", "expires_at_ms"),
)

# One row per sign-in: from authorize to logout. ``status``: pending (waiting for the wallet),
# code (authorization code issued), redeemed (tokens issued), failed (an error redirect was
# sent), ended (logged out).
signin_sessions = Table(
    "signin_sessions",
    metadata,
    Column("id", String(43), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("redirect_uri", String(2048), nullable=False),
    Column("state", String(2048), nullable=True),
    Column("nonce", String(512), nullable=True),
    Column("code_challenge", String(43), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("locale", String(8), nullable=False),
    Column("binding_hash", String(64), nullable=False),
    Column("presentation_id", String(64), nullable=False),
    Column("presentation_secret_sealed", LargeBinary, nullable=True),
    Column("status", String(16), nullable=False),
    Column("code_hash", String(64), nullable=True, unique=True),
    Column("claims_sealed", LargeBinary, nullable=True),
    Column("sub", String(64), nullable=True),
    Column("acr", String(64), nullable=True),
    Column("sid", String(43), nullable=True, unique=True),
    Column("auth_time", BigInteger, nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Index("ix_signin_sessions_tenant_expires", "tenant", "expires_at_ms"),
)

signin_access_tokens = Table(
    "signin_access_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("session_id", String(43), nullable=False),
    Column("client_id", String(64), nullable=False),
    Column("sub", String(64), nullable=False),
    Column("claims_sealed", LargeBinary, nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("revoked_at_ms", BigInteger, nullable=True),
    Index("ix_signin_access_tokens_session_id", "session_id"),
    Index("ix_signin_access_tokens_expires_at_ms", "expires_at_ms"),
)

# private_key_jwt replay defence (RFC 7523 §3 item 7): a jti is accepted once until it expires.
signin_client_assertions = Table(
    "signin_client_assertions",
    metadata,
    Column("jti_hash", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Index("ix_signin_client_assertions_expires_at_ms", "expires_at_ms"),
)
