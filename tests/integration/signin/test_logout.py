"""RP-Initiated Logout 1.0 ends the sign-in (sid) and a Back-Channel Logout token reaches the
relying party's real HTTP endpoint through the SSRF-guarded fetcher."""

import secrets
from urllib.parse import parse_qs

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import ISSUER, TENANT, World
from .test_negative import get_code, token_request

pytestmark = pytest.mark.anyio


async def test_logout_ends_the_sid_and_sends_a_backchannel_logout_token(
    world: World, logout_receiver: tuple[str, list[bytes]]
) -> None:
    endpoint, received = logout_receiver
    rp = await world.register(backchannel_logout_uri=endpoint)
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    tokens = (
        await token_request(world, rp, await get_code(world, rp, store, verifier), verifier)
    ).json()
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await world.admin.get(f"{ISSUER}/userinfo", headers=bearer)).status_code == 200
    jwks = KeySet.import_key_set((await world.admin.get(f"/t/{TENANT}/jwks.json")).json())
    id_claims = jwt.decode(tokens["id_token"], jwks, algorithms=["ES256"]).claims

    r = await world.admin.get(
        f"{ISSUER}/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://rp-one.example.gc.ca/signed-out",
            "state": "bye",
        },
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "https://rp-one.example.gc.ca/signed-out?state=bye"
    # The access token of that sign-in no longer works.
    assert (await world.admin.get(f"{ISSUER}/userinfo", headers=bearer)).status_code == 401

    [body] = received
    logout_token = parse_qs(body.decode())["logout_token"][0]
    decoded = jwt.decode(logout_token, jwks, algorithms=["ES256"])
    assert decoded.header["typ"] == "logout+jwt"
    claims = decoded.claims
    assert claims["iss"] == ISSUER and claims["aud"] == rp.client_id
    assert claims["sid"] == id_claims["sid"] and claims["sub"] == id_claims["sub"]
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert "nonce" not in claims and claims["jti"] and claims["iat"] and claims["exp"]

    # Logging out again is harmless and sends nothing more.
    again = await world.admin.get(f"{ISSUER}/logout", params={"id_token_hint": tokens["id_token"]})
    assert again.status_code == 200 and "signed out" in again.text
    assert len(received) == 1


async def test_logout_refuses_unregistered_post_logout_redirect(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    tokens = (
        await token_request(world, rp, await get_code(world, rp, store, verifier), verifier)
    ).json()
    for params in (
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "https://evil.example/"},
        {"post_logout_redirect_uri": "https://rp-one.example.gc.ca/signed-out"},  # whose?
        {"id_token_hint": tokens["id_token"][:-4] + "AAAA"},  # bad signature
    ):
        r = await world.admin.get(f"{ISSUER}/logout", params=params)
        assert r.status_code == 400, r.text
        assert "location" not in r.headers
    # The sign-in is still alive: the access token works.
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await world.admin.get(f"{ISSUER}/userinfo", headers=bearer)).status_code == 200


async def test_backchannel_fetcher_keeps_the_ssrf_guard(
    logout_receiver: tuple[str, list[bytes]],
) -> None:
    from sceau.fetch import FetchError, FetchPolicy, SafeFetcher

    endpoint, received = logout_receiver
    strict = SafeFetcher(FetchPolicy(allow_insecure=False))
    for url in (endpoint, endpoint.replace("http://", "https://")):
        with pytest.raises(FetchError):
            await strict.post_form(url, {"logout_token": "x"})
    assert received == []
    relaxed = SafeFetcher(FetchPolicy(allow_insecure=True))
    answer = await relaxed.post_form(endpoint, {"logout_token": "x"})
    assert answer.status == 200 and received == [b"logout_token=x"]
