"""Tables of the status-lists capability (migration ``0004_status_lists``).

Only :mod:`sceau.status_lists.store` touches them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
)

from sceau.db.metadata import metadata

# One row per published list. ``statuses`` holds every entry's status, 2 bits per entry packed as
# the Token Status List byte array (0 valid, 1 revoked, 2 suspended); a ``bitstring`` list is
# published as two Bitstring Status List credentials (revocation, suspension) derived from it.
# ``next_position`` counts the positions handed out; position p is index perm(p), a keyed
# permutation of [0, size) (see ``_permutation.py``), so indices are random and never reused.
status_lists = Table(
    "status_lists",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("size", Integer, nullable=False),
    Column("next_position", Integer, nullable=False),
    Column("permutation_key", LargeBinary(32), nullable=False),
    Column("statuses", LargeBinary, nullable=False),
    # Bumped by every status change; the signed list is cached per version.
    Column("version", BigInteger, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
    CheckConstraint("kind IN ('token', 'bitstring')", name="kind"),
    CheckConstraint("next_position >= 0 AND next_position <= size", name="position"),
    Index("ix_status_lists_tenant_kind", "tenant", "kind"),
)

# One row per issued credential: no claim values unless the type keeps them for a retention period.
credential_records = Table(
    "credential_records",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("type_id", String(63), nullable=False),
    Column("format", String(32), nullable=False),
    # No FOREIGN KEY on purpose: on PostgreSQL every insert would take a KEY SHARE lock on the one
    # hot list row, turning concurrent issuance into MultiXact churn. Only this capability's
    # store writes both tables, and it only records list ids it allocated.
    Column("status_list_id", String(32), nullable=True),
    Column("status_index", Integer, nullable=True),
    # 0 valid, 1 revoked, 2 suspended (the Token Status List values, §Status Types Values).
    Column("status", SmallInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("holder_jkt", String(64), nullable=True),
    Column("credential_hash", String(128), nullable=False),
    Column("claims", JSON(none_as_null=True), nullable=True),
    Column("retention_until", BigInteger, nullable=True),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("status_changed_at_ms", BigInteger, nullable=True),
    # The database itself refuses a reused index, whatever the allocator does.
    UniqueConstraint("status_list_id", "status_index"),
    CheckConstraint("status IN (0, 1, 2)", name="status"),
    CheckConstraint("claims IS NULL OR retention_until IS NOT NULL", name="claims_retention"),
    Index("ix_credential_records_tenant_created", "tenant", "created_at_ms"),
)
