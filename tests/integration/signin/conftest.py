"""Sign in with a credential, end to end: tenant-a issues fishing licences to the reference
wallet and runs the OpenID Connect provider (its verifier trusts its own issuer); relying parties
are independent Authlib clients talking to the real ASGI app.
"""

# No postponed annotations (see tests/integration/conftest.py).

import http.server
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import msgspec
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from cryptography import x509
from joserfc.jwk import ECKey
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.demo import FISHING_TYPE as DEMO_TYPE
from sceau.fetch import FetchResponse
from sceau.keys.service import tenant_did
from sceau.oid4vp.service import PresentationService
from sceau.settings import Settings
from sceau.signin.service import SIGNIN_COOKIE, build_signin_service
from sceau.verification.service import build_verification_service
from sceau.wallet import (
    WalletHttp,
    WalletStore,
    fetch_request,
    passphrase_key,
    plan_presentation,
    receive_offer,
    send_presentation,
)
from sceau.web.app import create_app

PUBLIC_URL = "http://sceau.example.gc.ca"
TENANT = "tenant-a"
ISSUER = f"{PUBLIC_URL}/t/{TENANT}/oidc"
VCT = f"{PUBLIC_URL}/t/{TENANT}/vct/fishing"
# A licence type of another issuer, accepted by some scopes as an alternative (never in the wallet).
OTHER_VCT = "https://licences.example.gc.ca/vct/fishing"
FISHING_TYPE = {**DEMO_TYPE, "id": "fishing", "vct": VCT, "min_assurance": "loa2"}
CLAIMS = {
    "given_name": "Marie",
    "family_name": "Tremblay",
    "licence_number": "QC-2026-0042",
    "waters": "Lac Saint-Jean",
}
VC_TYPE = "FishingLicenceCredential"
W3C_TYPES = [
    {
        **{k: v for k, v in FISHING_TYPE.items() if k not in ("vct", "id", "format")},
        "id": f"fishing-{fmt}",
        "format": fmt,
        "vc_type": ["VerifiableCredential", VC_TYPE],
        "min_assurance": "loa3",
    }
    for fmt in ("ldp_vc", "jwt_vc_json")
]
LICENCE_SCOPE = {
    "purpose": "licence-check",
    "credential_types": [{"format": "dc+sd-jwt", "vct": VCT}],
    "claims": {"given_name": ["given_name"], "licence_number": ["licence_number"]},
    "subject_claims": [["licence_number"]],
}


class AsgiFetcher:
    """The verifier's status-list port, answered by the same in-process app."""

    def __init__(self, app: Any) -> None:
        self.client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app))

    async def get(self, url: str, *, accept: str = "*/*") -> FetchResponse:
        r = await self.client.get(url, headers={"Accept": accept})
        return FetchResponse(url, r.status_code, dict(r.headers), r.content)


@dataclass
class Rp:
    client_id: str
    redirect_uri: str
    secret: str | None = None
    key: Any = None  # joserfc ECKey for private_key_jwt


@dataclass
class World:
    app: Any
    transport: httpx2.ASGITransport
    admin: httpx2.AsyncClient
    wallet_http: WalletHttp
    tenant: Any
    anchor: x509.Certificate
    wallet_dir: Path
    stores: dict[str, WalletStore] = field(default_factory=dict)

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tenant.tokens[role]}"}

    def store(self) -> WalletStore:
        return WalletStore.open(self.wallet_dir, passphrase_key("correct horse", scrypt_n=2**10))

    async def wallet_with_licence(self, type_id: str = "fishing", **claims: Any) -> WalletStore:
        r = await self.admin.post(
            f"/admin/tenants/{TENANT}/offers",
            json={"credential_configuration_ids": [type_id], "claims": {**CLAIMS, **claims}},
            headers=self.auth("issuer"),
        )
        assert r.status_code == 201, r.text
        store = self.store()
        await receive_offer(self.wallet_http, store, r.json()["offer_uri"])
        return store

    async def register(
        self,
        method: str = "client_secret_basic",
        *,
        host: str = "rp-one.example.gc.ca",
        scopes: dict[str, Any] | None = None,
        **extra: Any,
    ) -> Rp:
        redirect_uri = f"https://{host}/callback"
        body: dict[str, Any] = {
            "name_en": f"Service {host}",
            "name_fr": f"Service {host} FR",
            "redirect_uris": [redirect_uri],
            "post_logout_redirect_uris": [f"https://{host}/signed-out"],
            "token_endpoint_auth_method": method,
            "scopes": scopes or {"licence": LICENCE_SCOPE},
            **extra,
        }
        key = None
        if method == "private_key_jwt":
            key = ECKey.generate_key("P-256", private=True, auto_kid=True)
            body["jwks"] = {"keys": [{**key.as_dict(private=False), "alg": "ES256"}]}
        r = await self.admin.post(
            f"/admin/tenants/{TENANT}/relying-parties", json=body, headers=self.auth()
        )
        assert r.status_code == 201, r.text
        created = r.json()
        return Rp(
            created["relying_party"]["client_id"], redirect_uri, created["client_secret"], key
        )

    def oauth_client(self, rp: Rp, **kwargs: Any) -> AsyncOAuth2Client:
        """Authlib's client as the relying party (PKCE S256), over the in-process app."""
        if rp.key is not None:
            client = AsyncOAuth2Client(
                rp.client_id,
                rp.key,
                token_endpoint_auth_method="private_key_jwt",
                redirect_uri=rp.redirect_uri,
                scope=kwargs.pop("scope", "openid licence"),
                code_challenge_method="S256",
                transport=self.transport,
                base_url=PUBLIC_URL,
            )
            client.register_client_auth_method(PrivateKeyJWT(f"{ISSUER}/token", alg="ES256"))
            return client
        return AsyncOAuth2Client(
            rp.client_id,
            rp.secret,
            token_endpoint_auth_method="client_secret_basic",
            redirect_uri=rp.redirect_uri,
            scope=kwargs.pop("scope", "openid licence"),
            code_challenge_method="S256",
            transport=self.transport,
            base_url=PUBLIC_URL,
        )

    def browser(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=self.transport, base_url=PUBLIC_URL)

    async def present(
        self,
        browser: httpx2.AsyncClient,
        page_url: str,
        store: WalletStore,
        *,
        expect_status: int = 200,
    ) -> str:
        """The wallet answers the session's request; the same-device redirect it gets back (also
        with the 400 of a rejected presentation, so the person returns to the sign-in page)."""
        session_id = urlsplit(page_url).path.rsplit("/", 1)[-1]
        cookie = browser.cookies.get(SIGNIN_COOKIE)
        uri = await self.app.state["signin"].wallet_uri(TENANT, session_id, cookie)
        request = await fetch_request(self.wallet_http, uri, trust_anchors=[self.anchor])
        answer = await send_presentation(
            self.wallet_http, request, plan_presentation(request, store), store
        )
        assert answer.status_code == expect_status, answer.body
        assert answer.redirect_uri is not None
        return answer.redirect_uri


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


