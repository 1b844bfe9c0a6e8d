"""Data access for tenants and API keys (the only module that touches their tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.db.tables import api_keys, tenants
from sceau.errors import TenantExists
from sceau.tenants.models import ApiKey, Tenant


def _tenant(row: Any) -> Tenant:
    return Tenant(
        slug=row.slug,
        name_en=row.name_en,
        name_fr=row.name_fr,
        signing_algorithms=list(row.signing_algorithms),
        created_at_ms=row.created_at_ms,
        updated_at_ms=row.updated_at_ms,
    )


async def insert_tenant(conn: AsyncConnection, tenant: Tenant) -> int:
    try:
        async with conn.begin_nested():
            result = await conn.execute(
                tenants.insert().values(**msgspec_to_dict(tenant)).returning(tenants.c.id)
            )
            return int(result.scalar_one())
    except IntegrityError as exc:
        raise TenantExists() from exc


def msgspec_to_dict(value: Any) -> dict[str, Any]:
    return {f: getattr(value, f) for f in value.__struct_fields__}


async def tenant_by_slug(conn: AsyncConnection, slug: str) -> tuple[int, Tenant] | None:
    row = (await conn.execute(select(tenants).where(tenants.c.slug == slug))).one_or_none()
    return (int(row.id), _tenant(row)) if row else None


async def list_tenants(conn: AsyncConnection, *, limit: int) -> list[Tenant]:
    rows = await conn.execute(select(tenants).order_by(tenants.c.slug).limit(limit))
    return [_tenant(r) for r in rows]


async def update_tenant(conn: AsyncConnection, tenant_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(tenants).where(tenants.c.id == tenant_id).values(**values))


_KEY_COLUMNS = (
    api_keys.c.key_id,
    api_keys.c.role,
    api_keys.c.label,
    api_keys.c.created_at_ms,
    api_keys.c.last_used_at_ms,
    api_keys.c.revoked_at_ms,
    api_keys.c.tenant_id,
    api_keys.c.secret_sha256,
    tenants.c.slug,
)


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        tenant=row.slug,
        role=row.role,
        label=row.label,
        created_at_ms=row.created_at_ms,
        last_used_at_ms=row.last_used_at_ms,
        revoked_at_ms=row.revoked_at_ms,
    )


def _keys_query() -> Any:
    return select(*_KEY_COLUMNS).select_from(
        api_keys.outerjoin(tenants, api_keys.c.tenant_id == tenants.c.id)
    )


async def insert_api_key(
    conn: AsyncConnection,
    *,
    key_id: str,
    tenant_id: int | None,
    role: str,
    label: str,
    secret_sha256: str,
    created_at_ms: int,
) -> None:
    await conn.execute(
        api_keys.insert().values(
            key_id=key_id,
            tenant_id=tenant_id,
            role=role,
            label=label,
            secret_sha256=secret_sha256,
            created_at_ms=created_at_ms,
        )
    )


async def api_key_with_secret(
    conn: AsyncConnection, key_id: str
) -> tuple[ApiKey, int | None, str] | None:
    """``(key, tenant_id, secret_sha256)`` for authentication."""
    row = (await conn.execute(_keys_query().where(api_keys.c.key_id == key_id))).one_or_none()
    return (_api_key(row), row.tenant_id, row.secret_sha256) if row else None


async def list_api_keys(
    conn: AsyncConnection, tenant_id: int | None, *, limit: int
) -> list[ApiKey]:
    query = _keys_query()
    query = (
        query.where(api_keys.c.tenant_id.is_(None))
        if tenant_id is None
        else query.where(api_keys.c.tenant_id == tenant_id)
    )
    rows = await conn.execute(
        query.order_by(api_keys.c.created_at_ms, api_keys.c.key_id).limit(limit)
    )
    return [_api_key(r) for r in rows]


async def revoke_api_key(
    conn: AsyncConnection, key_id: str, tenant_id: int | None, at_ms: int
) -> bool:
    """Mark the key revoked; ``False`` if no unrevoked key with that id belongs to the tenant."""
    condition = (
        api_keys.c.tenant_id.is_(None) if tenant_id is None else api_keys.c.tenant_id == tenant_id
    )
    result = await conn.execute(
        update(api_keys)
        .where(api_keys.c.key_id == key_id, condition, api_keys.c.revoked_at_ms.is_(None))
        .values(revoked_at_ms=at_ms)
    )
    return result.rowcount == 1


async def key_exists(conn: AsyncConnection, key_id: str, tenant_id: int | None) -> bool:
    condition = (
        api_keys.c.tenant_id.is_(None) if tenant_id is None else api_keys.c.tenant_id == tenant_id
    )
    row = await conn.execute(
        select(api_keys.c.key_id).where(api_keys.c.key_id == key_id, condition)
    )
    return row.first() is not None


async def touch_api_key(conn: AsyncConnection, key_id: str, at_ms: int, older_than_ms: int) -> bool:
    """Set ``last_used_at_ms`` if it is older than ``older_than_ms``; ``True`` if it was updated.

    The conditional UPDATE makes "at most once per interval" hold across concurrent requests.
    """
    result = await conn.execute(
        update(api_keys)
        .where(
            api_keys.c.key_id == key_id,
            (api_keys.c.last_used_at_ms.is_(None)) | (api_keys.c.last_used_at_ms < older_than_ms),
        )
        .values(last_used_at_ms=at_ms)
    )
    return result.rowcount == 1
