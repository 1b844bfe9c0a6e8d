"""OpenID4VCI authorization code flow end to end: PAR → authorize → upstream OIDC login →
callback → code → token (PKCE + DPoP) → nonce → credential, and its refusals."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec
import pytest
from oid4vci.wallet import dpop_proof, key_proof, new_signer

from sceau.core.encoding import b64url_decode
from sceau.oauth.pkce import s256_challenge

from .conftest import WALLET_REDIRECT, Env

pytestmark = pytest.mark.anyio

CLIENT_ID = "wallet-app"


class Flow:
    """One wallet's run: its PKCE verifier, DPoP key and state."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.verifier = secrets.token_urlsafe(48)
        self.state = secrets.token_urlsafe(12)
        self.dpop_key = new_signer()

    def path(self, name: str) -> str:
        return urlsplit(f"{self.env.issuer}/{name}").path

    async def par(self, **params: str) -> httpx.Response:
        form = {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "redirect_uri": WALLET_REDIRECT,
            "code_challenge": s256_challenge(self.verifier),
            "code_challenge_method": "S256",
            "state": self.state,
            "scope": "permit",
        }
        form.update(params)
        form = {k: v for k, v in form.items() if v != "<omit>"}
        return await self.env.http.post(self.path("par"), data=form)

    async def login(self, request_uri: str) -> dict[str, list[str]]:
        """The browser leg: authorize → upstream → callback → wallet redirect; its query."""
        response = await self.env.http.get(
            self.path("authorize"),
            params={"client_id": CLIENT_ID, "request_uri": request_uri},
            follow_redirects=True,
        )
        assert response.status_code == 200, response.text
        assert str(response.url).startswith(WALLET_REDIRECT), response.url
        hops = [str(r.headers["location"]) for r in response.history]
        assert hops[0].startswith("http://op.test/authorize?")
        return parse_qs(urlsplit(str(response.url)).query)

    async def code(self, **par_params: str) -> str:
        pushed = await self.par(**par_params)
        assert pushed.status_code == 201, pushed.text
        query = await self.login(pushed.json()["request_uri"])
        assert query["state"] == [self.state]
        assert query["iss"] == [self.env.issuer]  # RFC 9207
        return query["code"][0]

    async def token(self, code: str, **overrides: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WALLET_REDIRECT,
            "client_id": CLIENT_ID,
            "code_verifier": self.verifier,
        }
        form.update(overrides)
        form = {k: v for k, v in form.items() if v != "<omit>"}
        proof = dpop_proof(self.dpop_key, "POST", f"{self.env.issuer}/token")
        return await self.env.http.post(self.path("token"), data=form, headers={"DPoP": proof})

    async def credential(
        self,
        access_token: str,
        configuration_id: str,
        *,
        identifier: str | None = None,
        proof_iss: str | None = None,
    ) -> httpx.Response:
        nonce = (await self.env.http.post(self.path("nonce"))).json()["c_nonce"]
        holder = new_signer()
        proof = key_proof(holder, self.env.issuer, nonce, iss=proof_iss)
        body: dict[str, Any] = {"proofs": {"jwt": [proof]}}
        if identifier is None:
            body["credential_configuration_id"] = configuration_id
        else:
            body["credential_identifier"] = identifier
        proof = dpop_proof(
            self.dpop_key, "POST", f"{self.env.issuer}/credential", access_token=access_token
        )
        return await self.env.http.post(
            self.path("credential"),
            content=msgspec.json.encode(body),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"DPoP {access_token}",
                "DPoP": proof,
            },
        )


async def _grant_claims(env: Env) -> list[Any]:
    from sqlalchemy import select

    from sceau.oid4vci.authorization import oid4vci_authorizations
    from sceau.oid4vci.tables import oid4vci_offers

    async with env.app.state["engine"].connect() as conn:
        offers = (await conn.execute(select(oid4vci_offers.c.claims))).scalars().all()
        authz = (await conn.execute(select(oid4vci_authorizations.c.claims))).scalars().all()
    return [c for c in [*offers, *authz] if c]


