"""Fixtures: the real app on the test database, tenant-a with a dc+sd-jwt type, and a real
upstream OpenID Connect provider (``upstream_op.py``) reached through an in-process transport."""

# No postponed annotations (see tests/integration/conftest.py).

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.settings import Settings
from sceau.web.app import create_app

from .upstream_op import UpstreamOP

PUBLIC_URL = "http://testserver"
WALLET_REDIRECT = "https://wallet.example/cb"

SCHEMA = {
    "type": "object",
    "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"}},
    "required": ["given_name", "family_name"],
    "additionalProperties": False,
}


class Dispatch(httpx.AsyncBaseTransport):
    """Routes by host: the OP, the issuer app, and the wallet's redirect target (a stub page)."""

    def __init__(self, apps: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.apps = apps

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self.apps.get(request.url.host)
        if transport is None:
            return httpx.Response(200, text="wallet")
        return await transport.handle_async_request(request)


@dataclass
class Env:
    app: Litestar
    http: httpx.AsyncClient  # the wallet's browser + HTTP client (follows redirects)
    op: UpstreamOP
    tenant: Any

    @property
    def issuer(self) -> str:
        return f"{PUBLIC_URL}/t/{self.tenant.slug}"

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tenant.tokens['admin']}"}


@pytest.fixture
async def env(settings: Settings, engine: AsyncEngine, tenant_a: Any) -> AsyncIterator[Env]:
    app = create_app(msgspec.structs.replace(settings, public_url=PUBLIC_URL), engine=engine)
    op = UpstreamOP()
    op_transport = httpx.ASGITransport(app=op)
    app.state["upstream_http_transport"] = op_transport
    dispatch = Dispatch(
        {
            "op.test": op_transport,
            "testserver": httpx.ASGITransport(app=app, raise_app_exceptions=False),
        }
    )
    async with httpx.AsyncClient(transport=dispatch, base_url=PUBLIC_URL) as http:
        result = Env(app, http, op, tenant_a)
        await app.state["keys"].get_signer(tenant_a.slug)
        for type_id in ("permit", "licence"):
            created = await http.post(
                f"/admin/tenants/{tenant_a.slug}/credential-types",
                json={
                    "id": type_id,
                    "format": "dc+sd-jwt",
                    "vct": f"{PUBLIC_URL}/t/tenant-a/vct/{type_id}",
                    "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
                    "claims_schema": SCHEMA,
                },
                headers=result.admin(),
            )
            assert created.status_code == 201, created.text
        configured = await http.put(
            f"/admin/tenants/{tenant_a.slug}/upstream-oidc",
            json={
                "issuer": op.issuer,
                "client_id": op.client_id,
                "client_secret": op.client_secret,
                "scopes": ["openid", "profile"],
                "claim_mapping": {
                    "permit": {"given_name": "given_name", "family_name": "family_name"},
                    "licence": {"given_name": "given_name", "family_name": "family_name"},
                },
            },
            headers=result.admin(),
        )
        assert configured.status_code == 200, configured.text
        yield result
