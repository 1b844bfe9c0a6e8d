"""OpenID4VP 1.0 end to end: the verifier (this app) and a wallet built on the core (holder.py).

Credentials are issued in the test by the core; the issuer's keys are in the trust policy and its
status lists are served by a real local HTTP server.
"""

import base64
import hashlib
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import MetaData, select
from verification.fixtures import configure
from verification.world import VC_TYPE, VCT, Holder, Issuer

from oid4vp.holder import (
    AuthorizationRequest,
    di_presentation,
    resolve_request,
    respond,
    sd_jwt_presentation,
    vp_jwt_presentation,
)

pytestmark = pytest.mark.anyio

SD_QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["age_over_18"]}],
        }
    ]
}


def w3c_query(fmt: str) -> dict[str, Any]:
    return {
        "credentials": [
            {
                "id": "permit",
                "format": fmt,
                "meta": {"type_values": [[VC_TYPE]]},
                "claims": [{"path": ["credentialSubject", "name"]}],
            }
        ]
    }


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_request(
    client: httpx.AsyncClient, tenant: Any, query: dict[str, Any], **extra: Any
) -> httpx.Response:
    return await client.post(
        f"/admin/tenants/{tenant.slug}/presentation-requests",
        json={"dcql_query": query, "purpose": "age", **extra},
        headers=auth(tenant.tokens["verifier"]),
    )


async def start(
    client: httpx.AsyncClient, tenant: Any, query: dict[str, Any], **extra: Any
) -> tuple[dict[str, Any], AuthorizationRequest]:
    r = await create_request(client, tenant, query, **extra)
    assert r.status_code == 201, r.text
    created = r.json()
    config = (
        await client.get(
            f"/admin/tenants/{tenant.slug}/verifier", headers=auth(tenant.tokens["admin"])
        )
    ).json()
    anchor = x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())
    request = await resolve_request(
        client, created["authorization_request_uri"], x509_anchor=anchor
    )
    return created, request


async def result(client: httpx.AsyncClient, created: dict[str, Any]) -> dict[str, Any]:
    path = created["result_uri"].split("//", 1)[1].split("/", 1)[1]
    r = await client.get("/" + path, headers=auth(created["secret"]))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def vp_token_for(
    fmt: str, issuer: Issuer, holder: Holder, request: AuthorizationRequest
) -> dict[str, list[Any]]:
    if fmt == "dc+sd-jwt":
        return {"pid": [sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer)]}
    if fmt == "ldp_vc":
        vp = di_presentation(issuer.di_vc(holder), request, holder.did, holder.signer)
        return {"permit": [vp]}
    vp_jwt = await vp_jwt_presentation(
        await issuer.vc_jwt(holder), request, holder.did, holder.signer
    )
    return {"permit": [vp_jwt]}


def query_for(fmt: str) -> dict[str, Any]:
    return SD_QUERY if fmt == "dc+sd-jwt" else w3c_query(fmt)


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "ldp_vc", "jwt_vc_json"])
async def test_cross_device_exchange_verifies_and_releases_claims_once(
    client, verifier, issuer, holder, fmt, mode
) -> None:
    created, request = await start(client, verifier, query_for(fmt), response_mode=mode)
    assert created["authorization_request_uri"].startswith("openid4vp://?client_id=x509_san_dns")
    assert request.payload["response_mode"] == mode
    assert (await result(client, created))["status"] == "pending"
    r = await respond(client, request, await vp_token_for(fmt, issuer, holder, request))
    assert r.status_code == 200, r.text
    assert "redirect_uri" not in r.json()
    first = await result(client, created)
    assert first["status"] == "verified", first
    if fmt == "dc+sd-jwt":
        assert first["claims"]["pid"][0]["given_name"] == "Jeanne"
        assert "family_name" not in first["claims"]["pid"][0]  # only what the query asked
    else:
        assert first["claims"]["permit"][0]["credentialSubject"]["name"] == "Jeanne"
    assert first["outcome"][0]["issuer"] in (issuer.iss, issuer.did)
    second = await result(client, created)
    assert second["status"] == "verified"
    assert second["claims"] is None and second["claims_released"] is True


