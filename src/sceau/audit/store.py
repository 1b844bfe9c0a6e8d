"""Data access for the audit log (the only module that touches its tables)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.audit.models import AuditEntry
from sceau.db.tables import audit_chain_head, audit_events, audit_pending

# Built once (no expression or cache key to build per call): every audited change runs _RECORD.
_RECORD: Final = audit_pending.insert()
# Takes the head's row lock (PostgreSQL) or the database write lock (SQLite) before anything is
# read, so sealers run one at a time; RETURNING gives the head as the previous sealer left it.
_LOCK_HEAD: Final = (
    update(audit_chain_head)
    .where(audit_chain_head.c.id == 1)
    .values(seq=audit_chain_head.c.seq)
    .returning(audit_chain_head.c.seq, audit_chain_head.c.hash)
)
_TRY_LOCK_HEAD: Final = (
    select(audit_chain_head.c.seq, audit_chain_head.c.hash)
    .where(audit_chain_head.c.id == 1)
    .with_for_update(skip_locked=True)
)
_ANY_PENDING: Final = select(audit_pending.c.id).limit(1)
_SET_HEAD: Final = (
    update(audit_chain_head)
    .where(audit_chain_head.c.id == 1)
    .values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))
)


async def insert_pending(conn: AsyncConnection, row: dict[str, Any]) -> None:
    await conn.execute(_RECORD, row)


async def lock_head(conn: AsyncConnection, *, wait: bool = True) -> tuple[int, str] | None:
    """Lock the chain head for this transaction; returns ``(seq, hash)`` of the newest entry.

    ``wait=False`` on PostgreSQL: None at once when another transaction holds the lock (SKIP
    LOCKED), instead of queueing behind it. SQLite has one writer at a time and always waits.
    """
    if not wait and conn.dialect.name == "postgresql":
        row = (await conn.execute(_TRY_LOCK_HEAD)).first()
        return None if row is None else (int(row.seq), str(row.hash))
    row = (await conn.execute(_LOCK_HEAD)).one()
    return int(row.seq), str(row.hash)


async def any_pending(conn: AsyncConnection) -> bool:
    return (await conn.execute(_ANY_PENDING)).first() is not None


async def oldest_pending(conn: AsyncConnection, limit: int) -> list[Any]:
    """Pending events in ``id`` order (rows with ``id`` and the event's fields)."""
    rows = await conn.execute(select(audit_pending).order_by(audit_pending.c.id).limit(limit))
    return list(rows)


async def append_sealed(
    conn: AsyncConnection, entries: list[AuditEntry], pending_ids: list[int]
) -> None:
    """Append ``entries`` (contiguous, after the locked head), drop the pending rows they came
    from and move the head to the last one."""
    await conn.execute(audit_events.insert(), [_row(e) for e in entries])
    await conn.execute(audit_pending.delete().where(audit_pending.c.id.in_(pending_ids)))
    await conn.execute(_SET_HEAD, {"b_seq": entries[-1].seq, "b_hash": entries[-1].hash})


async def count_pending(conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.count()).select_from(audit_pending))).scalar_one())


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in AuditEntry.__struct_fields__}


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(**{f: getattr(row, f) for f in AuditEntry.__struct_fields__})


async def list_for_tenant(
    conn: AsyncConnection, tenant: str, *, after: int, limit: int
) -> list[AuditEntry]:
    rows = await conn.execute(
        select(audit_events)
        .where(audit_events.c.tenant == tenant, audit_events.c.seq > after)
        .order_by(audit_events.c.seq)
        .limit(limit)
    )
    return [_entry(r) for r in rows]


async def iter_all(
    conn: AsyncConnection, *, up_to: int, batch: int = 1000
) -> AsyncIterator[list[AuditEntry]]:
    """Entries with ``seq <= up_to`` in order, ``batch`` at a time."""
    after = 0
    while True:
        rows = await conn.execute(
            select(audit_events)
            .where(audit_events.c.seq > after, audit_events.c.seq <= up_to)
            .order_by(audit_events.c.seq)
            .limit(batch)
        )
        entries = [_entry(r) for r in rows]
        if not entries:
            return
        yield entries
        after = entries[-1].seq


async def head(conn: AsyncConnection) -> tuple[int, str]:
    row = (await conn.execute(select(audit_chain_head.c.seq, audit_chain_head.c.hash))).one()
    return int(row.seq), str(row.hash)
