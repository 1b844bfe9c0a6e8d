"""Data access for ``presentation_requests`` (only this module touches the table).

The statements are built once, with bound parameters, and executed with a parameter dict:
SQLAlchemy then skips building the expression and its cache key on every call (about 100 µs of
CPU per statement, ``bench/verification.py``), which matters on the four requests of an exchange.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import Text, and_, bindparam, cast, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.oid4vp.tables import presentation_requests as t

_INSERT: Final = t.insert()
_GET: Final = select(t).where(
    and_(t.c.id == bindparam("b_id"), t.c.tenant == bindparam("b_tenant"))
)
_BY_STATE: Final = select(t).where(
    and_(t.c.state == bindparam("b_state"), t.c.tenant == bindparam("b_tenant"))
)
_CLAIM: Final = (
    update(t)
    .where(and_(t.c.id == bindparam("b_id"), t.c.status == "pending"))
    .values(status="processing")
)
# SET columns come from the parameter dict (any subset of the table's columns).
_COMPLETE: Final = update(t).where(t.c.id == bindparam("b_id"))
_TAKE_SEALED: Final = (
    update(t)
    .where(and_(t.c.id == bindparam("b_id"), t.c.sealed_result.is_not(None)))
    .values(sealed_result=None, result_read_at_ms=bindparam("b_now"))
)


async def insert(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(_INSERT, values)


async def get(conn: AsyncConnection, tenant: str, request_id: str) -> dict[str, Any] | None:
    result = await conn.execute(_GET, {"b_id": request_id, "b_tenant": tenant})
    row = result.mappings().first()
    return None if row is None else dict(row)


async def find_by_state(conn: AsyncConnection, tenant: str, state: str) -> dict[str, Any] | None:
    result = await conn.execute(_BY_STATE, {"b_state": state, "b_tenant": tenant})
    row = result.mappings().first()
    return None if row is None else dict(row)


async def claim_pending(conn: AsyncConnection, request_id: str) -> bool:
    """pending → processing, once: the conditional UPDATE makes the response single-use."""
    result = await conn.execute(_CLAIM, {"b_id": request_id})
    return result.rowcount == 1


async def complete(conn: AsyncConnection, request_id: str, values: dict[str, Any]) -> None:
    if not values or "b_id" in values:
        raise ValueError("complete() needs column values")
    await conn.execute(_COMPLETE, {"b_id": request_id, **values})


async def take_sealed_result(conn: AsyncConnection, request_id: str, now_ms: int) -> bool:
    """Delete the sealed claims; True only for the one caller whose delete took effect."""
    result = await conn.execute(_TAKE_SEALED, {"b_id": request_id, "b_now": now_ms})
    return result.rowcount == 1


async def wipe_expired_secrets(conn: AsyncConnection, now_ms: int, result_grace_ms: int) -> int:
    """Expired requests lose their response decryption key; sealed claims go ``result_grace_ms``
    after the response (or at expiry when none came). Outcome metadata stays."""
    result = await conn.execute(
        update(t)
        .where(
            or_(
                # A JSON column stores None as JSON null: compare its text, on both back-ends.
                and_(cast(t.c.response_key, Text) != "null", t.c.expires_at_ms < now_ms),
                and_(
                    t.c.sealed_result.is_not(None),
                    t.c.completed_at_ms < now_ms - result_grace_ms,
                ),
            )
        )
        .values(response_key=None, sealed_result=None)
    )
    return int(result.rowcount)