async def test_claims_the_wallet_discloses_beyond_the_query_are_not_released(
    client, verifier, issuer, holder
) -> None:
    """SECURITY P-03: a wallet disclosing every claim (SD-JWT VC) or a whole credential (W3C)
    does not get the claims the query did not ask for to the verifier."""
    from sceau.core.jose import sign_compact_sync
    from sceau.core.sdjwt import kb_jwt_payload

    created, request = await start(client, verifier, SD_QUERY)
    everything = issuer.sd_jwt_vc(holder)  # all four disclosures, not the query's two
    kb = kb_jwt_payload(
        everything, "sha-256", audience=request.client_id, nonce=request.nonce, iat=int(time.time())
    )
    vp = everything + sign_compact_sync({"typ": "kb+jwt"}, kb, holder.kb_signer)
    assert (await respond(client, request, {"pid": [vp]})).status_code == 200
    got = await result(client, created)
    assert got["status"] == "verified", got
    [claims] = got["claims"]["pid"]
    assert claims == {
        "iss": issuer.iss,
        "vct": VCT,
        "iat": claims["iat"],
        "exp": claims["exp"],
        "given_name": "Jeanne",
        "age_over_18": True,
    }

    created, request = await start(client, verifier, w3c_query("ldp_vc"))
    await respond(client, request, await vp_token_for("ldp_vc", issuer, holder, request))
    got = await result(client, created)
    assert got["status"] == "verified", got
    [permit] = got["claims"]["permit"]
    assert permit["credentialSubject"] == {"name": "Jeanne"}  # not permitNumber, not id
    assert VC_TYPE in permit["type"]


async def test_same_device_flow_returns_the_redirect_uri(client, verifier, issuer, holder) -> None:
    created, request = await start(
        client, verifier, SD_QUERY, redirect_uri="https://rp.example.gc.ca/done"
    )
    r = await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert r.json()["redirect_uri"].startswith("https://rp.example.gc.ca/done?response_code=")
    assert (await result(client, created))["status"] == "verified"


async def test_request_object_is_a_signed_jar_with_the_expected_members(
    client, verifier, issuer
) -> None:
    created, request = await start(client, verifier, SD_QUERY, response_mode="direct_post.jwt")
    assert request.header["typ"] == "oauth-authz-req+jwt" and request.header["alg"] == "ES256"
    p = request.payload
    assert p["client_id"] == created["client_id"] and p["response_type"] == "vp_token"
    assert p["aud"] == "https://self-issued.me/v2"
    assert p["dcql_query"] == SD_QUERY and p["nonce"] and p["state"]
    assert p["client_metadata"]["jwks"]["keys"][0]["alg"] == "ECDH-ES"
    assert "d" not in p["client_metadata"]["jwks"]["keys"][0]
    assert p["client_metadata"]["client_name#fr"].startswith("Service")


