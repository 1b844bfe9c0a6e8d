"""End to end: an independent Authlib client signs a person in with the reference wallet; the ID
token is validated with joserfc against the published JWKS."""

import time
from typing import Any

import pytest
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from sceau.signin.service import SIGNIN_COOKIE

from .conftest import (
    ISSUER,
    LICENCE_SCOPE,
    OTHER_VCT,
    PUBLIC_URL,
    TENANT,
    VC_TYPE,
    VCT,
    Rp,
    World,
    query_of,
)

pytestmark = pytest.mark.anyio


async def sign_in(
    world: World, rp: Rp, store: Any, **params: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """authorize → page → wallet → continue → code → token; (token, id claims, nonce)."""
    client = world.oauth_client(rp)
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(
        f"{ISSUER}/authorize", code_verifier=verifier, nonce=nonce, **params
    )
    async with world.browser() as browser:
        r = await browser.get(url)
        assert r.status_code == 303, r.text
        page = r.headers["location"]
        assert page.startswith(f"{ISSUER}/signin/")
        assert r.headers["cache-control"].startswith("no-store")
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert f"path=/t/{TENANT}/oidc/" in cookie
        assert "secure" not in cookie  # public_url is http here; Secure when https
        status = await browser.get(page + "/status")
        assert status.status_code == 200 and status.json()["status"] == "pending"
        assert status.headers["cache-control"].startswith("no-store")
        back = await world.present(browser, page, store)
        assert (await browser.get(page + "/status")).json()["status"] == "verified"
        r = await browser.get(back)
        assert r.status_code == 303, r.text
        location = r.headers["location"]
    assert location.startswith(rp.redirect_uri + "?")
    q = query_of(location)
    assert q["state"] == state and q["iss"] == ISSUER  # RFC 9207
    token = await client.fetch_token(
        f"{ISSUER}/token", authorization_response=location, code_verifier=verifier
    )
    jwks = (await world.admin.get(f"/t/{TENANT}/jwks.json")).json()
    decoded = jwt.decode(token["id_token"], KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert decoded.header["alg"] == "ES256"
    claims = dict(decoded.claims)
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER},
        aud={"essential": True, "value": rp.client_id},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        exp={"essential": True},
    ).validate(claims)
    await client.aclose()
    return dict(token), claims, nonce