async def test_wallet_gets_sd_jwt_vc_with_upstream_claims_through_par_pkce_dpop(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    token = await flow.token(code)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "DPoP"
    assert "authorization_details" not in body  # asked by scope only
    assert await _grant_claims(env)  # held until issuance
    issued = await flow.credential(body["access_token"], "permit")
    assert issued.status_code == 200, issued.text
    sd_jwt = issued.json()["credentials"][0]["credential"]
    disclosed = {}
    for part in sd_jwt.split("~")[1:]:
        if part:
            _salt, name, value = json.loads(b64url_decode(part))
            disclosed[name] = value
    assert disclosed["given_name"] == "Marie"
    assert disclosed["family_name"] == "Tremblay"
    assert "email" not in disclosed  # only mapped claims
    assert await _grant_claims(env) == []  # upstream claims gone once issued


@pytest.mark.parametrize(("iss", "status"), [(CLIENT_ID, 200), ("another-wallet", 400), (7, 400)])
async def test_key_proof_iss_must_be_the_client_the_token_was_issued_to(
    env: Env, iss: Any, status: int
) -> None:
    # OpenID4VCI F.1: iss, when present, MUST be the client_id of the client making the request.
    flow = Flow(env)
    token = await flow.token(await flow.code())
    assert token.status_code == 200, token.text
    issued = await flow.credential(token.json()["access_token"], "permit", proof_iss=iss)
    assert issued.status_code == status, issued.text
    if status == 400:
        assert issued.json()["error"] == "invalid_proof"
        again = await flow.credential(token.json()["access_token"], "permit")
        assert again.status_code == 200, again.text  # nothing was issued or spent


async def test_authorization_details_are_echoed_with_credential_identifiers(env: Env) -> None:
    flow = Flow(env)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "licence"}])
    code = await flow.code(scope="<omit>", authorization_details=details)
    token = await flow.token(code)
    assert token.status_code == 200, token.text
    [detail] = token.json()["authorization_details"]
    assert detail["credential_configuration_id"] == "licence"
    assert detail["credential_identifiers"]


async def test_credential_identifiers_from_the_token_response_name_the_credential(env: Env) -> None:
    """OpenID4VCI §8.2: with credential_identifiers returned, requests use them and never a
    credential_configuration_id; an identifier the token did not return is unknown."""
    flow = Flow(env)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "permit"}])
    code = await flow.code(scope="<omit>", authorization_details=details)
    token = (await flow.token(code)).json()
    access_token = token["access_token"]
    [identifier] = token["authorization_details"][0]["credential_identifiers"]
    by_configuration = await flow.credential(access_token, "permit")
    assert by_configuration.status_code == 400
    assert by_configuration.json()["error"] == "invalid_credential_request"
    unknown = await flow.credential(access_token, "permit", identifier="licence")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "unknown_credential_identifier"
    issued = await flow.credential(access_token, "permit", identifier=identifier)
    assert issued.status_code == 200, issued.text
    assert issued.json()["credentials"][0]["credential"].count("~") >= 2


