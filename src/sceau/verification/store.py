"""Data access for ``verifier_configs`` (only this module touches the table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from sceau.verification.tables import verifier_configs


async def put_config(
    conn: AsyncConnection, tenant: str, config: dict[str, Any], updated_at_ms: int
) -> None:
    result = await conn.execute(
        update(verifier_configs)
        .where(verifier_configs.c.tenant == tenant)
        .values(config=config, updated_at_ms=updated_at_ms)
    )
    if result.rowcount == 0:
        await conn.execute(
            verifier_configs.insert().values(
                tenant=tenant, config=config, updated_at_ms=updated_at_ms
            )
        )


async def get_config(conn: AsyncConnection, tenant: str) -> tuple[dict[str, Any], int] | None:
    row = (
        await conn.execute(
            select(verifier_configs.c.config, verifier_configs.c.updated_at_ms).where(
                verifier_configs.c.tenant == tenant
            )
        )
    ).first()
    return None if row is None else (dict(row.config), int(row.updated_at_ms))
