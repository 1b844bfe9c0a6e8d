"""SQL of the status-lists capability: the only code that touches its tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.status_lists.models import STATUS_NAMES, CredentialRecord
from sceau.status_lists.tables import credential_records, status_lists


async def insert_list(
    conn: AsyncConnection,
    *,
    list_id: str,
    tenant: str,
    kind: str,
    size: int,
    key: bytes,
    statuses: bytes,
    now_ms: int,
) -> None:
    await conn.execute(
        insert(status_lists).values(
            id=list_id,
            tenant=tenant,
            kind=kind,
            size=size,
            next_position=0,
            permutation_key=key,
            statuses=statuses,
            version=0,
            created_at_ms=now_ms,
            updated_at_ms=now_ms,
        )
    )


async def reserve_positions(
    conn: AsyncConnection, tenant: str, kind: str, count: int
) -> tuple[str, int, bytes, int] | None:
    """Take ``count`` positions of the oldest list with room: ``(id, size, key, start)``.

    One UPDATE that both picks and advances, so it is the transaction's first write: on SQLite it
    takes the write lock before reading (no snapshot upgrade failure), on PostgreSQL the row lock;
    the outer ``next_position + count <= size`` is re-checked after a lock wait (EvalPlanQual), so
    two reservers never overrun a list.
    """
    candidate = status_lists.alias("candidate")
    pick = (
        select(candidate.c.id)
        .where(
            candidate.c.tenant == tenant,
            candidate.c.kind == kind,
            candidate.c.next_position + count <= candidate.c.size,
        )
        .order_by(candidate.c.created_at_ms, candidate.c.id)
        .limit(1)
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            update(status_lists)
            .where(
                status_lists.c.id == pick,
                status_lists.c.next_position + count <= status_lists.c.size,
            )
            .values(next_position=status_lists.c.next_position + count)
            .returning(
                status_lists.c.id,
                status_lists.c.size,
                status_lists.c.permutation_key,
                status_lists.c.next_position,
            )
        )
    ).first()
    if row is None:
        return None
    return str(row[0]), int(row[1]), bytes(row[2]), int(row[3]) - count


# Built once: executing it with a parameter dict skips rebuilding and re-keying an
# ``insert().values(...)`` construct on every issuance (a measured hot-path cost).
_INSERT_RECORD = insert(credential_records)


async def insert_record(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(_INSERT_RECORD, values)


def _record(row: Any) -> CredentialRecord:
    return CredentialRecord(
        id=row.id,
        tenant=row.tenant,
        type_id=row.type_id,
        format=row.format,
        status=STATUS_NAMES[int(row.status)],
        status_list_id=row.status_list_id,
        status_index=row.status_index,
        expires_at=row.expires_at,
        holder_jkt=row.holder_jkt,
        credential_hash=row.credential_hash,
        created_at_ms=row.created_at_ms,
        status_changed_at_ms=row.status_changed_at_ms,
        retention_until=row.retention_until,
    )


_RECORD_COLUMNS = [c for c in credential_records.c if c.name != "claims"]


async def get_record(
    conn: AsyncConnection, record_id: str, tenant: str | None = None
) -> CredentialRecord | None:
    query = select(*_RECORD_COLUMNS).where(credential_records.c.id == record_id)
    if tenant is not None:
        query = query.where(credential_records.c.tenant == tenant)
    row = (await conn.execute(query)).first()
    return None if row is None else _record(row)


async def lock_list_of_record(
    conn: AsyncConnection, tenant: str, record_id: str, now_ms: int
) -> tuple[str, bytes] | None:
    """Bump the version of the record's list (taking its lock) and return ``(id, statuses)``.

    The first statement of a status change is this write, so concurrent changes to one list queue
    on its row lock (PostgreSQL) or the write lock (SQLite) and each reads the latest statuses:
    no read-modify-write can lose another's bit.
    """
    owner = (
        select(credential_records.c.status_list_id)
        .where(credential_records.c.id == record_id, credential_records.c.tenant == tenant)
        .scalar_subquery()
    )
    row = (
        await conn.execute(
            update(status_lists)
            .where(and_(status_lists.c.id == owner, status_lists.c.tenant == tenant))
            .values(version=status_lists.c.version + 1, updated_at_ms=now_ms)
            .returning(status_lists.c.id, status_lists.c.statuses)
        )
    ).first()
    return None if row is None else (str(row[0]), bytes(row[1]))


async def set_record_status(
    conn: AsyncConnection,
    record_id: str,
    *,
    new: int,
    allowed_from: tuple[int, ...],
    now_ms: int,
) -> bool:
    result = await conn.execute(
        update(credential_records)
        .where(
            credential_records.c.id == record_id,
            credential_records.c.status.in_(allowed_from),
        )
        .values(status=new, status_changed_at_ms=now_ms)
    )
    return bool(result.rowcount)


async def write_statuses(conn: AsyncConnection, list_id: str, statuses: bytes) -> None:
    await conn.execute(
        update(status_lists).where(status_lists.c.id == list_id).values(statuses=statuses)
    )


async def list_head(conn: AsyncConnection, tenant: str, list_id: str) -> tuple[str, int] | None:
    """``(kind, version)`` of a tenant's list."""
    row = (
        await conn.execute(
            select(status_lists.c.kind, status_lists.c.version).where(
                status_lists.c.id == list_id, status_lists.c.tenant == tenant
            )
        )
    ).first()
    return None if row is None else (str(row[0]), int(row[1]))


async def list_statuses(conn: AsyncConnection, list_id: str) -> tuple[int, int, bytes]:
    """``(version, size, statuses)`` read together (one row, one snapshot)."""
    row = (
        await conn.execute(
            select(status_lists.c.version, status_lists.c.size, status_lists.c.statuses).where(
                status_lists.c.id == list_id
            )
        )
    ).one()
    return int(row[0]), int(row[1]), bytes(row[2])


async def lists_of_tenant(conn: AsyncConnection, tenant: str) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(
            status_lists.c.id,
            status_lists.c.kind,
            status_lists.c.size,
            status_lists.c.next_position,
            status_lists.c.version,
            status_lists.c.created_at_ms,
        )
        .where(status_lists.c.tenant == tenant)
        .order_by(status_lists.c.created_at_ms, status_lists.c.id)
    )
    return [dict(r._mapping) for r in rows]
