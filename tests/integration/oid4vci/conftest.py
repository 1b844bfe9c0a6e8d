"""Fixtures for the OpenID4VCI tests: the real app, services and database; the issuer is
``http://testserver/t/tenant-a`` with credential types created through the admin API.
"""

# No postponed annotations (see tests/integration/conftest.py).

import time
from collections import ChainMap
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.oid4vci.config import Oid4vciConfig
from sceau.oid4vci.service import Oid4vciService
from sceau.settings import Settings
from sceau.web.app import create_app

from .wallet import Wallet

PUBLIC_URL = "http://testserver"

CLAIMS_SCHEMA = {
    "type": "object",
    "properties": {
        "given_name": {"type": "string"},
        "family_name": {"type": "string"},
        "permit_number": {"type": "string"},
    },
    "required": ["given_name", "family_name"],
    "additionalProperties": False,
}


def type_body(type_id: str, fmt: str = "dc+sd-jwt", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": type_id,
        "format": fmt,
        "display": {"en-CA": {"name": "Permit"}, "fr-CA": {"name": "Permis"}},
        "claims_schema": CLAIMS_SCHEMA,
        "batch_size": 3,
    }
    if fmt == "dc+sd-jwt":
        body["vct"] = f"{PUBLIC_URL}/t/tenant-a/vct/{type_id}"
    else:
        body["vc_type"] = ["VerifiableCredential", "FishingPermitCredential"]
    body.update(extra)
    return body


TYPES = [
    type_body("permit"),
    type_body("licence", batch_size=1),
    type_body("review", deferred=True),
    type_body("permit-ldp", "ldp_vc"),
    type_body("permit-jwt", "jwt_vc_json"),
]


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class SpyIssuance:
    """The real issuance service, watched: records holder keys, can fail after signing."""

    real: Any
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_after_signing: bool = False

    async def issue(self, conn: AsyncConnection, **kwargs: Any) -> Any:
        issued = await self.real.issue(conn, **kwargs)
        if self.fail_after_signing:
            raise RuntimeError("database write failed after signing")
        self.calls.append({"holder_jwk": kwargs["holder_jwk"], "record_id": issued.record_id})
        return issued


@dataclass
class Issuer:
    app: Litestar
    http: httpx.AsyncClient
    service: Oid4vciService
    issuance: SpyIssuance
    clock: Clock
    tenant: Any  # TenantKeys of tests/integration/conftest.py

    @property
    def issuer_id(self) -> str:
        return f"{PUBLIC_URL}/t/{self.tenant.slug}"

    def wallet(self) -> Wallet:
        return Wallet(self.http, self.issuer_id, clock=self.clock)

    def admin(self, role: str = "issuer") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tenant.tokens[role]}"}

    async def offer(self, token_role: str = "issuer", **body: Any) -> httpx.Response:
        body.setdefault("credential_configuration_ids", ["permit"])
        body.setdefault("claims", {"given_name": "Marie", "family_name": "Tremblay"})
        return await self.http.post(
            f"/admin/tenants/{self.tenant.slug}/offers", json=body, headers=self.admin(token_role)
        )

    async def offer_json(self, **body: Any) -> dict[str, Any]:
        response = await self.offer(**body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def issuer_public_key(self) -> Any:
        from sceau.core.jose import public_key_from_jwk

        [jwk] = await self.app.state["keys"].public_jwks(self.tenant.slug)
        return public_key_from_jwk(jwk)


@pytest.fixture
def oid4vci_config() -> Oid4vciConfig:
    return Oid4vciConfig(deferred_interval_s=5)


@pytest.fixture
async def issuer(
    settings: Settings, engine: AsyncEngine, tenant_a: Any, oid4vci_config: Oid4vciConfig
) -> AsyncIterator[Issuer]:
    app = create_app(msgspec.structs.replace(settings, public_url=PUBLIC_URL), engine=engine)
    clock = Clock()
    spy = SpyIssuance(app.state["issuance"])
    services = ChainMap({"issuance": spy}, app.state)
    service = Oid4vciService(engine, oid4vci_config, PUBLIC_URL, services, clock=clock)
    app.state["oid4vci"] = service
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        result = Issuer(app, http, service, spy, clock, tenant_a)
        # The key store creates a tenant's first key in its own transaction; do it up front, as
        # inside an issuance transaction it would wait on SQLite's write lock.
        await app.state["keys"].get_signer(tenant_a.slug)
        for body in TYPES:
            created = await http.post(
                f"/admin/tenants/{tenant_a.slug}/credential-types",
                json=body,
                headers=result.admin("admin"),
            )
            assert created.status_code == 201, created.text
        yield result
