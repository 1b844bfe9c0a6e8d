"""Tables of the foundation (migration ``0001_foundation``).

Capabilities own their tables: only ``sceau.tenants.store`` touches ``tenants`` and ``api_keys``,
only ``sceau.audit.store`` touches ``audit_events``, ``audit_chain_head`` and ``audit_pending``.
They are declared here because the foundation migration creates most of them; later capabilities
may keep their tables in their own folder on the same :data:`~sceau.db.metadata.metadata`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from sceau.db.metadata import metadata

tenants = Table(
    "tenants",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slug", String(63), nullable=False, unique=True),
    Column("name_en", String(200), nullable=False),
    Column("name_fr", String(200), nullable=False),
    # Allowed signing algorithms, a JSON array of JOSE names (default ["ES256"]).
    Column("signing_algorithms", JSON, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    # Public key id, embedded in the token: sceau_<key_id>_<secret>.
    Column("key_id", String(32), primary_key=True),
    # NULL for the platform-admin role.
    Column("tenant_id", Integer, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=True),
    Column("role", String(32), nullable=False),
    Column("label", String(200), nullable=False),
    # SHA-256 (hex) of the 256-bit random secret; the secret itself is never stored.
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("last_used_at_ms", BigInteger, nullable=True),
    Column("revoked_at_ms", BigInteger, nullable=True),
    CheckConstraint(
        "role IN ('platform_admin', 'admin', 'issuer', 'verifier', 'auditor')", name="role"
    ),
    CheckConstraint(
        "(role = 'platform_admin' AND tenant_id IS NULL)"
        " OR (role <> 'platform_admin' AND tenant_id IS NOT NULL)",
        name="role_tenant",
    ),
    Index("ix_api_keys_tenant_id", "tenant_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("occurred_at_ms", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    # The tenant slug at the time of the event (slugs are immutable), or NULL for platform events.
    Column("tenant", String(63), nullable=True),
    Column("action", String(100), nullable=False),
    Column("target", String(200), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_events_tenant_seq", "tenant", "seq"),
)

# One row (id = 1): the sequence number and hash of the newest sealed event. The sealer updates it
# first, which takes its row lock (PostgreSQL) or the write lock (SQLite): one sealer at a time.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

# Events recorded with the change they describe, in its transaction, not yet in the chain
# (migration 0014): an insert that takes no shared lock. The sealer (sceau.audit.service.seal)
# moves them, in ``id`` order, into ``audit_events`` and deletes them, in one transaction.
audit_pending = Table(
    "audit_pending",
    metadata,
    # INTEGER PRIMARY KEY on SQLite (the rowid), BIGINT with a sequence on PostgreSQL.
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("occurred_at_ms", BigInteger, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("tenant", String(63), nullable=True),
    Column("action", String(100), nullable=False),
    Column("target", String(200), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("details", JSON, nullable=False),
)