async def test_discovery_document(world: World) -> None:
    r = await world.admin.get(f"/t/{TENANT}/oidc/.well-known/openid-configuration")
    assert r.status_code == 200
    meta = r.json()
    assert meta["issuer"] == ISSUER
    assert meta["jwks_uri"] == f"{PUBLIC_URL}/t/{TENANT}/jwks.json"
    assert meta["id_token_signing_alg_values_supported"] == ["ES256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["pushed_authorization_request_endpoint"] == f"{ISSUER}/par"
    assert meta["require_pushed_authorization_requests"] is False
    assert meta["authorization_response_iss_parameter_supported"] is True
    assert meta["subject_types_supported"] == ["pairwise"]
    assert meta["claims_parameter_supported"] is False
    assert meta["ui_locales_supported"] == ["en-CA", "fr-CA"]
    assert meta["backchannel_logout_supported"] is True
    assert meta["end_session_endpoint"] == f"{ISSUER}/logout"
    missing = await world.admin.get("/t/nope/oidc/.well-known/openid-configuration")
    assert missing.status_code == 404


@pytest.mark.parametrize("method", ["client_secret_basic", "private_key_jwt"])
async def test_sign_in_end_to_end(world: World, method: str) -> None:
    rp = await world.register(method)
    store = await world.wallet_with_licence()
    token, claims, _ = await sign_in(world, rp, store, ui_locales="fr-CA en")
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    assert claims["given_name"] == "Marie" and claims["licence_number"] == "QC-2026-0042"
    assert "family_name" not in claims and "waters" not in claims  # only what the scope maps
    assert claims["acr"] == "loa2"  # the credential type's min_assurance
    assert claims["amr"] == ["pop"]
    assert claims["locale"] == "fr-CA"
    assert abs(claims["auth_time"] - time.time()) < 60
    assert claims["sid"] and claims["at_hash"]
    userinfo = await world.admin.get(
        f"{ISSUER}/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json() == {
        "sub": claims["sub"],
        "given_name": "Marie",
        "licence_number": "QC-2026-0042",
    }
    bad = await world.admin.get(f"{ISSUER}/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"
    assert "www-authenticate" in bad.headers


async def test_pairwise_sub_differs_between_rps_and_is_stable_for_one(world: World) -> None:
    one = await world.register(host="rp-one.example.gc.ca")
    two = await world.register("private_key_jwt", host="rp-two.example.gc.ca")
    store = await world.wallet_with_licence()
    _, first, _ = await sign_in(world, one, store)
    _, again, _ = await sign_in(world, one, store)
    _, other, _ = await sign_in(world, two, store)
    assert first["sub"] == again["sub"]
    assert first["sid"] != again["sid"]
    assert other["sub"] != first["sub"]
    # Another person (another licence number) gets another sub at the same RP.
    someone = await world.wallet_with_licence(licence_number="QC-2026-0099")
    _, theirs, _ = await sign_in(world, one, someone)
    assert theirs["sub"] != first["sub"]


async def test_par_then_authorize_with_request_uri(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    client = world.oauth_client(rp)
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        f"{ISSUER}/authorize", code_verifier=verifier, nonce="n-0S6_WzA2Mj"
    )
    params = query_of(url)
    pushed = await world.admin.post(
        f"{ISSUER}/par", data=params, auth=(rp.client_id, rp.secret or "")
    )
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]
    assert request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    unauthenticated = await world.admin.post(f"{ISSUER}/par", data=params)
    assert unauthenticated.status_code == 401
    async with world.browser() as browser:
        r = await browser.get(
            f"{ISSUER}/authorize", params={"client_id": rp.client_id, "request_uri": request_uri}
        )
        assert r.status_code == 303, r.text
        page = r.headers["location"]
        back = await world.present(browser, page, store)
        location = (await browser.get(back)).headers["location"]
        # The request_uri is one-time.
        again = await browser.get(
            f"{ISSUER}/authorize", params={"client_id": rp.client_id, "request_uri": request_uri}
        )
        assert again.status_code == 400 and again.json()["error"] == "invalid_request_uri"
    assert query_of(location)["state"] == state
    token = await client.fetch_token(
        f"{ISSUER}/token", authorization_response=location, code_verifier=verifier
    )
    assert token["id_token"]
    await client.aclose()


async def test_view_for_the_page(world: World) -> None:
    rp = await world.register()
    client = world.oauth_client(rp)
    url, _ = client.create_authorization_url(
        f"{ISSUER}/authorize", code_verifier=generate_token(48), ui_locales="fr"
    )
    async with world.browser() as browser:
        page = (await browser.get(url)).headers["location"]
        session_id = page.rsplit("/", 1)[-1]
        view = await world.app.state["signin"].view(
            TENANT, session_id, browser.cookies.get(SIGNIN_COOKIE)
        )
    assert view.language == "fr" and view.status == "pending"
    assert view.client_name.en == "Service rp-one.example.gc.ca"
    assert view.purpose.fr == "Vérifier un permis de pêche"
    assert {c.fr for c in view.requested_claims} == {"Prénom", "Numéro de permis"}
    assert view.wallet_uri.startswith("openid4vp://")
    assert view.status_url == page + "/status"
    from sceau.errors import NotFound

    with pytest.raises(NotFound):
        await world.app.state["signin"].view(TENANT, session_id, "another-browser")
    await client.aclose()


async def test_scope_with_alternative_credential_types(world: World) -> None:
    """A scope accepting two types is a DCQL credential set; the wallet answers the one it has,
    and the acr is the one registered for the type presented."""
    scope = {
        **LICENCE_SCOPE,
        "credential_types": [
            {"format": "dc+sd-jwt", "vct": OTHER_VCT, "acr": "loa3"},
            {"format": "dc+sd-jwt", "vct": VCT},
        ],
    }
    rp = await world.register(scopes={"licence": scope})
    store = await world.wallet_with_licence()
    _, claims, _ = await sign_in(world, rp, store)
    assert claims["acr"] == "loa2" and claims["licence_number"] == "QC-2026-0042"


@pytest.mark.parametrize("fmt", ["ldp_vc", "jwt_vc_json"])
async def test_sign_in_with_a_w3c_credential(world: World, fmt: str) -> None:
    path = ["credentialSubject", "licence_number"]
    scope = {
        "purpose": "licence-check",
        "credential_types": [{"format": fmt, "type": VC_TYPE}],
        "claims": {"licence_number": path, "given_name": ["credentialSubject", "given_name"]},
        "subject_claims": [path],
    }
    rp = await world.register(scopes={"licence": scope})
    store = await world.wallet_with_licence(f"fishing-{fmt}")
    _, claims, _ = await sign_in(world, rp, store)
    assert claims["licence_number"] == "QC-2026-0042" and claims["given_name"] == "Marie"
    assert claims["acr"] == "loa3"  # min_assurance of the W3C types
    assert "family_name" not in claims