async def test_qr_codes_are_served_as_png_and_svg(client, verifier) -> None:
    created = (await create_request(client, verifier, SD_QUERY)).json()
    base = f"/admin/tenants/{verifier.slug}/presentation-requests/{created['id']}"
    png = await client.get(base + "/qr.png", headers=auth(verifier.tokens["verifier"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = await client.get(base + "/qr.svg", headers=auth(verifier.tokens["verifier"]))
    assert svg.status_code == 200 and b"<svg" in svg.content


@pytest.mark.parametrize("scheme", ["haip", "haip-vp"])
async def test_haip_scheme_uris_and_qr_carry_the_same_request(
    client, tenant_a, issuer, holder, scheme
) -> None:
    """HAIP: the verifier uses x509_hash and direct_post.jwt, and invokes the wallet through the
    haip:// scheme (the profile draft in shared/specs) or haip-vp:// (HAIP 1.0 final)."""
    from sceau.oid4vp.qr import qr_png

    config = await configure(
        client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix="x509_hash"
    )
    created = (
        await create_request(client, tenant_a, SD_QUERY, response_mode="direct_post.jwt")
    ).json()
    uris, plain = created["haip_authorization_request_uris"], created["authorization_request_uri"]
    assert set(uris) == {"haip", "haip-vp"} and plain.startswith("openid4vp://?")
    uri = uris[scheme]
    assert uri.startswith(f"{scheme}://?")
    assert parse_qs(urlsplit(uri).query) == parse_qs(urlsplit(plain).query)
    base = f"/admin/tenants/{tenant_a.slug}/presentation-requests/{created['id']}"
    headers = auth(tenant_a.tokens["verifier"])
    png = await client.get(base + "/qr.png", params={"scheme": scheme}, headers=headers)
    assert png.status_code == 200 and png.content == qr_png(uri)
    svg = await client.get(base + "/qr.svg", params={"scheme": scheme}, headers=headers)
    assert svg.status_code == 200 and b"<svg" in svg.content
    default = await client.get(base + "/qr.svg", headers=headers)
    assert default.content != svg.content
    bad = await client.get(base + "/qr.png", params={"scheme": "https"}, headers=headers)
    assert bad.status_code == 400
    # A wallet opening the HAIP form answers the same request.
    anchor = x509.load_pem_x509_certificate(config["x509_chain_pem"][-1].encode())
    request = await resolve_request(client, uri, x509_anchor=anchor)
    assert request.payload["response_mode"] == "direct_post.jwt"
    await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert (await result(client, created))["status"] == "verified"


async def test_requests_outside_haip_get_no_haip_uri(client, tenant_a, issuer) -> None:
    """HAIP requires x509_hash and direct_post.jwt: a request without both has no HAIP URI."""
    headers = {**auth(tenant_a.tokens["verifier"]), "Accept-Language": "fr-CA"}
    for prefix, mode in [("x509_hash", "direct_post"), ("x509_san_dns", "direct_post.jwt")]:
        await configure(client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix=prefix)
        created = (await create_request(client, tenant_a, SD_QUERY, response_mode=mode)).json()
        assert created["haip_authorization_request_uris"] is None
        qr = await client.get(
            f"/admin/tenants/{tenant_a.slug}/presentation-requests/{created['id']}/qr.png",
            params={"scheme": "haip-vp"},
            headers=headers,
        )
        assert qr.status_code == 409 and qr.json()["code"] == "haip_uri_unavailable"
        assert "direct_post.jwt" in qr.json()["detail"] and "exige" in qr.json()["detail"]


async def test_decentralized_identifier_client_with_get_request_uri(
    client, tenant_a, issuer, holder, app
) -> None:
    await configure(
        client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix="decentralized_identifier"
    )
    created = (await create_request(client, tenant_a, SD_QUERY)).json()
    assert created["client_id"].startswith("decentralized_identifier:did:web:")
    keys = app.state["keys"]
    signer = await keys.get_signer(tenant_a.slug, "ES256")
    key = await keys.verification_key(tenant_a.slug, signer.key_id)
    request = await resolve_request(
        client, created["authorization_request_uri"], verifier_key=key, use_post=False
    )
    assert request.header["kid"].endswith("#" + signer.key_id)
    r = await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert r.status_code == 200
    assert (await result(client, created))["status"] == "verified"


async def test_redirect_uri_client_gets_an_unsigned_request(
    client, tenant_a, issuer, holder
) -> None:
    await configure(
        client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix="redirect_uri"
    )
    created = (await create_request(client, tenant_a, SD_QUERY)).json()
    # §5.9.3: no request object (it could not be signed): the parameters come by value.
    assert "request_uri=" not in created["authorization_request_uri"]
    refused = await client.get(urlsplit(created["request_uri"]).path)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request_uri"
    request = await resolve_request(client, created["authorization_request_uri"])
    assert request.header == {}
    assert request.client_id == "redirect_uri:" + request.payload["response_uri"]
    assert request.payload["dcql_query"] == SD_QUERY
    await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert (await result(client, created))["status"] == "verified"
    assert created["haip_authorization_request_uris"] is None  # HAIP requests are signed


def _b64url_sha256(der: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "ldp_vc", "jwt_vc_json"])
async def test_x509_hash_client_is_the_leaf_hash_and_presentations_verify(
    client, tenant_a, issuer, holder, fmt, mode
) -> None:
    """OpenID4VP §5.9.3 x509_hash (HAIP): client_id = x509_hash:base64url(SHA-256(DER leaf));
    the request object carries the chain in x5c and is signed by the leaf's key; the KB-JWT
    aud, DI domain and vp+jwt aud are the full client_id (§B.3.6, §B.1.3.2.5)."""
    config = await configure(
        client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix="x509_hash"
    )
    leaf_der = x509.load_pem_x509_certificate(config["x509_chain_pem"][0].encode()).public_bytes(
        Encoding.DER
    )
    assert config["client_id"] == "x509_hash:" + _b64url_sha256(leaf_der)
    created, request = await start(client, tenant_a, query_for(fmt), response_mode=mode)
    assert created["client_id"] == config["client_id"]
    assert parse_qs(urlsplit(created["authorization_request_uri"]).query)["client_id"] == [
        config["client_id"]
    ]
    assert base64.b64decode(request.header["x5c"][0]) == leaf_der
    assert len(request.header["x5c"]) == len(config["x509_chain_pem"])
    r = await respond(client, request, await vp_token_for(fmt, issuer, holder, request))
    assert r.status_code == 200, r.text
    assert (await result(client, created))["status"] == "verified"


async def test_x509_hash_kb_jwt_audience_without_the_prefix_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    await configure(client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], prefix="x509_hash")
    created, request = await start(client, tenant_a, SD_QUERY)
    aud = request.client_id.removeprefix("x509_hash:")
    vp = sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer, audience=aud)
    await respond(client, request, {"pid": [vp]})
    body = await result(client, created)
    assert body["status"] == "rejected" and body["reasons"] == ["wrong_audience"]


