"""Data access for credential types (the only module that touches ``credential_types``)."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.credential_types.models import CredentialType
from sceau.credential_types.tables import credential_types as t

_KEYS = ("tenant_slug", "id", "created_at_ms", "updated_at_ms")


def _definition(ct: CredentialType) -> dict[str, Any]:
    raw = msgspec.to_builtins(ct)
    return {k: v for k, v in raw.items() if k not in _KEYS}


def _from_row(row: Any) -> CredentialType:
    return msgspec.convert(
        {
            **row.definition,
            "tenant_slug": row.tenant_slug,
            "id": row.type_id,
            "created_at_ms": row.created_at_ms,
            "updated_at_ms": row.updated_at_ms,
        },
        CredentialType,
    )


async def insert(conn: AsyncConnection, ct: CredentialType) -> bool:
    """Insert; ``False`` when the (tenant, id) pair exists. Raises IntegrityError on no tenant."""
    exists = await conn.execute(
        select(t.c.type_id).where(t.c.tenant_slug == ct.tenant_slug, t.c.type_id == ct.id)
    )
    if exists.first() is not None:
        return False
    await conn.execute(
        t.insert().values(
            tenant_slug=ct.tenant_slug,
            type_id=ct.id,
            format=ct.format,
            definition=_definition(ct),
            created_at_ms=ct.created_at_ms,
            updated_at_ms=ct.updated_at_ms,
        )
    )
    return True


async def replace(conn: AsyncConnection, ct: CredentialType) -> bool:
    result = await conn.execute(
        update(t)
        .where(t.c.tenant_slug == ct.tenant_slug, t.c.type_id == ct.id)
        .values(format=ct.format, definition=_definition(ct), updated_at_ms=ct.updated_at_ms)
    )
    return bool(result.rowcount)


async def remove(conn: AsyncConnection, tenant_slug: str, type_id: str) -> bool:
    result = await conn.execute(
        delete(t).where(t.c.tenant_slug == tenant_slug, t.c.type_id == type_id)
    )
    return bool(result.rowcount)


async def get(conn: AsyncConnection, tenant_slug: str, type_id: str) -> CredentialType | None:
    row = (
        await conn.execute(select(t).where(t.c.tenant_slug == tenant_slug, t.c.type_id == type_id))
    ).one_or_none()
    return _from_row(row) if row is not None else None


async def list_for(conn: AsyncConnection, tenant_slug: str, *, limit: int) -> list[CredentialType]:
    rows = await conn.execute(
        select(t).where(t.c.tenant_slug == tenant_slug).order_by(t.c.type_id).limit(limit)
    )
    return [_from_row(r) for r in rows]


__all__ = ["IntegrityError", "get", "insert", "list_for", "remove", "replace"]
