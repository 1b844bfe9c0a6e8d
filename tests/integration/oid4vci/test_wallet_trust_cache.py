"""The per-engine cache of wallet-provider trust (``load_wallet_trust``): this process's PUT applies
at once, another app server's within ``TRUST_RECHECK_S``, and an unchanged row is not re-parsed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.integration.conftest import make_tenant

from sceau.db.engine import create_engine
from sceau.oid4vci import wallet_providers as wp
from sceau.settings import Settings
from sceau.tenants.service import TenantService

from .wallet_provider import WalletProvider

pytestmark = pytest.mark.anyio


@pytest.fixture
async def other_server(settings: Settings, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A second engine on the same database: what another app server sees."""
    db = create_engine(settings)
    try:
        yield db
    finally:
        await db.dispose()


async def _trust(engine: AsyncEngine, tenant: str) -> wp.WalletTrust | None:
    async with engine.connect() as conn:
        return await wp.load_wallet_trust(conn, tenant)


async def test_changes_apply_here_at_once_and_elsewhere_after_the_recheck(
    engine: AsyncEngine,
    other_server: AsyncEngine,
    tenant_service: TenantService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tenant = (await make_tenant(tenant_service, "cache-a")).slug
    clock = [1000.0]
    monkeypatch.setattr(wp.time, "monotonic", lambda: clock[0])
    service = wp.WalletProviderService(engine)
    assert await _trust(engine, tenant) is None
    assert await _trust(other_server, tenant) is None  # both cache "not configured"

    body = wp.WalletProvidersPut(
        trust_anchors_pem=[WalletProvider().anchor_pem], key_attestation_required=True
    )
    await service.put("test", "", tenant, body)
    here = await _trust(engine, tenant)
    assert here is not None and here.required  # this process: at once
    assert await _trust(other_server, tenant) is None  # another server: not yet

    clock[0] += wp.TRUST_RECHECK_S
    there = await _trust(other_server, tenant)
    assert there is not None and there.required

    # Rechecked but unchanged: the parsed trust (anchors included) is reused, not rebuilt.
    clock[0] += wp.TRUST_RECHECK_S
    assert await _trust(other_server, tenant) is there


async def test_engines_never_share_entries(
    engine: AsyncEngine, other_server: AsyncEngine, tenant_service: TenantService
) -> None:
    tenant = (await make_tenant(tenant_service, "cache-b")).slug
    await _trust(engine, tenant)
    assert tenant in wp._TRUST[engine.sync_engine]
    assert tenant not in wp._TRUST.get(other_server.sync_engine, {})