# --- every rejection reason -------------------------------------------------------------------


async def rejected_with(client, created) -> list[str]:
    body = await result(client, created)
    assert body["status"] == "rejected", body
    assert body["claims"] is None
    return list(body["reasons"])


async def test_kb_jwt_with_other_nonce_is_rejected(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    vp = sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer, nonce="other")
    await respond(client, request, {"pid": [vp]})
    assert await rejected_with(client, created) == ["wrong_nonce"]


@pytest.mark.parametrize(("skew", "verified"), [(-10, True), (-90, False), (90, False)])
async def test_kb_jwt_iat_must_be_within_the_leeway(
    client, verifier, issuer, holder, skew, verified
) -> None:
    """SECURITY R-06: a holder clock 10 s off works; a KB-JWT 90 s old or ahead is refused."""
    created, request = await start(client, verifier, SD_QUERY)
    vp = sd_jwt_presentation(
        issuer.sd_jwt_vc(holder), request, holder.kb_signer, iat=int(time.time()) + skew
    )
    r = await respond(client, request, {"pid": [vp]})
    assert r.status_code == (200 if verified else 400), r.text
    got = await result(client, created)
    assert got["status"] == ("verified" if verified else "rejected"), got


async def test_kb_jwt_with_other_audience_is_rejected(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    # The audience without its prefix is another client (§B.3.6: aud = client_id incl. prefix).
    aud = request.client_id.split(":", 1)[1]
    vp = sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer, audience=aud)
    await respond(client, request, {"pid": [vp]})
    assert await rejected_with(client, created) == ["wrong_audience"]


async def test_di_presentation_with_other_challenge_or_domain_is_rejected(
    client, verifier, issuer, holder
) -> None:
    for kwargs, reason in (
        ({"challenge": "x"}, "wrong_nonce"),
        ({"domain": "x"}, "wrong_audience"),
    ):
        created, request = await start(client, verifier, w3c_query("ldp_vc"))
        vp = di_presentation(issuer.di_vc(holder), request, holder.did, holder.signer, **kwargs)
        await respond(client, request, {"permit": [vp]})
        assert await rejected_with(client, created) == [reason]


async def test_vp_jwt_with_other_nonce_is_rejected(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, w3c_query("jwt_vc_json"))
    vp = await vp_jwt_presentation(
        await issuer.vc_jwt(holder), request, holder.did, holder.signer, nonce="other"
    )
    await respond(client, request, {"permit": [vp]})
    assert await rejected_with(client, created) == ["wrong_nonce"]