async def test_authorize_without_par_request_uri_is_refused(env: Env) -> None:
    flow = Flow(env)
    response = await env.http.get(
        flow.path("authorize"),
        params={"client_id": CLIENT_ID, "response_type": "code", "scope": "permit"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"]


async def test_par_request_uri_works_once(env: Env) -> None:
    flow = Flow(env)
    pushed = (await flow.par()).json()
    assert pushed["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert 0 < pushed["expires_in"] <= 600
    await flow.login(pushed["request_uri"])
    again = await env.http.get(
        flow.path("authorize"),
        params={"client_id": CLIENT_ID, "request_uri": pushed["request_uri"]},
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request_uri"


async def test_expired_par_request_uri_is_refused(env: Env) -> None:
    flow = Flow(env)
    pushed = (await flow.par()).json()
    service = env.app.state["oid4vci_authorization"]
    real_clock = service.clock
    service.clock = lambda: real_clock() + pushed["expires_in"] + 1
    try:
        response = await env.http.get(
            flow.path("authorize"),
            params={"client_id": CLIENT_ID, "request_uri": pushed["request_uri"]},
        )
    finally:
        service.clock = real_clock
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request_uri"


async def test_par_request_uri_of_another_client_is_refused(env: Env) -> None:
    flow = Flow(env)
    pushed = (await flow.par()).json()
    response = await env.http.get(
        flow.path("authorize"),
        params={"client_id": "other-wallet", "request_uri": pushed["request_uri"]},
    )
    assert response.json()["error"] == "invalid_request_uri"


@pytest.mark.parametrize(
    "params",
    [
        {"code_challenge": "<omit>", "code_challenge_method": "<omit>"},
        {"code_challenge_method": "plain"},
        {"code_challenge_method": "<omit>"},
    ],
    ids=["missing", "plain", "no-method"],
)
async def test_par_without_pkce_s256_is_refused(env: Env, params: dict[str, str]) -> None:
    response = await Flow(env).par(**params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_par_for_unknown_credential_configuration_is_refused(env: Env) -> None:
    flow = Flow(env)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "nope"}])
    by_details = await flow.par(scope="<omit>", authorization_details=details)
    assert by_details.status_code == 400
    assert by_details.json()["error"] == "invalid_authorization_details"
    by_scope = await flow.par(scope="nope")
    assert by_scope.json()["error"] == "invalid_scope"


async def test_token_with_wrong_pkce_verifier_is_refused_and_spends_the_code(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    wrong = await flow.token(code, code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert (await flow.token(code)).json()["error"] == "invalid_grant"


async def test_token_without_pkce_verifier_is_refused(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    response = await flow.token(code, code_verifier="<omit>")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_authorization_code_works_once(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    assert (await flow.token(code)).status_code == 200
    reuse = await flow.token(code)
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"


async def test_token_with_other_redirect_uri_is_refused(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    response = await flow.token(code, redirect_uri="https://evil.example/cb")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_token_without_dpop_is_refused(env: Env) -> None:
    flow = Flow(env)
    code = await flow.code()
    response = await env.http.post(
        flow.path("token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": WALLET_REDIRECT,
            "client_id": CLIENT_ID,
            "code_verifier": flow.verifier,
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"


@pytest.mark.parametrize("lie", ["nonce", "aud", "signature"])
async def test_upstream_id_token_that_fails_validation_gives_access_denied(
    env: Env, lie: str
) -> None:
    env.op.misbehave = lie
    flow = Flow(env)
    pushed = (await flow.par()).json()
    query = await flow.login(pushed["request_uri"])
    assert query["error"] == ["access_denied"]
    assert "code" not in query
    assert query["state"] == [flow.state]
    assert env.op.token_requests == 1  # the exchange happened; its ID token was refused


async def test_callback_from_another_browser_is_refused(env: Env) -> None:
    flow = Flow(env)
    pushed = (await flow.par()).json()
    start = await env.http.get(
        flow.path("authorize"),
        params={"client_id": CLIENT_ID, "request_uri": pushed["request_uri"]},
    )
    assert start.status_code == 302
    at_op = await env.http.get(start.headers["location"])
    callback = at_op.headers["location"]
    env.http.cookies.clear()  # the victim's browser has no binding cookie
    response = await env.http.get(callback)
    assert response.status_code == 400
    assert env.op.token_requests == 0


async def test_upstream_client_secret_is_never_returned(env: Env) -> None:
    response = await env.http.get(
        f"/admin/tenants/{env.tenant.slug}/upstream-oidc", headers=env.admin()
    )
    assert response.status_code == 200
    assert response.json()["client_secret_set"] is True
    assert env.op.client_secret not in response.text
    from sqlalchemy import select

    from sceau.oid4vci.upstream import oid4vci_upstream_oidc

    async with env.app.state["engine"].connect() as conn:
        sealed = (
            await conn.execute(select(oid4vci_upstream_oidc.c.client_secret_sealed))
        ).scalar_one()
    assert env.op.client_secret.encode() not in bytes(sealed)


async def test_error_description_is_localized(env: Env) -> None:
    flow = Flow(env)
    en = await flow.par(scope="nope")
    fr = await env.http.post(
        flow.path("par"),
        data={
            "client_id": CLIENT_ID,
            "response_type": "code",
            "scope": "nope",
            "redirect_uri": WALLET_REDIRECT,
            "code_challenge": s256_challenge(flow.verifier),
            "code_challenge_method": "S256",
        },
        headers={"Accept-Language": "fr-CA"},
    )
    assert en.json()["error"] == fr.json()["error"] == "invalid_scope"
    assert en.json()["error_description"] != fr.json()["error_description"]


async def test_upstream_config_without_openid_scope_is_refused(env: Env) -> None:
    response = await env.http.put(
        f"/admin/tenants/{env.tenant.slug}/upstream-oidc",
        json={
            "issuer": "https://op.example",
            "client_id": "a",
            "client_secret": "b",
            "scopes": ["profile"],
        },
        headers=env.admin(),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_upstream_oidc"


async def test_upstream_config_needs_a_tenant_admin(env: Env) -> None:
    response = await env.http.put(
        f"/admin/tenants/{env.tenant.slug}/upstream-oidc",
        json={"issuer": "https://op.example", "client_id": "a", "client_secret": "b"},
        headers={"Authorization": f"Bearer {env.tenant.tokens['issuer']}"},
    )
    assert response.status_code == 403
