"""Shared fixtures of the verification and OpenID4VP tests (imported by both conftests)."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from verification.world import Holder, Issuer, StatusServer, verifier_config


@pytest.fixture
def status_server() -> Iterator[StatusServer]:
    server = StatusServer()
    yield server
    server.close()


@pytest.fixture
async def issuer(status_server: StatusServer) -> Issuer:
    issuer = Issuer(status_server)
    await issuer.publish()
    return issuer


@pytest.fixture
def holder() -> Holder:
    return Holder()


async def configure(
    client: httpx.AsyncClient, token: str, slug: str, issuers: list[Issuer], **kw: Any
) -> dict[str, Any]:
    r = await client.put(
        f"/admin/tenants/{slug}/verifier",
        json=verifier_config(issuers, **kw),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.fixture
async def verifier(client: httpx.AsyncClient, tenant_a: Any, issuer: Issuer) -> AsyncIterator[Any]:
    await configure(client, tenant_a.tokens["admin"], tenant_a.slug, [issuer])
    yield tenant_a
