"""Data access for ``signing_keys`` (only this module touches the table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    and_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.db.metadata import metadata
from sceau.keys.models import KeyStatus, SigningKey

signing_keys = Table(
    "signing_keys",
    metadata,
    # RFC 7638 thumbprint of the public key.
    Column("kid", String(64), primary_key=True),
    # Tenant slugs are immutable; the FK keeps keys from outliving their tenant.
    Column(
        "tenant",
        String(63),
        ForeignKey("tenants.slug", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("algorithm", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("backend", String(16), nullable=False),
    Column("public_jwk", JSON, nullable=False),
    # Software backend: nonce || AES-GCM(PKCS#8 DER); HSM/KMS: a key handle.
    Column("key_ref", LargeBinary, nullable=False),
    # KEK fingerprint (software) or device/KMS key id.
    Column("custodian_id", String(200), nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("retired_at_ms", BigInteger, nullable=True),
    Column("revoked_at_ms", BigInteger, nullable=True),
    # Migration 0011: the key's X.509 chain {"source", "pem": [leaf, ..., root], "not_after_ms"}
    # (HAIP 1.0 issuer x5c); NULL when none was uploaded or generated.
    Column("x509_chain", JSON(none_as_null=True), nullable=True),
    CheckConstraint("status IN ('active', 'retired', 'revoked')", name="status"),
    Index("ix_signing_keys_tenant_status", "tenant", "status"),
    # At most one active key per tenant and algorithm: rotation retires before it inserts, and a
    # concurrent first-key creation loses with an integrity error instead of forking.
    Index(
        "uq_signing_keys_active",
        "tenant",
        "algorithm",
        unique=True,
        sqlite_where=text("status = 'active'"),
        postgresql_where=text("status = 'active'"),
    ),
)

_PUBLIC_COLUMNS = (
    signing_keys.c.kid,
    signing_keys.c.tenant,
    signing_keys.c.algorithm,
    signing_keys.c.status,
    signing_keys.c.backend,
    signing_keys.c.public_jwk,
    signing_keys.c.created_at_ms,
    signing_keys.c.retired_at_ms,
    signing_keys.c.revoked_at_ms,
)


def _record(row: Any) -> SigningKey:
    return SigningKey(
        kid=row.kid,
        tenant=row.tenant,
        algorithm=row.algorithm,
        status=row.status,
        backend=row.backend,
        public_jwk=dict(row.public_jwk),
        created_at_ms=row.created_at_ms,
        retired_at_ms=row.retired_at_ms,
        revoked_at_ms=row.revoked_at_ms,
    )


async def insert_key(
    conn: AsyncConnection,
    *,
    kid: str,
    tenant: str,
    algorithm: str,
    backend: str,
    public_jwk: dict[str, Any],
    key_ref: bytes,
    custodian_id: str,
    created_at_ms: int,
    x509_chain: dict[str, Any] | None = None,
) -> SigningKey:
    values = {
        "kid": kid,
        "tenant": tenant,
        "algorithm": algorithm,
        "status": "active",
        "backend": backend,
        "public_jwk": public_jwk,
        "key_ref": key_ref,
        "custodian_id": custodian_id,
        "created_at_ms": created_at_ms,
        "x509_chain": x509_chain,
    }
    await conn.execute(signing_keys.insert().values(**values))
    return SigningKey(
        kid=kid,
        tenant=tenant,
        algorithm=algorithm,
        status="active",
        backend=backend,
        public_jwk=public_jwk,
        created_at_ms=created_at_ms,
    )


async def list_keys(
    conn: AsyncConnection,
    tenant: str,
    statuses: tuple[KeyStatus, ...] | None = None,
    limit: int = 500,
) -> list[SigningKey]:
    query = select(*_PUBLIC_COLUMNS).where(signing_keys.c.tenant == tenant)
    if statuses is not None:
        query = query.where(signing_keys.c.status.in_(statuses))
    query = query.order_by(signing_keys.c.created_at_ms.desc(), signing_keys.c.kid).limit(limit)
    return [_record(r) for r in (await conn.execute(query)).all()]


async def get_key(conn: AsyncConnection, tenant: str, kid: str) -> SigningKey | None:
    row = (
        await conn.execute(
            select(*_PUBLIC_COLUMNS).where(
                and_(signing_keys.c.tenant == tenant, signing_keys.c.kid == kid)
            )
        )
    ).first()
    return None if row is None else _record(row)


async def active_key_material(
    conn: AsyncConnection, tenant: str, algorithm: str
) -> tuple[SigningKey, bytes, str, dict[str, Any] | None] | None:
    """The active key for (tenant, algorithm) with its sealed material and X.509 chain (the
    stored JSON object or ``None``), or ``None``."""
    row = (
        await conn.execute(
            select(
                *_PUBLIC_COLUMNS,
                signing_keys.c.key_ref,
                signing_keys.c.custodian_id,
                signing_keys.c.x509_chain,
            ).where(
                and_(
                    signing_keys.c.tenant == tenant,
                    signing_keys.c.algorithm == algorithm,
                    signing_keys.c.status == "active",
                )
            )
        )
    ).first()
    if row is None:
        return None
    chain = dict(row.x509_chain) if row.x509_chain is not None else None
    return _record(row), bytes(row.key_ref), row.custodian_id, chain


async def get_chain(conn: AsyncConnection, tenant: str, kid: str) -> dict[str, Any] | None:
    """The stored X.509 chain object of one key, or ``None``."""
    row = (
        await conn.execute(
            select(signing_keys.c.x509_chain).where(
                and_(signing_keys.c.tenant == tenant, signing_keys.c.kid == kid)
            )
        )
    ).first()
    return None if row is None or row.x509_chain is None else dict(row.x509_chain)


async def set_chain(
    conn: AsyncConnection,
    tenant: str,
    kid: str,
    chain: dict[str, Any],
    *,
    only_if_none: bool = False,
) -> bool:
    """Store a key's X.509 chain; with ``only_if_none``, only where none is stored yet (a dev
    chain never replaces one that another process stored first). True when a row changed."""
    query = update(signing_keys).where(
        and_(signing_keys.c.tenant == tenant, signing_keys.c.kid == kid)
    )
    if only_if_none:
        query = query.where(signing_keys.c.x509_chain.is_(None))
    result = await conn.execute(query.values(x509_chain=chain))
    return bool(result.rowcount)


async def count_keys(conn: AsyncConnection, tenant: str, algorithm: str) -> int:
    rows = await conn.execute(
        select(signing_keys.c.kid).where(
            and_(signing_keys.c.tenant == tenant, signing_keys.c.algorithm == algorithm)
        )
    )
    return len(rows.all())


async def set_status(
    conn: AsyncConnection,
    tenant: str,
    kid: str,
    *,
    from_statuses: tuple[KeyStatus, ...],
    to_status: KeyStatus,
    at_ms: int,
) -> bool:
    """Move a key to ``to_status`` if it is in one of ``from_statuses``; True when it moved."""
    values: dict[str, Any] = {"status": to_status}
    if to_status == "retired":
        values["retired_at_ms"] = at_ms
    elif to_status == "revoked":
        values["revoked_at_ms"] = at_ms
    result = await conn.execute(
        update(signing_keys)
        .where(
            and_(
                signing_keys.c.tenant == tenant,
                signing_keys.c.kid == kid,
                signing_keys.c.status.in_(from_statuses),
            )
        )
        .values(**values)
    )
    return bool(result.rowcount)
