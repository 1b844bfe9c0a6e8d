"""What the provider refuses: unverified redirect URIs, PKCE, codes, client authentication,
untrusted issuers, scopes, prompt=none, expiry, and the browser binding."""

import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx2
import pytest
from cryptography import x509
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import update

from sceau.oauth.pkce import s256_challenge
from sceau.signin.service import SIGNIN_COOKIE
from sceau.signin.tables import signin_sessions

from .conftest import ISSUER, PUBLIC_URL, TENANT, Rp, World, configure_verifier, query_of

pytestmark = pytest.mark.anyio


def authorize_url(rp: Rp, verifier: str | None = None, **overrides: Any) -> str:
    params: dict[str, Any] = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid licence",
        "state": "st-123",
        "nonce": "no-456",
    }
    if verifier is not None:
        params["code_challenge"] = s256_challenge(verifier)
        params["code_challenge_method"] = "S256"
    params.update(overrides)
    return f"{ISSUER}/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


async def get_code(world: World, rp: Rp, store: Any, verifier: str) -> str:
    async with world.browser() as browser:
        r = await browser.get(authorize_url(rp, verifier))
        assert r.status_code == 303, r.text
        back = await world.present(browser, r.headers["location"], store)
        location = (await browser.get(back)).headers["location"]
    return query_of(location)["code"]


async def token_request(
    world: World, rp: Rp, code: str, verifier: str | None, **extra: Any
) -> httpx2.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    if verifier is not None:
        form["code_verifier"] = verifier
    form.update(extra.pop("form", {}))
    return await world.admin.post(
        f"{ISSUER}/token", data=form, auth=extra.pop("auth", (rp.client_id, rp.secret or ""))
    )


def assertion(rp: Rp, key: ECKey, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": rp.client_id,
        "sub": rp.client_id,
        "aud": f"{ISSUER}/token",
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
        **claims,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, payload, key)


async def test_unverified_redirect_uri_is_never_redirected_to(world: World) -> None:
    rp = await world.register()
    verifier = secrets.token_urlsafe(48)
    for url in (
        authorize_url(rp, verifier, redirect_uri="https://evil.example/callback"),
        authorize_url(rp, verifier, redirect_uri=rp.redirect_uri + "/x"),
        authorize_url(rp, verifier, redirect_uri=None),
        authorize_url(rp, verifier, client_id="rp_unknown"),
    ):
        r = await world.admin.get(url)
        assert r.status_code == 400, r.text
        assert "location" not in r.headers
        assert r.json()["error"] == "invalid_request"
    # A browser gets a bilingual page instead of JSON, still without a redirect.
    page = await world.admin.get(
        authorize_url(rp, verifier, redirect_uri="https://evil.example/callback"),
        headers={"Accept": "text/html,application/xhtml+xml"},
    )
    assert page.status_code == 400 and "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="fr"' in page.text and "evil.example" not in page.text


async def test_pkce_is_required_and_plain_refused(world: World) -> None:
    rp = await world.register()
    missing = await world.admin.get(authorize_url(rp))
    assert missing.status_code == 303
    q = query_of(missing.headers["location"])
    assert q["error"] == "invalid_request" and q["state"] == "st-123" and q["iss"] == ISSUER
    assert missing.headers["location"].startswith(rp.redirect_uri + "?")
    plain = await world.admin.get(
        authorize_url(rp, code_challenge="a" * 43, code_challenge_method="plain")
    )
    assert query_of(plain.headers["location"])["error"] == "invalid_request"


async def test_authorize_by_form_post(world: World) -> None:
    rp = await world.register()
    url = authorize_url(rp, secrets.token_urlsafe(48))
    r = await world.admin.post(f"{ISSUER}/authorize", data=query_of(url))
    assert r.status_code == 303 and r.headers["location"].startswith(f"{ISSUER}/signin/")
    assert "set-cookie" in r.headers


async def test_scopes_must_include_openid_and_be_registered(world: World) -> None:
    rp = await world.register()
    verifier = secrets.token_urlsafe(48)
    for scope in ("openid licence passport", "licence", "openid"):
        r = await world.admin.get(authorize_url(rp, verifier, scope=scope))
        assert r.status_code == 303
        assert query_of(r.headers["location"])["error"] == "invalid_scope", scope


async def test_prompt_none_is_login_required_with_a_localized_description(world: World) -> None:
    rp = await world.register()
    verifier = secrets.token_urlsafe(48)
    r = await world.admin.get(authorize_url(rp, verifier, prompt="none", ui_locales="fr-CA"))
    q = query_of(r.headers["location"])
    assert q["error"] == "login_required" and q["state"] == "st-123"
    assert "connecter" in q["error_description"]  # French, ASCII-folded (RFC 6749 §5.2)
    bad = await world.admin.get(authorize_url(rp, verifier, response_type="token"))
    assert query_of(bad.headers["location"])["error"] == "unsupported_response_type"


