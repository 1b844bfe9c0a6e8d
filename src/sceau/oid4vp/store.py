"""Data access for ``presentation_requests`` (only this module touches the table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.oid4vp.tables import presentation_requests as t


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(t.insert().values(**values))


async def get(conn: AsyncConnection, tenant: str, request_id: str) -> dict[str, Any] | None:
    query = select(t).where(and_(t.c.id == request_id, t.c.tenant == tenant))
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def find_by_state(conn: AsyncConnection, tenant: str, state: str) -> dict[str, Any] | None:
    query = select(t).where(and_(t.c.state == state, t.c.tenant == tenant))
    row = (await conn.execute(query)).mappings().first()
    return None if row is None else dict(row)


async def claim_pending(conn: AsyncConnection, request_id: str) -> bool:
    """pending → processing, once: the conditional UPDATE makes the response single-use."""
    result = await conn.execute(
        update(t)
        .where(and_(t.c.id == request_id, t.c.status == "pending"))
        .values(status="processing")
    )
    return result.rowcount == 1


async def complete(conn: AsyncConnection, request_id: str, values: dict[str, Any]) -> None:
    await conn.execute(update(t).where(t.c.id == request_id).values(**values))


async def take_sealed_result(conn: AsyncConnection, request_id: str, now_ms: int) -> bool:
    """Delete the sealed claims; True only for the one caller whose delete took effect."""
    result = await conn.execute(
        update(t)
        .where(and_(t.c.id == request_id, t.c.sealed_result.is_not(None)))
        .values(sealed_result=None, result_read_at_ms=now_ms)
    )
    return result.rowcount == 1
