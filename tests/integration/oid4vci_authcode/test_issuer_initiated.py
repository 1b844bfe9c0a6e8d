"""Issuer-initiated authorization code flow (OpenID4VCI 1.0 §4.1.1 ``grants.authorization_code``,
§5.1.3 ``issuer_state``): admin offer → PAR with issuer_state → upstream login → token →
credential, and its refusals. Real app, real upstream OP, real crypto."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from sceau.core.encoding import b64url_decode
from sceau.oid4vci.authorization import oid4vci_par_requests, provide_authorization
from sceau.oid4vci.tables import oid4vci_offers
from sceau.web.i18n import load_catalogue, to_oauth_ascii

from .conftest import Env
from .test_authorization_code_flow import Flow

pytestmark = pytest.mark.anyio

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


async def _offer(env: Env, **body: Any) -> Any:
    return await env.http.post(
        f"/admin/tenants/{env.tenant.slug}/offers",
        json={"credential_configuration_ids": ["permit"], **body},
        headers=env.admin(),
    )


async def _issuer_state_offer(env: Env, ids: list[str] | None = None, **body: Any) -> Any:
    created = await _offer(
        env, grant="authorization_code", credential_configuration_ids=ids or ["permit"], **body
    )
    assert created.status_code == 201, created.text
    return created.json()


async def _par_rows(env: Env) -> int:
    async with env.app.state["engine"].connect() as conn:
        return len((await conn.execute(select(oid4vci_par_requests.c.tenant))).all())


async def _used_at(env: Env, offer_id: str) -> Any:
    async with env.app.state["engine"].connect() as conn:
        query = select(oid4vci_offers.c.used_at_ms).where(oid4vci_offers.c.id == offer_id)
        return (await conn.execute(query)).scalar_one()


def _disclosed(sd_jwt: str) -> dict[str, Any]:
    out = {}
    for part in sd_jwt.split("~")[1:]:
        if part:
            _salt, name, value = json.loads(b64url_decode(part))
            out[name] = value
    return out


async def test_offer_object_carries_issuer_state_and_no_claims(env: Env) -> None:
    created = await _issuer_state_offer(env, ["permit", "licence"])
    offer = created["credential_offer"]
    assert set(offer) == {"credential_issuer", "credential_configuration_ids", "grants"}
    assert offer["credential_issuer"] == env.issuer
    assert offer["credential_configuration_ids"] == ["permit", "licence"]
    assert set(offer["grants"]) == {"authorization_code"}
    issuer_state = offer["grants"]["authorization_code"]["issuer_state"]
    assert set(offer["grants"]["authorization_code"]) == {"issuer_state"}
    assert len(b64url_decode(issuer_state)) >= 16  # >= 128 random bits
    assert created["tx_code"] is None
    # By value and by reference (§4.1.2, §4.1.3) carry the same object; QR works as today.
    by_value = parse_qs(urlsplit(created["offer_uri_by_value"]).query)["credential_offer"][0]
    assert json.loads(by_value) == offer
    fetched = await env.http.get(urlsplit(created["credential_offer_uri"]).path)
    assert fetched.status_code == 200
    assert fetched.json() == offer
    qr = await env.http.get(urlsplit(created["qr_png"]).path, headers=env.admin())
    assert qr.status_code == 200
    assert qr.headers["content-type"] == "image/png"
    # Only a hash is stored, next to its grant type; no claims.
    async with env.app.state["engine"].connect() as conn:
        row = (
            await conn.execute(select(oid4vci_offers).where(oid4vci_offers.c.id == created["id"]))
        ).one()
    assert row.grant_type == "authorization_code"
    assert row.claims is None
    assert issuer_state not in row.code_hash


async def test_offer_then_par_with_issuer_state_then_login_token_credential(env: Env) -> None:
    created = await _issuer_state_offer(env, ["permit", "licence"])
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    flow = Flow(env)
    code = await flow.code(scope="permit licence", issuer_state=issuer_state)
    assert await _used_at(env, created["id"]) is not None  # spent at PAR
    # The by-reference offer is gone once used.
    gone = await env.http.get(urlsplit(created["credential_offer_uri"]).path)
    assert gone.status_code == 404
    token = await flow.token(code)
    assert token.status_code == 200, token.text
    access_token = token.json()["access_token"]
    for configuration_id in ("permit", "licence"):
        issued = await flow.credential(access_token, configuration_id)
        assert issued.status_code == 200, issued.text
        disclosed = _disclosed(issued.json()["credentials"][0]["credential"])
        assert disclosed["given_name"] == "Marie"  # from the upstream login, not the offer
        assert disclosed["family_name"] == "Tremblay"


async def test_a_subset_of_the_offer_by_authorization_details_works(env: Env) -> None:
    created = await _issuer_state_offer(env, ["permit", "licence"])
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    flow = Flow(env)
    details = json.dumps([{"type": "openid_credential", "credential_configuration_id": "licence"}])
    code = await flow.code(scope="<omit>", authorization_details=details, issuer_state=issuer_state)
    token = await flow.token(code)
    assert token.status_code == 200, token.text
    issued = await flow.credential(token.json()["access_token"], "licence", identifier="licence")
    assert issued.status_code == 200, issued.text


async def test_issuer_state_works_once(env: Env) -> None:
    created = await _issuer_state_offer(env)
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    first = Flow(env)
    assert (await first.par(issuer_state=issuer_state)).status_code == 201
    rows = await _par_rows(env)
    second = await Flow(env).par(issuer_state=issuer_state)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_request"
    catalogue = load_catalogue("en")
    assert second.json()["error_description"] == to_oauth_ascii(
        catalogue["issuer_state_invalid.detail"]
    )
    assert await _par_rows(env) == rows  # nothing stored


async def test_concurrent_pars_with_one_issuer_state_have_one_winner(env: Env) -> None:
    created = await _issuer_state_offer(env)
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    responses = await asyncio.gather(*(Flow(env).par(issuer_state=issuer_state) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [201, 400, 400, 400]


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_unknown_issuer_state_is_refused_localized(env: Env, language: str) -> None:
    flow = Flow(env)
    rows = await _par_rows(env)
    response = await env.http.post(
        flow.path("par"),
        data={
            "client_id": "wallet-app",
            "response_type": "code",
            "redirect_uri": "https://wallet.example/cb",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "scope": "permit",
            "issuer_state": "not-an-issuer-state",
        },
        headers={"Accept-Language": language},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    description = load_catalogue(language)["issuer_state_invalid.detail"]  # type: ignore[arg-type]
    assert response.json()["error_description"] == to_oauth_ascii(description)  # RFC 6749 §5.2
    assert await _par_rows(env) == rows


async def test_expired_issuer_state_is_refused(env: Env) -> None:
    created = await _issuer_state_offer(env, expires_in=60)
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    service = provide_authorization(env.app.state)
    real_clock = service.clock
    service.clock = lambda: real_clock() + 61
    try:
        response = await Flow(env).par(issuer_state=issuer_state)
    finally:
        service.clock = real_clock
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert await _used_at(env, created["id"]) is None


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_configuration_outside_the_offer_is_refused_and_the_offer_stays_usable(
    env: Env, language: str
) -> None:
    created = await _issuer_state_offer(env, ["permit"])
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    flow = Flow(env)
    rows = await _par_rows(env)
    env.http.headers["Accept-Language"] = language
    try:
        refused = await flow.par(scope="permit licence", issuer_state=issuer_state)
    finally:
        del env.http.headers["Accept-Language"]
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    description = load_catalogue(language)["issuer_state_configuration.detail"]  # type: ignore[arg-type]
    assert refused.json()["error_description"] == to_oauth_ascii(description)
    assert await _par_rows(env) == rows  # nothing stored
    assert await _used_at(env, created["id"]) is None  # rolled back: still usable
    assert (await flow.par(scope="permit", issuer_state=issuer_state)).status_code == 201


async def test_issuer_state_used_as_pre_authorized_code_is_invalid_grant(env: Env) -> None:
    created = await _issuer_state_offer(env)
    issuer_state = created["credential_offer"]["grants"]["authorization_code"]["issuer_state"]
    flow = Flow(env)
    from oid4vci.wallet import dpop_proof

    for extra in ({}, {"tx_code": "123456"}):  # the fast path and the checked path
        proof = dpop_proof(flow.dpop_key, "POST", f"{env.issuer}/token")
        response = await env.http.post(
            flow.path("token"),
            data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": issuer_state, **extra},
            headers={"DPoP": proof},
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_grant"
    assert await _used_at(env, created["id"]) is None
    # Still good for what it is.
    assert (await flow.par(issuer_state=issuer_state)).status_code == 201


async def test_pre_authorized_code_used_as_issuer_state_is_refused(env: Env) -> None:
    created = await _offer(env, claims={"given_name": "Ana", "family_name": "Silva"})
    assert created.status_code == 201, created.text
    grant = created.json()["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]
    refused = await Flow(env).par(issuer_state=grant["pre-authorized_code"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
    assert await _used_at(env, created.json()["id"]) is None
    # The pre-authorized code still works.
    flow = Flow(env)
    from oid4vci.wallet import dpop_proof

    proof = dpop_proof(flow.dpop_key, "POST", f"{env.issuer}/token")
    token = await env.http.post(
        flow.path("token"),
        data={
            "grant_type": PRE_AUTHORIZED_GRANT,
            "pre-authorized_code": grant["pre-authorized_code"],
        },
        headers={"DPoP": proof},
    )
    assert token.status_code == 200, token.text


async def test_without_issuer_state_the_wallet_initiated_flow_works(env: Env) -> None:
    await _issuer_state_offer(env)  # an open offer changes nothing for other flows
    flow = Flow(env)
    token = await flow.token(await flow.code())
    assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    "body",
    [
        {"claims": {"given_name": "Ana"}},
        {"claims": {}},
        {"claims_by_configuration": {"permit": {"given_name": "Ana"}}},
        {"tx_code": True},
        {"tx_code_description": "PIN"},
    ],
    ids=["claims", "empty-claims", "claims-by-configuration", "tx-code", "tx-code-description"],
)
@pytest.mark.parametrize("language", ["en", "fr"])
async def test_admin_refuses_claims_and_tx_code_in_authorization_code_offer(
    env: Env, body: dict[str, Any], language: str
) -> None:
    async with env.app.state["engine"].connect() as conn:
        before = len((await conn.execute(select(oid4vci_offers.c.id))).all())
    response = await env.http.post(
        f"/admin/tenants/{env.tenant.slug}/offers",
        json={"credential_configuration_ids": ["permit"], "grant": "authorization_code", **body},
        headers={**env.admin(), "Accept-Language": language},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    catalogue = load_catalogue(language)  # type: ignore[arg-type]
    assert problem["code"] == "authorization_code_offer_fields"
    assert problem["title"] == catalogue["authorization_code_offer_fields.title"]
    assert problem["detail"] == catalogue["authorization_code_offer_fields.detail"]
    async with env.app.state["engine"].connect() as conn:
        assert len((await conn.execute(select(oid4vci_offers.c.id))).all()) == before


async def test_admin_refuses_an_unknown_grant(env: Env) -> None:
    response = await _offer(env, grant="implicit")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
