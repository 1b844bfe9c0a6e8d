"""The DPoP ``jti`` replay store (the only code that touches ``oauth_dpop_jtis``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.oauth.tables import oauth_dpop_jtis


def insert_once(
    conn: AsyncConnection, table: Any, values: dict[str, Any] | list[dict[str, Any]]
) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for PostgreSQL and SQLite (no aborted transaction)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(values).on_conflict_do_nothing()


_INSERT_ONCE: dict[tuple[str, str], Any] = {}


async def insert_row_once(conn: AsyncConnection, table: Any, values: dict[str, Any]) -> bool:
    """One row, ``INSERT ... ON CONFLICT DO NOTHING``; ``True`` if this call inserted it.

    The statement is built once per (back-end, table) and executed with ``values`` as parameters:
    no expression or cache key to rebuild on the hot paths (DPoP ``jti``, issuance claims).
    """
    key = (conn.dialect.name, table.name)
    stmt = _INSERT_ONCE.get(key)
    if stmt is None:
        dialect = postgresql if key[0] == "postgresql" else sqlite
        stmt = _INSERT_ONCE[key] = dialect.insert(table).on_conflict_do_nothing()
    result = await conn.execute(stmt, values)
    return bool(result.rowcount == 1)


async def remember_jti(conn: AsyncConnection, *, jkt: str, jti: str, expires_at_ms: int) -> bool:
    """Record a proof's ``jti``; ``False`` if this key already used it (a replay).

    Atomic on both back-ends: the primary key decides, so two concurrent requests with one proof
    cannot both get ``True``.
    """
    return await insert_row_once(
        conn, oauth_dpop_jtis, {"jkt": jkt, "jti": jti, "expires_at_ms": expires_at_ms}
    )


async def purge_expired_jtis(conn: AsyncConnection, now_ms: int) -> int:
    result = await conn.execute(
        delete(oauth_dpop_jtis).where(oauth_dpop_jtis.c.expires_at_ms < now_ms)
    )
    return result.rowcount
