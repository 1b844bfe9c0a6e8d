"""The ``credential_types`` table (migration ``0003_credential_types``); only ``store`` uses it."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, String, Table

from sceau.db.metadata import metadata

credential_types = Table(
    "credential_types",
    metadata,
    # Tenant slugs are immutable, so the slug is the key (no lookup of the tenant's row id).
    Column(
        "tenant_slug",
        String(63),
        ForeignKey("tenants.slug", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("type_id", String(63), primary_key=True),
    Column("format", String(16), nullable=False),
    # The full CredentialType minus tenant_slug/id/timestamps, msgspec-encoded JSON.
    Column("definition", JSON, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
    CheckConstraint("format IN ('dc+sd-jwt', 'ldp_vc', 'jwt_vc_json')", name="format"),
)
