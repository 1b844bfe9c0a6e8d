"""Tables of the verification capability (migration ``0006_verification``).

Only :mod:`sceau.verification.store` touches them.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table

from sceau.db.metadata import metadata

# One row per verifier tenant: its OpenID4VP client identity, purposes and trust policy.
verifier_configs = Table(
    "verifier_configs",
    metadata,
    Column(
        "tenant",
        String(63),
        ForeignKey("tenants.slug", ondelete="CASCADE", name="fk_verifier_configs_tenant_tenants"),
        primary_key=True,
    ),
    Column("config", JSON, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)