async def test_wrong_verifier_spends_the_code(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    wrong = await token_request(world, rp, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = await token_request(world, rp, code, verifier)
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"


async def test_missing_verifier_and_wrong_redirect_uri(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    missing = await token_request(world, rp, code, None)
    assert missing.json()["error"] == "invalid_grant"
    code = await get_code(world, rp, store, verifier)
    other = await token_request(
        world, rp, code, verifier, form={"redirect_uri": "https://rp-one.example.gc.ca/other"}
    )
    assert other.json()["error"] == "invalid_grant"


async def test_code_reuse_fails_and_revokes_the_tokens(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    first = await token_request(world, rp, code, verifier)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"].startswith("no-store")
    access = first.json()["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert (await world.admin.get(f"{ISSUER}/userinfo", headers=bearer)).status_code == 200
    again = await token_request(world, rp, code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert (await world.admin.get(f"{ISSUER}/userinfo", headers=bearer)).status_code == 401


async def test_code_of_another_client_is_refused(world: World) -> None:
    rp = await world.register()
    other = await world.register(host="rp-two.example.gc.ca")
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    r = await token_request(world, rp, code, verifier, auth=(other.client_id, other.secret or ""))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


async def test_client_secret_failures(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    for auth in ((rp.client_id, "wrong-secret"), ("rp_unknown", rp.secret or ""), None):
        kwargs: dict[str, Any] = {"auth": auth} if auth is not None else {"auth": None}
        r = await token_request(world, rp, code, verifier, **kwargs)
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "invalid_client"
        assert "www-authenticate" in r.headers
    # The failures did not spend the code.
    ok = await token_request(world, rp, code, verifier)
    assert ok.status_code == 200, ok.text


async def test_private_key_jwt_failures(world: World) -> None:
    rp = await world.register("private_key_jwt")
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    intruder = ECKey.generate_key("P-256", private=True)
    intruder_with_kid = ECKey.import_key({**intruder.as_dict(private=True), "kid": rp.key.kid})

    async def attempt(client_assertion: str) -> httpx2.Response:
        return await token_request(
            world,
            rp,
            code,
            verifier,
            auth=None,
            form={
                "client_id": rp.client_id,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": client_assertion,
            },
        )

    # SECURITY J-05: hostile JSON in the assertion is invalid_client, never a 500.
    from sceau.core.encoding import b64url_encode

    for body in (
        b"[" * 5000 + b"]" * 5000,
        b'{"iss": "a", "iss": "' + rp.client_id.encode() + b'"}',
    ):
        header = b64url_encode(b'{"alg":"ES256"}')
        refused = await attempt(f"{header}.{b64url_encode(body)}.{b64url_encode(b'0' * 64)}")
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    bad_signature = await attempt(assertion(rp, intruder_with_kid))
    assert bad_signature.status_code == 401 and bad_signature.json()["error"] == "invalid_client"
    wrong_aud = await attempt(assertion(rp, rp.key, aud="https://elsewhere.example"))
    assert wrong_aud.status_code == 401
    too_long = await attempt(assertion(rp, rp.key, exp=int(time.time()) + 86400))
    assert too_long.status_code == 401
    expired = await attempt(assertion(rp, rp.key, exp=int(time.time()) - 3600))
    assert expired.status_code == 401
    good = assertion(rp, rp.key, aud=ISSUER)  # the issuer is an accepted audience too
    ok = await attempt(good)
    assert ok.status_code == 200, ok.text
    replayed = await attempt(good)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_client"


async def test_presentation_from_an_untrusted_issuer_ends_in_access_denied(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    # The verifier now trusts another issuer for the licence type: the wallet's is untrusted.
    config = await configure_verifier(world, "https://another-issuer.example.gc.ca")
    world.anchor = x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())
    verifier = secrets.token_urlsafe(48)
    async with world.browser() as browser:
        r = await browser.get(authorize_url(rp, verifier))
        page = r.headers["location"]
        back = await world.present(browser, page, store, expect_status=400)
        assert (await browser.get(page + "/status")).json()["status"] == "rejected"
        done = await browser.get(back)
    assert done.status_code == 303
    q = query_of(done.headers["location"])
    assert q["error"] == "access_denied" and q["state"] == "st-123" and q["iss"] == ISSUER
    assert "code" not in q


async def test_expired_session_ends_in_login_required(world: World) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        r = await browser.get(authorize_url(rp, secrets.token_urlsafe(48)))
        page = r.headers["location"]
        session_id = page.rsplit("/", 1)[-1]
        async with world.app.state["engine"].begin() as conn:
            await conn.execute(
                update(signin_sessions)
                .where(signin_sessions.c.id == session_id)
                .values(expires_at_ms=int(time.time() * 1000) - 1)
            )
        assert (await browser.get(page + "/status")).json()["status"] == "expired"
        done = await browser.get(page + "/continue")
    assert query_of(done.headers["location"])["error"] == "login_required"


async def test_pending_continue_goes_back_to_the_page_and_cancel_denies(world: World) -> None:
    rp = await world.register()
    async with world.browser() as browser:
        page = (await browser.get(authorize_url(rp, secrets.token_urlsafe(48)))).headers["location"]
        pending = await browser.get(page + "/continue")
        assert pending.status_code == 303 and pending.headers["location"] == page
        cancelled = await browser.get(page + "/cancel")
        assert query_of(cancelled.headers["location"])["error"] == "access_denied"
        assert (await browser.get(page + "/status")).json()["status"] == "rejected"
        after = await browser.get(page + "/continue")
        assert query_of(after.headers["location"])["error"] == "invalid_request"


async def test_cookie_from_another_browser_is_refused(world: World) -> None:
    rp = await world.register()
    store = await world.wallet_with_licence()
    async with world.browser() as browser, world.browser() as attacker:
        page = (await browser.get(authorize_url(rp, secrets.token_urlsafe(48)))).headers["location"]
        # The attacker starts a sign-in of their own (gets a cookie), then uses the victim's URLs.
        await attacker.get(authorize_url(rp, secrets.token_urlsafe(48)))
        assert attacker.cookies.get(SIGNIN_COOKIE)
        back = await world.present(browser, page, store)
        for suffix in ("/status", "/continue", "/cancel"):
            r = await attacker.get(page + suffix)
            assert r.status_code == 404, r.text
            assert "location" not in r.headers
        async with httpx2.AsyncClient(transport=world.transport, base_url=PUBLIC_URL) as bare:
            assert (await bare.get(back)).status_code == 404  # no cookie at all
            # A browser without the cookie (the wallet's redirect opened elsewhere) gets a page.
            page_404 = await bare.get(back, headers={"Accept": "text/html"})
            assert page_404.status_code == 404
            assert page_404.headers["content-type"].startswith("text/html")
        done = await browser.get(back)
        assert "code" in query_of(done.headers["location"])


async def test_par_refuses_unregistered_redirect_uri(world: World) -> None:
    rp = await world.register()
    r = await world.admin.post(
        f"{ISSUER}/par",
        data={
            "client_id": rp.client_id,
            "redirect_uri": "https://evil.example/cb",
            "response_type": "code",
            "scope": "openid licence",
            "code_challenge": s256_challenge(secrets.token_urlsafe(48)),
            "code_challenge_method": "S256",
        },
        auth=(rp.client_id, rp.secret or ""),
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


async def test_par_with_private_key_jwt(world: World) -> None:
    rp = await world.register("private_key_jwt")
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid licence",
        "code_challenge": s256_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    for aud, expected in ((f"{ISSUER}/par", 201), (f"{ISSUER}/token", 201), ("https://x", 401)):
        r = await world.admin.post(
            f"{ISSUER}/par", data={**params, "client_assertion": assertion(rp, rp.key, aud=aud)}
        )
        assert r.status_code == expected, (aud, r.text)


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc; EdDSA is what RPs use
async def test_assertion_without_kid_finds_the_key_of_its_type(world: World) -> None:
    from joserfc.jwk import OKPKey

    rp = await world.register("private_key_jwt")
    ed = OKPKey.generate_key("Ed25519", private=True)
    both = {"keys": [ed.as_dict(private=False), {**rp.key.as_dict(private=False)}]}
    for k in both["keys"]:
        k.pop("kid", None)
    r = await world.admin.patch(
        f"/admin/tenants/{TENANT}/relying-parties/{rp.client_id}",
        json={"jwks": both},
        headers=world.auth(),
    )
    assert r.status_code == 200, r.text
    now = int(time.time())
    claims = {"iss": rp.client_id, "sub": rp.client_id, "aud": ISSUER, "exp": now + 60}
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid licence",
        "code_challenge": s256_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    for header, key in (({"alg": "ES256"}, rp.key), ({"alg": "EdDSA"}, ed)):
        token = jwt.encode(
            header, {**claims, "jti": secrets.token_urlsafe(16)}, key, algorithms=[header["alg"]]
        )
        pushed = await world.admin.post(f"{ISSUER}/par", data={**params, "client_assertion": token})
        assert pushed.status_code == 201, (header, pushed.text)


async def test_concurrent_redemptions_of_one_code_yield_one_token(world: World) -> None:
    import asyncio

    rp = await world.register()
    store = await world.wallet_with_licence()
    verifier = secrets.token_urlsafe(48)
    code = await get_code(world, rp, store, verifier)
    answers = await asyncio.gather(*(token_request(world, rp, code, verifier) for _ in range(4)))
    assert sorted(r.status_code for r in answers) == [200, 400, 400, 400]
