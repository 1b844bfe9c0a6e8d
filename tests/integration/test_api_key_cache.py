"""API key cache: revocation is immediate through this process, bounded by the TTL otherwise."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from sceau.db.tables import api_keys
from sceau.errors import Unauthorized
from sceau.tenants.models import TenantCreate
from sceau.tenants.service import Actor, TenantService

pytestmark = pytest.mark.anyio
ACTOR = Actor("test", "test")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def setup(engine, ttl: float = 2.0) -> tuple[TenantService, Clock, str, str]:
    clock = Clock()
    service = TenantService(engine, cache_ttl_s=ttl, monotonic=clock)
    created = await service.create_tenant(ACTOR, TenantCreate(slug="t1", name_en="T", name_fr="T"))
    return service, clock, created.admin_key.token, created.admin_key.api_key.key_id


async def test_cached_key_still_needs_the_right_secret(engine) -> None:
    service, _clock, token, _key_id = await setup(engine)
    assert (await service.authenticate(token, "r1")).role == "admin"
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthorized):
        await service.authenticate(forged, "r2")


async def test_revocation_through_the_same_service_is_immediate(engine) -> None:
    service, _clock, token, key_id = await setup(engine)
    await service.authenticate(token, "r1")
    await service.revoke_api_key(ACTOR, "t1", key_id)
    with pytest.raises(Unauthorized):
        await service.authenticate(token, "r2")


async def test_revocation_elsewhere_is_honoured_after_the_ttl(engine) -> None:
    service, clock, token, key_id = await setup(engine, ttl=2.0)
    await service.authenticate(token, "r1")
    async with engine.begin() as conn:  # another process revoking the key
        await conn.execute(
            update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at_ms=1)
        )
    clock.now += 1.0
    assert (await service.authenticate(token, "r2")).key_id == key_id  # within the bound
    clock.now += 1.5
    with pytest.raises(Unauthorized):
        await service.authenticate(token, "r3")


async def test_ttl_zero_reads_the_database_every_time(engine) -> None:
    service, _clock, token, key_id = await setup(engine, ttl=0)
    await service.authenticate(token, "r1")
    async with engine.begin() as conn:
        await conn.execute(
            update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at_ms=1)
        )
    with pytest.raises(Unauthorized):
        await service.authenticate(token, "r2")
