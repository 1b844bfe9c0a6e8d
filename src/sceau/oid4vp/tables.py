"""Tables of the OpenID4VP verifier (migration ``0006_verification``).

Only :mod:`sceau.oid4vp.store` touches them. No column ever holds a disclosed claim value in the
clear: ``sealed_result`` is a JWE to a key derived from the request's own secret (which is not
stored) and is deleted at its first read.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, String, Table, Text

from sceau.db.metadata import metadata

presentation_requests = Table(
    "presentation_requests",
    metadata,
    Column("id", String(43), primary_key=True),
    Column(
        "tenant",
        String(63),
        ForeignKey("tenants.slug", ondelete="CASCADE", name="fk_presentation_requests_tenant"),
        nullable=False,
    ),
    Column("secret_hash", String(64), nullable=False),
    # Public key (JWK) derived from the secret: disclosed claims are sealed to it.
    Column("result_jwk", JSON, nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("state", String(64), nullable=False),
    Column("purpose", String(63), nullable=False),
    Column("response_mode", String(32), nullable=False),
    Column("dcql_query", JSON, nullable=False),
    # direct_post.jwt only: the ephemeral response decryption key, wiped once answered.
    Column("response_key", JSON, nullable=True),
    Column("redirect_uri", Text, nullable=True),
    Column("response_code_hash", String(64), nullable=True),
    Column("status", String(16), nullable=False),
    Column("reasons", JSON, nullable=True),
    Column("outcome", JSON, nullable=True),  # metadata only: formats, types, issuers
    Column("sealed_result", Text, nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("completed_at_ms", BigInteger, nullable=True),
    Column("result_read_at_ms", BigInteger, nullable=True),
    Index("ix_presentation_requests_tenant", "tenant", "created_at_ms"),
)