async def test_replayed_response_is_refused(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    token = await vp_token_for("dc+sd-jwt", issuer, holder, request)
    assert (await respond(client, request, token)).status_code == 200
    replay = await respond(client, request, token)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_request"
    assert (await result(client, created))["status"] == "verified"


async def test_presentation_made_for_another_request_is_rejected(
    client, verifier, issuer, holder
) -> None:
    _, first = await start(client, verifier, SD_QUERY)
    created, second = await start(client, verifier, SD_QUERY)
    token = await vp_token_for("dc+sd-jwt", issuer, holder, first)
    await respond(client, second, token)
    assert await rejected_with(client, created) == ["wrong_nonce"]


async def test_hostile_vp_token_json_is_rejected_not_a_server_error(
    client, verifier, issuer, holder
) -> None:
    """SECURITY J-05: a repeated query id (no "last wins") or hostile nesting in vp_token is a
    rejection with its reason, never a 500 leaving the request stuck in processing."""
    valid = (
        await vp_token_for(
            "dc+sd-jwt", issuer, holder, (await start(client, verifier, SD_QUERY))[1]
        )
    )["pid"][0]
    hostile = [
        '{"pid": ["garbage"], "pid": [' + json.dumps(valid) + "]}",
        '{"pid": ' + "[" * 5000 + "]" * 5000 + "}",
    ]
    for raw in hostile:
        created, request = await start(client, verifier, SD_QUERY)
        r = await client.post(
            urlsplit(request.payload["response_uri"]).path,
            data={"vp_token": raw, "state": request.payload["state"]},
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_request", r.text
        assert await rejected_with(client, created) == ["invalid_vp_token"]


async def test_hostile_encrypted_response_header_is_a_400(client, verifier) -> None:
    import base64

    _, request = await start(client, verifier, SD_QUERY, response_mode="direct_post.jwt")
    header = base64.urlsafe_b64encode(b'{"kid":' + b"[" * 5000 + b"]" * 5000 + b"}")
    jwe = header.decode().rstrip("=") + ".a.b.c.d"
    r = await client.post(urlsplit(request.payload["response_uri"]).path, data={"response": jwe})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


async def test_tampered_disclosure_is_rejected(client, verifier, issuer, holder) -> None:
    import base64

    created, request = await start(client, verifier, SD_QUERY)
    vp = sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer)
    parts = vp.split("~")
    forged = base64.urlsafe_b64encode(json.dumps(["salt", "given_name", "Mallory"]).encode())
    parts[1] = forged.decode().rstrip("=")
    await respond(client, request, {"pid": ["~".join(parts)]})
    assert await rejected_with(client, created) == ["invalid_disclosure"]


async def test_missing_kb_jwt_is_rejected(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    vp = sd_jwt_presentation(issuer.sd_jwt_vc(holder), request, holder.kb_signer)
    without_kb = vp[: vp.rindex("~") + 1]
    await respond(client, request, {"pid": [without_kb]})
    assert await rejected_with(client, created) == ["missing_key_binding"]


async def test_untrusted_issuer_is_rejected(client, verifier, status_server, holder) -> None:
    stranger = Issuer(status_server, name="stranger")
    await stranger.publish()
    created, request = await start(client, verifier, SD_QUERY)
    await respond(client, request, await vp_token_for("dc+sd-jwt", stranger, holder, request))
    assert await rejected_with(client, created) == ["untrusted_issuer"]


@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "ldp_vc"])
async def test_revoked_credential_is_rejected(client, verifier, issuer, holder, fmt) -> None:
    created, request = await start(client, verifier, query_for(fmt))
    token = await vp_token_for(fmt, issuer, holder, request)
    await issuer.revoke(issuer.last_index)
    await respond(client, request, token)
    assert await rejected_with(client, created) == ["revoked"]


@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "jwt_vc_json"])
async def test_suspended_credential_is_rejected(client, verifier, issuer, holder, fmt) -> None:
    created, request = await start(client, verifier, query_for(fmt))
    token = await vp_token_for(fmt, issuer, holder, request)
    await issuer.suspend(issuer.last_index)
    await respond(client, request, token)
    assert await rejected_with(client, created) == ["suspended"]


async def test_expired_credential_is_rejected(client, verifier, issuer, holder) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    now = int(time.time())
    sd_jwt = issuer.sd_jwt_vc(holder, iat=now - 7200, exp=now - 3600)
    await respond(
        client, request, {"pid": [sd_jwt_presentation(sd_jwt, request, holder.kb_signer)]}
    )
    assert await rejected_with(client, created) == ["expired"]


async def test_credential_older_than_the_policy_allows_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    await configure(
        client, tenant_a.tokens["admin"], tenant_a.slug, [issuer], max_credential_age_s=600
    )
    created, request = await start(client, tenant_a, SD_QUERY)
    sd_jwt = issuer.sd_jwt_vc(holder, iat=int(time.time()) - 3600)
    await respond(
        client, request, {"pid": [sd_jwt_presentation(sd_jwt, request, holder.kb_signer)]}
    )
    assert await rejected_with(client, created) == ["credential_too_old"]


async def test_query_asking_beyond_the_purpose_is_refused(client, verifier) -> None:
    over = json.loads(json.dumps(SD_QUERY))
    over["credentials"][0]["claims"].append({"path": ["family_name"]})
    r = await create_request(client, verifier, over)
    assert r.status_code == 422 and r.json()["code"] == "over_asking_query"
    everything = json.loads(json.dumps(SD_QUERY))
    del everything["credentials"][0]["claims"]
    r = await create_request(client, verifier, everything)
    assert r.status_code == 422 and r.json()["code"] == "over_asking_query"
    r = await create_request(client, verifier, SD_QUERY, purpose="marketing")
    assert r.status_code == 422 and r.json()["code"] == "purpose_not_registered"