VERIFIER_PURPOSES = [
    {
        "id": "licence-check",
        "description_en": "Check a fishing licence",
        "description_fr": "Vérifier un permis de pêche",
        "allowed_claims": {
            VCT: [["licence_number"], ["given_name"], ["waters"]],
            OTHER_VCT: [["licence_number"], ["given_name"]],
            VC_TYPE: [["credentialSubject", "licence_number"], ["credentialSubject", "given_name"]],
        },
    }
]


async def configure_verifier(world: "World", trusted_issuer: str) -> Any:
    jwks = (await world.admin.get(f"/.well-known/jwt-vc-issuer/t/{TENANT}")).json()["jwks"]
    did = tenant_did(PUBLIC_URL, TENANT)
    did_jwks = {"keys": [{**k, "kid": f"{did}#{k['kid']}"} for k in jwks["keys"]]}
    r = await world.admin.put(
        f"/admin/tenants/{TENANT}/verifier",
        json={
            "client_id_prefix": "x509_san_dns",
            "name_en": "Fisheries sign-in",
            "name_fr": "Connexion Pêches",
            "purposes": VERIFIER_PURPOSES,
            "trust_policy": {
                "trusted_issuers": [
                    {"credential_type": VCT, "issuer": trusted_issuer, "jwks": jwks},
                    {"credential_type": VC_TYPE, "issuer": did, "jwks": did_jwks},
                ]
            },
        },
        headers=world.auth(),
    )
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def world(
    settings: Settings, engine: AsyncEngine, tenant_a: Any, tmp_path: Path
) -> AsyncIterator[World]:
    app = create_app(msgspec.structs.replace(settings, public_url=PUBLIC_URL), engine=engine)
    fetcher = AsgiFetcher(app)
    app.state["verification"] = build_verification_service(
        engine, settings, tenants=app.state["tenants"], keys=app.state["keys"], fetcher=fetcher
    )
    app.state["presentations"] = PresentationService(
        engine, verification=app.state["verification"], keys=app.state["keys"]
    )
    app.state["signin"] = build_signin_service(app.state)
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport, base_url=PUBLIC_URL) as admin,
        WalletHttp(
            transport=transport,
            http_hosts=frozenset({urlsplit(PUBLIC_URL).hostname or ""}),
        ) as wallet_http,
    ):
        await app.state["keys"].get_signer(TENANT)
        for body in (FISHING_TYPE, *W3C_TYPES):
            r = await admin.post(
                f"/admin/tenants/{TENANT}/credential-types",
                json=body,
                headers={"Authorization": f"Bearer {tenant_a.tokens['admin']}"},
            )
            assert r.status_code == 201, r.text
        world = World(app, transport, admin, wallet_http, tenant_a, None, tmp_path / "wallet")  # type: ignore[arg-type]
        config = await configure_verifier(world, f"{PUBLIC_URL}/t/{TENANT}")
        world.anchor = x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())
        yield world
    await fetcher.client.aclose()


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).received.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def logout_receiver() -> Iterator[tuple[str, list[bytes]]]:
    """A real HTTP server on loopback receiving back-channel logout tokens."""
    received: list[bytes] = []
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/backchannel-logout", received
    finally:
        server.shutdown()
        server.server_close()
