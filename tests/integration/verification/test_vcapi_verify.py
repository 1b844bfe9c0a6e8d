"""VC API verifying (verifier role) against the tenant's trust policy."""

import time
from typing import Any

import httpx
import pytest

from sceau.core.jose import sign_compact_sync
from sceau.core.sdjwt import kb_jwt_payload
from verification.fixtures import configure
from verification.world import Holder, Issuer, StatusServer

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def verify_credential(client: httpx.AsyncClient, tenant: Any, vc: Any) -> httpx.Response:
    return await client.post(
        f"/t/{tenant.slug}/credentials/verify",
        json={"verifiableCredential": vc},
        headers=auth(tenant.tokens["verifier"]),
    )


def _kb(sd_jwt: str, holder: Holder, aud: str, nonce: str) -> str:
    claims = kb_jwt_payload(sd_jwt, "sha-256", audience=aud, nonce=nonce, iat=int(time.time()))
    return sd_jwt + sign_compact_sync({"typ": "kb+jwt"}, claims, holder.kb_signer)


async def test_ecdsa_rdfc_2019_credential_from_trusted_issuer_verifies(
    client, verifier, issuer: Issuer, holder: Holder
) -> None:
    r = await verify_credential(client, verifier, issuer.di_vc(holder))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["verified"] is True
    assert body["errors"] == [] and "status" in body["checks"]


async def test_vc_jose_credential_verifies(client, verifier, issuer, holder) -> None:
    r = await verify_credential(client, verifier, await issuer.vc_jwt(holder))
    assert r.json()["verified"] is True, r.text


async def test_sd_jwt_vc_credential_verifies(client, verifier, issuer, holder) -> None:
    r = await verify_credential(client, verifier, issuer.sd_jwt_vc(holder))
    assert r.json()["verified"] is True, r.text


async def test_expired_credential_is_a_warning_not_an_error(
    client, verifier, issuer, holder
) -> None:
    vc = issuer.di_vc(holder, valid_until="2025-06-01T00:00:00Z")
    body = (await verify_credential(client, verifier, vc)).json()
    assert body["verified"] is True
    assert [w["title"] for w in body["warnings"]] == ["expired"]


async def test_credential_of_untrusted_issuer_is_rejected(
    client, verifier, status_server: StatusServer, holder
) -> None:
    stranger = Issuer(status_server, name="stranger")
    await stranger.publish()
    for vc in (stranger.di_vc(holder), stranger.sd_jwt_vc(holder), await stranger.vc_jwt(holder)):
        r = await verify_credential(client, verifier, vc)
        assert r.status_code == 400 and r.json()["verified"] is False
        assert r.json()["errors"][0]["title"] == "untrusted_issuer"


async def test_issuer_trusted_for_another_type_only_is_rejected(
    client, tenant_a, issuer, holder
) -> None:
    config_issuers = [issuer]
    await configure(client, tenant_a.tokens["admin"], tenant_a.slug, config_issuers)
    # Re-configure: this issuer is trusted for the PID only, not for permits.
    from verification.world import verifier_config

    cfg = verifier_config([issuer])
    cfg["trust_policy"]["trusted_issuers"] = issuer.trusted()[:1]
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier", json=cfg, headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 200
    body = (await verify_credential(client, tenant_a, issuer.di_vc(holder))).json()
    assert body["errors"][0]["title"] == "untrusted_issuer"


async def test_revoked_and_suspended_credentials_are_status_warnings(
    client, verifier, issuer, holder
) -> None:
    revoked, suspended = issuer.di_vc(holder), None
    revoked_idx = issuer.last_index
    suspended = issuer.sd_jwt_vc(holder)
    suspended_idx = issuer.last_index
    await issuer.revoke(revoked_idx)
    await issuer.suspend(suspended_idx)
    # VC API: status problems are warnings; the caller's business rules decide.
    for vc, code in ((revoked, "revoked"), (suspended, "suspended")):
        r = await verify_credential(client, verifier, vc)
        assert r.status_code == 200
        assert r.json()["warnings"][0]["title"] == code and r.json()["errors"] == []


async def test_tampered_signature_is_rejected(client, verifier, issuer, holder) -> None:
    vc = issuer.di_vc(holder)
    vc["credentialSubject"]["permitNumber"] = "P-999"
    body = (await verify_credential(client, verifier, vc)).json()
    assert body["verified"] is False and body["errors"][0]["title"] == "invalid_signature"


async def test_status_lists_are_fetched_once_for_many_credentials(
    client, verifier, issuer, holder, status_server
) -> None:
    for _ in range(5):
        assert (await verify_credential(client, verifier, issuer.sd_jwt_vc(holder))).json()[
            "verified"
        ]
    assert status_server.hits.count("/a/tsl/1") == 1
    before = len(status_server.hits)
    await verify_credential(client, verifier, issuer.sd_jwt_vc(holder))
    assert len(status_server.hits) == before  # warm cache: zero outbound calls


async def test_sd_jwt_presentation_verifies_with_challenge_and_domain(
    client, verifier, issuer, holder
) -> None:
    vp = _kb(issuer.sd_jwt_vc(holder), holder, "https://rp.example", "n-1")
    r = await client.post(
        f"/t/{verifier.slug}/presentations/verify",
        json={
            "verifiablePresentation": vp,
            "options": {"challenge": "n-1", "domain": "https://rp.example"},
        },
        headers=auth(verifier.tokens["verifier"]),
    )
    assert r.json()["verified"] is True, r.text
    r = await client.post(
        f"/t/{verifier.slug}/presentations/verify",
        json={
            "verifiablePresentation": vp,
            "options": {"challenge": "other", "domain": "https://rp.example"},
        },
        headers=auth(verifier.tokens["verifier"]),
    )
    assert r.json()["errors"][0]["title"] == "wrong_nonce"


async def test_vc_api_verify_needs_a_verifier_key_of_the_tenant(
    client, verifier, tenant_b, issuer, holder
) -> None:
    vc = issuer.di_vc(holder)
    r = await client.post(
        f"/t/{verifier.slug}/credentials/verify",
        json={"verifiableCredential": vc},
        headers=auth(tenant_b.tokens["verifier"]),
    )
    assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"
    r = await client.post(
        f"/t/{verifier.slug}/credentials/verify",
        json={"verifiableCredential": vc},
        headers=auth(verifier.tokens["issuer"]),
    )
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b'{"issuer": ' + b"[" * 5000 + b"]" * 5000 + b"}", "json_too_deep"),
        (
            b'{"issuer": "https://a.example", "issuer": "https://b.example"}',
            "duplicate_json_member",
        ),
    ],
)
async def test_hostile_vc_jwt_payload_is_refused_not_a_server_error(
    client, verifier, payload: bytes, reason: str
) -> None:
    """SECURITY J-05: strict JSON on every parse path; 4xx with a problem code, never a 500."""
    from sceau.core.encoding import b64url_encode

    header = b64url_encode(b'{"alg":"ES256","typ":"vc+jwt"}')
    token = f"{header}.{b64url_encode(payload)}.{b64url_encode(b'0' * 64)}"
    r = await verify_credential(client, verifier, token)
    assert r.status_code == 400, r.text
    assert r.json()["verified"] is False
    assert [e["title"] for e in r.json()["errors"]] == [reason]