async def test_response_to_an_expired_request_is_rejected(
    client, verifier, issuer, holder, app
) -> None:
    created, request = await start(client, verifier, SD_QUERY, ttl_s=30)
    token = await vp_token_for("dc+sd-jwt", issuer, holder, request)
    service = app.state["presentations"]
    service._clock_ms = lambda: time.time_ns() // 1_000_000 + 31_000
    r = await respond(client, request, token)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert await rejected_with(client, created) == ["request_expired"]
    # SECURITY P-02: the late response changed nothing; the request reads as expired.
    from sceau.oid4vp.tables import presentation_requests

    async with app.state["engine"].connect() as conn:
        row = (
            await conn.execute(
                select(presentation_requests).where(presentation_requests.c.id == created["id"])
            )
        ).one()
    assert row.status == "pending" and row.completed_at_ms is None
    assert (await respond(client, request, token)).status_code == 400  # still refused


async def test_expired_request_object_is_not_served(client, verifier, app) -> None:
    created = (await create_request(client, verifier, SD_QUERY, ttl_s=30)).json()
    app.state["presentations"]._clock_ms = lambda: time.time_ns() // 1_000_000 + 31_000
    r = await client.get(created["request_uri"].split("8000", 1)[1])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request_uri"


async def test_used_request_cannot_be_fetched_or_answered_again(
    client, verifier, issuer, holder
) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    r = await client.get(created["request_uri"].split("8000", 1)[1])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request_uri"
    fresh = await vp_token_for("dc+sd-jwt", issuer, holder, request)
    r = await respond(client, request, fresh)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


async def test_wallet_refusing_the_request_is_recorded(client, verifier) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    r = await client.post(
        "/t/tenant-a/oid4vp/response",
        data={"error": "access_denied", "state": request.payload["state"]},
    )
    assert r.status_code == 200
    assert await rejected_with(client, created) == ["wallet:access_denied"]


# --- tenants, secrets, privacy ---------------------------------------------------------------


async def test_other_tenant_cannot_see_or_answer_a_request(
    client, verifier, tenant_b, issuer, holder
) -> None:
    created, request = await start(client, verifier, SD_QUERY)
    r = await client.get(
        f"/admin/tenants/{verifier.slug}/presentation-requests/{created['id']}",
        headers=auth(tenant_b.tokens["verifier"]),
    )
    assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"
    r = await client.get(f"/t/{tenant_b.slug}/oid4vp/requests/{created['id']}")
    assert r.status_code == 404
    token = await vp_token_for("dc+sd-jwt", issuer, holder, request)
    r = await client.post(
        f"/t/{tenant_b.slug}/oid4vp/response",
        data={"vp_token": json.dumps(token), "state": request.payload["state"]},
    )
    assert r.status_code == 400
    r = await client.get(
        f"/t/{tenant_b.slug}/oid4vp/requests/{created['id']}/result",
        headers=auth(created["secret"]),
    )
    assert r.status_code == 403
    assert (await result(client, created))["status"] == "pending"


async def test_result_needs_the_request_secret(client, verifier) -> None:
    created = (await create_request(client, verifier, SD_QUERY)).json()
    path = f"/t/{verifier.slug}/oid4vp/requests/{created['id']}/result"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=auth("wrong-secret"))).status_code == 403
    assert (await client.get(path, headers=auth(verifier.tokens["admin"]))).status_code == 403


async def test_database_holds_no_claim_values_after_verification(
    client, verifier, issuer, holder, engine
) -> None:
    created, request = await start(client, verifier, SD_QUERY, response_mode="direct_post.jwt")
    await respond(client, request, await vp_token_for("dc+sd-jwt", issuer, holder, request))
    assert (await result(client, created))["claims"]["pid"][0]["given_name"] == "Jeanne"
    meta = MetaData()
    async with engine.connect() as conn:
        await conn.run_sync(meta.reflect)
        dump = []
        for table in meta.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            dump.append(repr(rows))
    text = "\n".join(dump)
    for value in ("Jeanne", "Tremblay", "Ottawa"):
        assert value not in text, value
