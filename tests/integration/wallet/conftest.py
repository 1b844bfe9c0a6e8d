"""The reference wallet against the real app in-process: tenant-a issues, tenant-b verifies.

Both run in one ASGI app at ``PUBLIC_URL``; the verifier's status-list fetches go through
the same app (instead of the network), so revocation is observed end to end.
"""

# No postponed annotations (see tests/integration/conftest.py).

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import msgspec
import pytest
from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.demo import FISHING_TYPE as DEMO_TYPE
from sceau.fetch import FetchResponse
from sceau.keys.service import tenant_did
from sceau.settings import Settings
from sceau.verification.service import build_verification_service
from sceau.wallet import WalletHttp, WalletStore, passphrase_key
from sceau.web.app import create_app

PUBLIC_URL = "http://sceau.example.gc.ca"  # an FQDN, so its did:web DIDs resolve
VCT = f"{PUBLIC_URL}/t/tenant-a/vct/fishing"

# The demo's bilingual licence type, under the id "fishing" and with batches of up to three.
FISHING_TYPE = {**DEMO_TYPE, "id": "fishing", "vct": VCT, "batch_size": 3}
VC_TYPE = "FishingLicenceCredential"
W3C_TYPES = [
    {
        **{k: v for k, v in FISHING_TYPE.items() if k not in ("vct", "id", "format")},
        "id": f"fishing-{fmt}",
        "format": fmt,
        "vc_type": ["VerifiableCredential", VC_TYPE],
    }
    for fmt in ("ldp_vc", "jwt_vc_json")
]
DEFERRED_TYPE = {
    **{k: v for k, v in FISHING_TYPE.items() if k not in ("id", "vct")},
    "id": "fishing-review",
    "vct": f"{PUBLIC_URL}/t/tenant-a/vct/fishing-review",
    "deferred": True,
}
CLAIMS = {
    "given_name": "Marie",
    "family_name": "Tremblay",
    "licence_number": "QC-2026-0042",
    "waters": "Lac Saint-Jean",
}
QUERY = {
    "credentials": [
        {
            "id": "licence",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["licence_number"]}, {"path": ["given_name"]}],
        }
    ]
}


class AsgiFetcher:
    """The verifier's status-list port, answered by the same in-process app."""

    def __init__(self, app: Any) -> None:
        self.client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app))
        self.urls: list[str] = []

    async def get(self, url: str, *, accept: str = "*/*") -> FetchResponse:
        self.urls.append(url)
        r = await self.client.get(url, headers={"Accept": accept})
        return FetchResponse(url, r.status_code, dict(r.headers), r.content)


@dataclass
class World:
    app: Any
    http: WalletHttp
    admin: httpx2.AsyncClient
    issuer: Any  # TenantKeys
    verifier: Any
    anchor: x509.Certificate
    wallet_dir: Path
    fetcher: AsgiFetcher

    def store(self) -> WalletStore:
        return WalletStore.open(self.wallet_dir, passphrase_key("correct horse", scrypt_n=2**10))

    def auth(self, tenant: Any, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tenant.tokens[role]}"}

    async def offer(self, **body: Any) -> dict[str, Any]:
        body.setdefault("credential_configuration_ids", ["fishing"])
        body.setdefault("claims", CLAIMS)
        r = await self.admin.post(
            f"/admin/tenants/{self.issuer.slug}/offers",
            json=body,
            headers=self.auth(self.issuer, "issuer"),
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def presentation_request(self, **extra: Any) -> dict[str, Any]:
        r = await self.admin.post(
            f"/admin/tenants/{self.verifier.slug}/presentation-requests",
            json={
                "dcql_query": extra.pop("dcql_query", QUERY),
                "purpose": "licence-check",
                **extra,
            },
            headers=self.auth(self.verifier, "verifier"),
        )
        assert r.status_code == 201, r.text
        return dict(r.json())

    async def result(self, created: dict[str, Any]) -> dict[str, Any]:
        r = await self.admin.get(
            created["result_uri"], headers={"Authorization": f"Bearer {created['secret']}"}
        )
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
async def world(
    settings: Settings, engine: AsyncEngine, tenant_a: Any, tenant_b: Any, tmp_path: Path
) -> AsyncIterator[World]:
    app = create_app(msgspec.structs.replace(settings, public_url=PUBLIC_URL), engine=engine)
    fetcher = AsgiFetcher(app)
    app.state["verification"] = build_verification_service(
        engine, settings, tenants=app.state["tenants"], keys=app.state["keys"], fetcher=fetcher
    )
    from sceau.oid4vp.service import PresentationService

    app.state["presentations"] = PresentationService(
        engine, verification=app.state["verification"], keys=app.state["keys"]
    )
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as admin,
        WalletHttp(
            transport=transport, http_hosts=frozenset({urlsplit(PUBLIC_URL).hostname or ""})
        ) as http,
    ):
        for tenant in (tenant_a, tenant_b):
            await app.state["keys"].get_signer(tenant.slug)
        r = await admin.post(
            f"/admin/tenants/{tenant_a.slug}/credential-types",
            json=FISHING_TYPE,
            headers={"Authorization": f"Bearer {tenant_a.tokens['admin']}"},
        )
        assert r.status_code == 201, r.text
        for body in [*W3C_TYPES, DEFERRED_TYPE]:
            r = await admin.post(
                f"/admin/tenants/{tenant_a.slug}/credential-types",
                json=body,
                headers={"Authorization": f"Bearer {tenant_a.tokens['admin']}"},
            )
            assert r.status_code == 201, r.text
        did = tenant_did(PUBLIC_URL, tenant_a.slug)
        jwks = (await admin.get(f"/.well-known/jwt-vc-issuer/t/{tenant_a.slug}")).json()["jwks"]
        did_jwks = {"keys": [{**k, "kid": f"{did}#{k['kid']}"} for k in jwks["keys"]]}
        config = {
            "client_id_prefix": "x509_san_dns",
            "name_en": "Conservation officers",
            "name_fr": "Agents de conservation",
            "purposes": [
                {
                    "id": "licence-check",
                    "description_en": "Check a fishing licence",
                    "description_fr": "Vérifier un permis de pêche",
                    "allowed_claims": {
                        VCT: [["licence_number"], ["given_name"], ["waters"]],
                        VC_TYPE: [["credentialSubject", "licence_number"]],
                    },
                }
            ],
            "trust_policy": {
                "trusted_issuers": [
                    {"credential_type": VCT, "issuer": f"{PUBLIC_URL}/t/tenant-a", "jwks": jwks},
                    # The W3C issuer is the tenant's did:web; its list credentials (vc+jwt) name
                    # keys by DID URL, which the engine's JOSE lookup matches only verbatim.
                    {"credential_type": VC_TYPE, "issuer": did, "jwks": did_jwks},
                ]
            },
        }
        r = await admin.put(
            f"/admin/tenants/{tenant_b.slug}/verifier",
            json=config,
            headers={"Authorization": f"Bearer {tenant_b.tokens['admin']}"},
        )
        assert r.status_code == 200, r.text
        anchor = x509.load_pem_x509_certificate(r.json()["x509_chain_pem"][-1].encode())
        yield World(app, http, admin, tenant_a, tenant_b, anchor, tmp_path / "wallet", fetcher)
    await fetcher.client.aclose()
