"""Data access for the audit log (the only module that touches its tables)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.audit.models import AuditEntry
from sceau.db.tables import audit_chain_head, audit_events

# Built once (no expression or cache key to build per call): every audited change runs these.
_ADVANCE: Final = (
    update(audit_chain_head)
    .where(audit_chain_head.c.id == 1)
    .values(seq=audit_chain_head.c.seq + 1)
    .returning(audit_chain_head.c.seq, audit_chain_head.c.hash)
)
_INSERT: Final = audit_events.insert()
_SET_HEAD_HASH: Final = (
    update(audit_chain_head).where(audit_chain_head.c.id == 1).values(hash=bindparam("b_hash"))
)


async def advance_head(conn: AsyncConnection) -> tuple[int, str]:
    """Take the next sequence number; returns ``(seq, prev_hash)``.

    The UPDATE comes first so it takes the head's row lock (PostgreSQL) or the database write
    lock (SQLite) before anything is read: concurrent appenders queue here until commit.
    """
    row = (await conn.execute(_ADVANCE)).one()
    return int(row.seq), str(row.hash)


async def append(conn: AsyncConnection, entry: AuditEntry) -> None:
    await conn.execute(_INSERT, _row(entry))
    await conn.execute(_SET_HEAD_HASH, {"b_hash": entry.hash})


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


async def iter_all(conn: AsyncConnection, batch: int = 1000) -> AsyncIterator[list[AuditEntry]]:
    after = 0
    while True:
        rows = await conn.execute(
            select(audit_events)
            .where(audit_events.c.seq > after)
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
