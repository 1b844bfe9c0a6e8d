"""The wallet's authorization code flow (PAR, PKCE, upstream OpenID Connect login, DPoP token).

The upstream identity provider is beyond the machine: a small fake answers the platform's
discovery, token and JWKS calls (through the app's ``upstream_http_transport``), and the test's
"browser" plays the person logging in there.
"""

import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
from sceau.wallet import IssuanceFailed, receive_with_authorization

from .conftest import PUBLIC_URL, World

pytestmark = pytest.mark.anyio

UPSTREAM = "https://login.example.gc.ca"
CLIENT_ID = "sceau-peches"
WALLET_REDIRECT = "http://127.0.0.1:8765/callback"


class Upstream:
    """Discovery, JWKS and token endpoint of an OpenID Connect provider, in memory."""

    def __init__(self) -> None:
        self.signer = SoftwareSigner(generate_private_key("ES256"), "ES256")
        self.codes: dict[str, str] = {}  # code -> nonce
        self.user = {"given_name": "Marie", "family_name": "Tremblay", "licence_no": "QC-77"}

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": UPSTREAM,
                    "authorization_endpoint": f"{UPSTREAM}/authorize",
                    "token_endpoint": f"{UPSTREAM}/token",
                    "jwks_uri": f"{UPSTREAM}/jwks",
                },
            )
        if path == "/jwks":
            return httpx.Response(200, json={"keys": [{**self.signer.public_jwk, "kid": "up1"}]})
        if path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            nonce = self.codes.pop(form.get("code", ""), None)
            if nonce is None:
                return httpx.Response(400, json={"error": "invalid_grant"})
            now = int(time.time())
            claims = {
                "iss": UPSTREAM,
                "aud": CLIENT_ID,
                "sub": "user-1",
                "iat": now,
                "exp": now + 300,
                "nonce": nonce,
                **self.user,
            }
            id_token = sign_compact_sync({"kid": "up1", "typ": "JWT"}, claims, self.signer)
            return httpx.Response(200, json={"id_token": id_token, "token_type": "Bearer"})
        return httpx.Response(404)


async def _setup(world: World) -> Upstream:
    upstream = Upstream()
    world.app.state["upstream_http_transport"] = httpx.MockTransport(upstream.handler)
    r = await world.admin.put(
        f"/admin/tenants/{world.issuer.slug}/upstream-oidc",
        json={
            "issuer": UPSTREAM,
            "client_id": CLIENT_ID,
            "client_secret": "s3cret-s3cret",
            "claim_mapping": {
                "fishing": {
                    "given_name": "given_name",
                    "family_name": "family_name",
                    "licence_number": "licence_no",
                }
            },
        },
        headers=world.auth(world.issuer, "admin"),
    )
    assert r.status_code == 200, r.text
    return upstream


def _browser(world: World, upstream: Upstream, *, login: bool = True) -> Any:
    async def browse(url: str) -> str:
        # The issuer's authorization endpoint sends the browser to the upstream provider.
        first = await world.admin.get(url)
        assert first.status_code in (302, 303), first.text
        cookie = first.headers.get("set-cookie", "").split(";", 1)[0]
        login_page = {
            k: v[0] for k, v in parse_qs(urlsplit(first.headers["location"]).query).items()
        }
        if login:
            code = secrets.token_urlsafe(16)
            upstream.codes[code] = login_page["nonce"]
            back = {"code": code, "state": login_page["state"]}
        else:
            back = {"error": "access_denied", "state": login_page["state"]}
        callback = await world.admin.get(
            f"{login_page['redirect_uri']}?{urlencode(back)}", headers={"Cookie": cookie}
        )
        assert callback.status_code in (302, 303), callback.text
        return str(callback.headers["location"])

    return browse


async def test_authorization_code_flow_issues_with_the_upstream_identity(world: World) -> None:
    upstream = await _setup(world)
    store = world.store()
    received = await receive_with_authorization(
        world.http,
        store,
        f"{PUBLIC_URL}/t/{world.issuer.slug}",
        ["fishing"],
        browser=_browser(world, upstream),
        redirect_uri=WALLET_REDIRECT,
    )
    [credential] = received.credentials
    assert credential.claims["licence_number"] == "QC-77"
    assert credential.claims["given_name"] == "Marie"


async def test_refused_login_is_access_denied(world: World) -> None:
    upstream = await _setup(world)
    with pytest.raises(IssuanceFailed) as refused:
        await receive_with_authorization(
            world.http,
            world.store(),
            f"{PUBLIC_URL}/t/{world.issuer.slug}",
            ["fishing"],
            browser=_browser(world, upstream, login=False),
            redirect_uri=WALLET_REDIRECT,
        )
    assert refused.value.code == "access_denied"


async def test_response_with_another_state_is_refused(world: World) -> None:
    upstream = await _setup(world)
    honest = _browser(world, upstream)

    async def tampered(url: str) -> str:
        back = await honest(url)
        parts = urlsplit(back)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["state"] = "attacker"
        return f"{WALLET_REDIRECT}?{urlencode(query)}"

    with pytest.raises(IssuanceFailed) as refused:
        await receive_with_authorization(
            world.http,
            world.store(),
            f"{PUBLIC_URL}/t/{world.issuer.slug}",
            ["fishing"],
            browser=tampered,
            redirect_uri=WALLET_REDIRECT,
        )
    assert refused.value.code == "invalid_state"


async def test_issuer_initiated_offer_issuer_state_with_the_reference_wallet(world: World) -> None:
    """OpenID4VCI §4.1.1/§5.1.3: the issuer's authorization_code offer; the wallet sends its
    issuer_state in PAR; the offer works for one flow only."""
    upstream = await _setup(world)
    offered = await world.admin.post(
        f"/admin/tenants/{world.issuer.slug}/offers",
        json={"credential_configuration_ids": ["fishing"], "grant": "authorization_code"},
        headers=world.auth(world.issuer, "admin"),
    )
    assert offered.status_code == 201, offered.text
    offer = offered.json()["credential_offer"]
    issuer_state = offer["grants"]["authorization_code"]["issuer_state"]

    async def run() -> Any:
        return await receive_with_authorization(
            world.http,
            world.store(),
            offer["credential_issuer"],
            offer["credential_configuration_ids"],
            browser=_browser(world, upstream),
            redirect_uri=WALLET_REDIRECT,
            issuer_state=issuer_state,
        )

    [credential] = (await run()).credentials
    assert credential.claims["licence_number"] == "QC-77"
    with pytest.raises(IssuanceFailed) as again:
        await run()
    assert again.value.code == "invalid_request"
