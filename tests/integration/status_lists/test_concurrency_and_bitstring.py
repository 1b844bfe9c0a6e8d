"""No lost revocation under concurrency; Bitstring Status List credentials; VC API status update."""

from __future__ import annotations

import asyncio
import time

import msgspec
import pytest

from sceau.core.jose import decode_compact_unverified
from sceau.core.status.bitstring_status_list import BitstringStatusList
from sceau.core.status.token_status_list import verify_status_list_token
from sceau.core.vc import StaticResolver, verify_proofs
from sceau.core.vc.jose import verify_vc_jwt
from sceau.tenants.service import Actor

from .helpers import issue_record

pytestmark = pytest.mark.anyio


async def test_200_concurrent_revocations_and_suspensions_lose_no_bit(status_app, tenant_a) -> None:
    service = status_app.service
    issued = [await issue_record(service, tenant_a.slug) for _ in range(200)]
    actions = ["revoke" if i % 2 == 0 else "suspend" for i in range(200)]

    async def change(record_id: str, action: str) -> None:
        # each change_status_now runs on its own pooled connection and transaction
        await service.change_status_now(
            tenant_slug=tenant_a.slug,
            record_id=record_id,
            action=action,  # type: ignore[arg-type]
            actor=Actor("test", "concurrency"),
        )

    await asyncio.gather(*(change(rid, act) for (rid, _), act in zip(issued, actions, strict=True)))
    uri = issued[0][1].sd_jwt_status["status_list"]["uri"]
    response = await status_app.http.get(uri.removeprefix("https://sceau.example"))
    token = response.text
    kid = decode_compact_unverified(token)[0]["kid"]
    key = await status_app.keys.verification_key(tenant_a.slug, kid)
    served = verify_status_list_token(token, key, now=int(time.time()), expected_uri=uri)
    expected = {
        a.index: (1 if act == "revoke" else 2) for (_, a), act in zip(issued, actions, strict=True)
    }
    assert {i: served.status(i) for i in expected} == expected
    set_bits = sum(1 for i in range(len(served.status_list)) if served.status(i))
    assert set_bits == 200


async def fetch_vc(status_app, url: str, accept: str = "application/vc"):
    return await status_app.http.get(
        url.removeprefix("https://sceau.example"), headers={"Accept": accept}
    )


async def resolver_for(status_app, tenant: str, vm: str) -> StaticResolver:
    kid = vm.split("#", 1)[1]
    return StaticResolver({vm: await status_app.keys.verification_key(tenant, kid)})


async def test_bitstring_credentials_are_signed_and_show_revocation_and_suspension(
    status_app, tenant_a, bearer
) -> None:
    revoked_id, revoked = await issue_record(status_app.service, tenant_a.slug, "vc")
    suspended_id, suspended = await issue_record(status_app.service, tenant_a.slug, "vc")
    headers = bearer(tenant_a.tokens["issuer"])
    base = f"/admin/tenants/{tenant_a.slug}/credentials"
    await status_app.http.post(f"{base}/{revoked_id}/revoke", headers=headers)
    await status_app.http.post(f"{base}/{suspended_id}/suspend", headers=headers)
    for purpose_at, purpose in ((0, "revocation"), (1, "suspension")):
        url = revoked.credential_status[purpose_at]["statusListCredential"]
        response = await fetch_vc(status_app, url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/vc")
        assert response.headers["cache-control"] == "public, max-age=300"
        doc = msgspec.json.decode(response.content)
        assert doc["id"] == url
        assert doc["credentialSubject"]["statusPurpose"] == purpose
        proof = doc["proof"]
        assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
        result = await verify_proofs(
            doc, await resolver_for(status_app, tenant_a.slug, proof["verificationMethod"])
        )
        assert result.verified
        bits = BitstringStatusList.decode(doc["credentialSubject"]["encodedList"])
        assert len(bits) >= 131_072
        want_revoked = purpose == "revocation"
        assert bits.get(revoked.index) == (1 if want_revoked else 0)
        assert bits.get(suspended.index) == (0 if want_revoked else 1)
        etag = response.headers["etag"]
        cached = await status_app.http.get(
            url.removeprefix("https://sceau.example"), headers={"If-None-Match": etag}
        )
        assert cached.status_code == 304


async def test_bitstring_credential_as_vc_jwt_on_accept(status_app, tenant_a) -> None:
    _, allocation = await issue_record(status_app.service, tenant_a.slug, "vc")
    url = allocation.credential_status[0]["statusListCredential"]
    response = await fetch_vc(status_app, url, "application/vc+jwt")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vc+jwt")
    kid = decode_compact_unverified(response.text)[0]["kid"]
    assert kid.startswith("did:web:sceau.example:t:tenant-a#")
    key = await status_app.keys.verification_key(tenant_a.slug, kid.split("#", 1)[1])
    verified = verify_vc_jwt(response.text, key, now=int(time.time()))
    assert verified.document["id"] == url


async def test_vc_api_update_status_maps_to_revoke_suspend_unsuspend(
    status_app, tenant_a, tenant_b, bearer
) -> None:
    record_id, allocation = await issue_record(status_app.service, tenant_a.slug, "vc")
    url = f"/t/{tenant_a.slug}/credentials/status"
    headers = bearer(tenant_a.tokens["issuer"])

    def body(purpose: str, status: bool) -> dict[str, object]:
        return {
            "credentialId": record_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": status,
        }

    response = await status_app.http.post(url, json=body("suspension", True), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "suspended"
    response = await status_app.http.post(url, json=body("suspension", False), headers=headers)
    assert response.json()["status"] == "valid"
    other = await status_app.http.post(
        f"/t/{tenant_b.slug}/credentials/status",
        json=body("revocation", True),
        headers=bearer(tenant_b.tokens["issuer"]),
    )
    assert other.status_code == 404
    response = await status_app.http.post(url, json=body("revocation", True), headers=headers)
    assert response.json()["status"] == "revoked"
    response = await status_app.http.post(url, json=body("revocation", False), headers=headers)
    assert response.status_code == 409
    response = await status_app.http.post(url, json=body("refresh", True), headers=headers)
    assert response.status_code == 400
    revocation_list = await fetch_vc(
        status_app, allocation.credential_status[0]["statusListCredential"]
    )
    bits = BitstringStatusList.decode(
        msgspec.json.decode(revocation_list.content)["credentialSubject"]["encodedList"]
    )
    assert bits.get(allocation.index) == 1


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("", "application/vc"),
        ("application/vc+jwt, application/vc", "application/vc"),
        ("application/vc;q=0.5, application/vc+jwt", "application/vc+jwt"),
        ("application/vc+jwt;q=0", "application/vc"),
    ],
)
async def test_bitstring_credential_media_type_follows_accept_preferences(
    status_app, tenant_a, accept, media_type
) -> None:
    _, allocation = await issue_record(status_app.service, tenant_a.slug, "vc")
    url = allocation.credential_status[1]["statusListCredential"]
    response = await fetch_vc(status_app, url, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["vary"] == "Accept"
