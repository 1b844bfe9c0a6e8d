"""Tables of the shared OAuth pieces (created by migration ``0005_oid4vci``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, String, Table

from sceau.db.metadata import metadata

# DPoP proofs seen (RFC 9449 §11.1): a proof's jti is accepted once per key until it expires.
oauth_dpop_jtis = Table(
    "oauth_dpop_jtis",
    metadata,
    Column("jkt", String(64), primary_key=True),
    Column("jti", String(256), primary_key=True),
    Column("expires_at_ms", BigInteger, nullable=False),
    Index("ix_oauth_dpop_jtis_expires_at_ms", "expires_at_ms"),
)
