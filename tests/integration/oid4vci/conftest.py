"""Fixtures for the OpenID4VCI tests: the real app and database, an issuer at http://testserver.

Until the issuance service (engineer A) is wired, ``StandInIssuance`` makes real SD-JWT VCs with
the core library (real signatures, holder binding through ``cnf``) so the protocol layer can be
tested up to the ``issuance.issue(conn, ...)`` call it depends on.
"""

# No postponed annotations (see tests/integration/conftest.py).

import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.core.errors import SceauError
from sceau.core.jose import SoftwareSigner, generate_private_key
from sceau.core.sdjwt import issue_sd_jwt_vc
from sceau.oid4vci.config import Oid4vciConfig
from sceau.oid4vci.service import Oid4vciService
from sceau.settings import Settings
from sceau.web.app import create_app


from .wallet import Wallet

PUBLIC_URL = "http://testserver"


@dataclass(frozen=True)
class StandInType:
    tenant_slug: str
    id: str
    format: str = "dc+sd-jwt"
    vct: str | None = "https://example.gc.ca/permit"
    batch_size: int = 3
    deferred: bool = False
    validity_seconds: int = 3600


@dataclass
class StandInTypes:
    types: dict[tuple[str, str], StandInType] = field(default_factory=dict)

    def add(self, t: StandInType) -> None:
        self.types[(t.tenant_slug, t.id)] = t

    async def get(self, tenant_slug: str, type_id: str) -> StandInType:
        found = self.types.get((tenant_slug, type_id))
        if found is None:
            raise SceauError("unknown type", code="unknown_credential_type")
        return found


@dataclass(frozen=True)
class StandInIssued:
    credential: str
    format: str
    record_id: str


@dataclass
class StandInIssuance:
    signer: SoftwareSigner = field(
        default_factory=lambda: SoftwareSigner(generate_private_key(), "ES256", "k1")
    )
    calls: list[dict[str, Any]] = field(default_factory=list)
    fail_after_signing: bool = False

    async def issue(
        self,
        conn: AsyncConnection,
        *,
        tenant_slug: str,
        credential_type: Any,
        claims: dict[str, Any],
        holder_jwk: dict[str, Any] | None,
        now: int | None = None,
        vc_format_override: str | None = None,
    ) -> StandInIssued:
        if "bad" in claims:
            raise SceauError("claims do not fit", code="invalid_claims")
        now = now or int(time.time())
        issued = await issue_sd_jwt_vc(
            credential_type.vct,
            claims,
            self.signer,
            iss=f"{PUBLIC_URL}/t/{tenant_slug}",
            iat=now,
            exp=now + credential_type.validity_seconds,
            holder_jwk=holder_jwk,
            disclosable=list(claims),
        )
        if self.fail_after_signing:
            raise RuntimeError("database write failed after signing")
        self.calls.append({"tenant": tenant_slug, "holder_jwk": holder_jwk})
        return StandInIssued(issued.serialize(), "dc+sd-jwt", secrets.token_hex(8))


@dataclass
class Clock:
    now: float = field(default_factory=time.time)

    def __call__(self) -> float:
        return self.now


@dataclass
class Issuer:
    app: Litestar
    http: httpx.AsyncClient
    service: Oid4vciService
    types: StandInTypes
    issuance: StandInIssuance
    clock: Clock
    tenant: Any  # tests/integration/conftest.py TenantKeys

    @property
    def issuer_id(self) -> str:
        return f"{PUBLIC_URL}/t/{self.tenant.slug}"

    def wallet(self) -> Wallet:
        return Wallet(self.http, self.issuer_id)

    async def offer(self, token_role: str = "issuer", **body: Any) -> httpx.Response:
        body.setdefault("credential_configuration_ids", ["permit"])
        body.setdefault("claims", {"given_name": "Marie", "family_name": "Tremblay"})
        return await self.http.post(
            f"/admin/tenants/{self.tenant.slug}/offers",
            json=body,
            headers={"Authorization": f"Bearer {self.tenant.tokens[token_role]}"},
        )

    async def offer_json(self, **body: Any) -> dict[str, Any]:
        response = await self.offer(**body)
        assert response.status_code == 201, response.text
        return dict(response.json())


ConfigFactory = Callable[..., Oid4vciConfig]


@pytest.fixture
def oid4vci_config() -> Oid4vciConfig:
    return Oid4vciConfig(deferred_interval_s=5)


@pytest.fixture
async def issuer(
    settings: Settings, engine: AsyncEngine, tenant_a: Any, oid4vci_config: Oid4vciConfig
) -> AsyncIterator[Issuer]:
    app = create_app(settings, engine=engine)
    types = StandInTypes()
    for t in (
        StandInType(tenant_a.slug, "permit"),
        StandInType(tenant_a.slug, "licence", batch_size=1),
        StandInType(tenant_a.slug, "review", deferred=True),
    ):
        types.add(t)
    issuance = StandInIssuance()
    clock = Clock()
    services = {"credential_types": types, "issuance": issuance}
    service = Oid4vciService(engine, oid4vci_config, PUBLIC_URL, services, clock=clock)
    app.state["oid4vci"] = service
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
        yield Issuer(app, http, service, types, issuance, clock, tenant_a)
