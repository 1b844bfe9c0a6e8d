"""Signing keys through the HTTP API: lifecycle, publication, policy, at-rest protection."""

from __future__ import annotations

import httpx
import msgspec
import pytest
from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select, update

from sceau.audit.service import AuditService
from sceau.core.dids.did_web import did_web_to_url
from sceau.core.jose import public_key_from_jwk, sign_compact, verify_compact
from sceau.errors import AlgorithmNotAllowed
from sceau.keys.errors import (
    KeyEncryptionKeyMismatch,
    NoActiveSigningKey,
    SealedKeyInvalid,
    SigningKeyNotFound,
    SigningKeyRevoked,
)
from sceau.keys.kek import new_kek_text
from sceau.keys.service import KeyStoreService
from sceau.keys.store import signing_keys
from sceau.tenants.models import TenantUpdate
from sceau.tenants.service import Actor
from sceau.web.app import create_app

from .helpers import PUBLIC_URL, auth, client_with

pytestmark = pytest.mark.anyio

ACTOR = Actor("test", "t")


async def _create(client, tenant, algorithm: str = "ES256") -> dict:
    r = await client.post(
        f"/admin/tenants/{tenant.slug}/keys",
        json={"algorithm": algorithm},
        headers=auth(tenant.tokens["admin"]),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_rotation_keeps_old_signatures_verifiable_through_published_jwks(
    client, app, tenant_a
) -> None:
    keys: KeyStoreService = app.state["keys"]
    first = await _create(client, tenant_a)
    signer_1 = await keys.get_signer(tenant_a.slug)
    assert signer_1.key_id == first["kid"]
    old_token = await sign_compact({"typ": "JWT"}, {"n": 1}, signer_1)

    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/{first['kid']}/rotate",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["retired"]["kid"] == first["kid"] and rotated["retired"]["status"] == "retired"
    assert rotated["active"]["status"] == "active" and rotated["active"]["kid"] != first["kid"]

    signer_2 = await keys.get_signer(tenant_a.slug)
    assert signer_2.key_id == rotated["active"]["kid"]
    new_token = await sign_compact({"typ": "JWT"}, {"n": 2}, signer_2)

    jwks = (await client.get(f"/t/{tenant_a.slug}/jwks.json")).json()["keys"]
    by_kid = {k["kid"]: k for k in jwks}
    assert set(by_kid) == {first["kid"], rotated["active"]["kid"]}

    def resolve(header):
        return public_key_from_jwk(
            {k: v for k, v in by_kid[header["kid"]].items() if k not in ("kid", "alg", "use")}
        )

    assert verify_compact(old_token, resolve).claims == {"n": 1}
    assert verify_compact(new_token, resolve).claims == {"n": 2}
    assert verify_compact(old_token, await keys.verification_key(tenant_a.slug, first["kid"]))


async def test_jwks_and_did_document_are_public_cacheable_and_list_active_and_retired(
    settings, engine, tenant_a
) -> None:
    async with client_with(settings, engine, public_url=PUBLIC_URL) as http:
        keys: KeyStoreService = http.app.state["keys"]  # type: ignore[attr-defined]
        k1 = await keys.create_key(ACTOR, tenant_a.slug)
        rotated = await keys.rotate_key(ACTOR, tenant_a.slug, k1.kid)
        k3 = await keys.rotate_key(ACTOR, tenant_a.slug, rotated.active.kid)
        await keys.revoke_key(ACTOR, tenant_a.slug, k1.kid)

        jwks = await http.get(f"/t/{tenant_a.slug}/jwks.json")
        did = await http.get(f"/t/{tenant_a.slug}/did.json")
    for r in (jwks, did):
        assert r.status_code == 200
        assert r.headers["cache-control"].startswith("public")
    published = {k3.active.kid, rotated.active.kid}
    assert {k["kid"] for k in jwks.json()["keys"]} == published
    assert all(k["alg"] == "ES256" and k["use"] == "sig" for k in jwks.json()["keys"])
    doc = did.json()
    assert doc["id"] == f"did:web:issuer.example:t:{tenant_a.slug}"
    # did:web §3.2: the DID resolves to exactly the URL that serves the document.
    assert did_web_to_url(doc["id"]) == f"{PUBLIC_URL}/t/{tenant_a.slug}/did.json"
    assert {vm["id"].split("#")[1] for vm in doc["verificationMethod"]} == published
    assert set(doc["assertionMethod"]) == {vm["id"] for vm in doc["verificationMethod"]}


async def test_jwks_of_unknown_tenant_is_404_problem(client) -> None:
    r = await client.get("/t/no-such-tenant/jwks.json")
    assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"


async def test_algorithm_outside_tenant_policy_is_a_422_problem(client, tenant_a) -> None:
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys",
        json={"algorithm": "ES384"},
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "signing_algorithm_not_in_policy" and "ES256" in body["detail"]
    listing = await client.get(
        f"/admin/tenants/{tenant_a.slug}/keys", headers=auth(tenant_a.tokens["admin"])
    )
    assert listing.json() == []


async def test_unknown_algorithm_is_refused(client, tenant_a) -> None:
    for alg in ("HS256", "none", "RS256", "x" * 17):
        r = await client.post(
            f"/admin/tenants/{tenant_a.slug}/keys",
            json={"algorithm": alg},
            headers=auth(tenant_a.tokens["admin"]),
        )
        assert r.status_code in (400, 422), (alg, r.text)


@pytest.mark.parametrize("algorithm", ["ES384", "EdDSA"])
async def test_algorithms_allowed_by_tenant_policy_get_their_own_active_key(
    client, app, tenant_service, tenant_a, algorithm
) -> None:
    await tenant_service.update_tenant(
        ACTOR, tenant_a.slug, TenantUpdate(signing_algorithms=["ES256", algorithm])
    )
    created = await _create(client, tenant_a, algorithm)
    es256 = await _create(client, tenant_a, "ES256")
    keys: KeyStoreService = app.state["keys"]
    signer = await keys.get_signer(tenant_a.slug, algorithm)
    assert signer.key_id == created["kid"] and signer.algorithm == algorithm
    assert (await keys.get_signer(tenant_a.slug)).key_id == es256["kid"]
    token = await sign_compact({}, {"a": 1}, signer)
    key = await keys.verification_key(tenant_a.slug, created["kid"])
    assert verify_compact(token, key, algorithms=[algorithm]).claims == {"a": 1}


async def test_get_signer_refuses_algorithm_outside_policy(app, tenant_a) -> None:
    keys: KeyStoreService = app.state["keys"]
    with pytest.raises(AlgorithmNotAllowed) as info:
        await keys.get_signer(tenant_a.slug, "ES384")
    assert info.value.code == "signing_algorithm_not_in_policy"


async def test_first_get_signer_creates_and_audits_the_tenant_key(app, engine, tenant_a) -> None:
    keys: KeyStoreService = app.state["keys"]
    signer = await keys.get_signer(tenant_a.slug)
    assert (await keys.get_signer(tenant_a.slug)).key_id == signer.key_id
    events = (await AuditService(engine).list_for_tenant(tenant_a.slug, limit=100)).entries
    created = [e for e in events if e.action == "signing_key.create"]
    assert [e.target for e in created] == [f"signing_key:{signer.key_id}"]


async def test_revoked_key_is_unpublished_and_no_longer_verifies(client, app, tenant_a) -> None:
    keys: KeyStoreService = app.state["keys"]
    key = await _create(client, tenant_a)
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/{key['kid']}/revoke",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert (await client.get(f"/t/{tenant_a.slug}/jwks.json")).json() == {"keys": []}
    with pytest.raises(SigningKeyRevoked):
        await keys.verification_key(tenant_a.slug, key["kid"])
    # Keys existed, none is active: no silent re-creation.
    with pytest.raises(NoActiveSigningKey):
        await keys.get_signer(tenant_a.slug)
    rotate = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/{key['kid']}/rotate",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert rotate.status_code == 409 and rotate.json()["code"] == "signing_key_state_conflict"


async def test_unknown_kid_is_404(client, app, tenant_a) -> None:
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/nope/rotate", headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 404 and r.json()["code"] == "signing_key_not_found"
    with pytest.raises(SigningKeyNotFound):
        await app.state["keys"].verification_key(tenant_a.slug, "nope")


async def test_every_key_change_is_audited(client, engine, tenant_a) -> None:
    key = await _create(client, tenant_a)
    rotated = (
        await client.post(
            f"/admin/tenants/{tenant_a.slug}/keys/{key['kid']}/rotate",
            headers=auth(tenant_a.tokens["admin"]),
        )
    ).json()
    await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/{rotated['active']['kid']}/revoke",
        headers=auth(tenant_a.tokens["admin"]),
    )
    events = (await AuditService(engine).list_for_tenant(tenant_a.slug, limit=100)).entries
    actions = [(e.action, e.target) for e in events if e.action.startswith("signing_key.")]
    assert actions == [
        ("signing_key.create", f"signing_key:{key['kid']}"),
        ("signing_key.retire", f"signing_key:{key['kid']}"),
        ("signing_key.rotate", f"signing_key:{rotated['active']['kid']}"),
        ("signing_key.revoke", f"signing_key:{rotated['active']['kid']}"),
    ]
    actor = f"apikey:{tenant_a.key_ids['admin']}"
    assert all(e.actor == actor for e in events if e.action.startswith("signing_key."))


async def test_other_tenants_admin_cannot_touch_real_keys(
    client, engine, tenant_a, tenant_b
) -> None:
    key_b = await _create(client, tenant_b)
    for action in ("rotate", "revoke"):
        r = await client.post(
            f"/admin/tenants/{tenant_b.slug}/keys/{key_b['kid']}/{action}",
            headers=auth(tenant_a.tokens["admin"]),
        )
        assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"
        # Addressing tenant B's kid under one's own tenant finds nothing either.
        r = await client.post(
            f"/admin/tenants/{tenant_a.slug}/keys/{key_b['kid']}/{action}",
            headers=auth(tenant_a.tokens["admin"]),
        )
        assert r.status_code == 404 and r.json()["code"] == "signing_key_not_found"
    async with engine.connect() as conn:
        rows = (await conn.execute(select(signing_keys.c.tenant, signing_keys.c.status))).all()
    assert [tuple(r) for r in rows] == [(tenant_b.slug, "active")]


async def test_issuer_role_cannot_manage_keys(client, tenant_a) -> None:
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys", json={}, headers=auth(tenant_a.tokens["issuer"])
    )
    assert r.status_code == 403


async def test_wrong_kek_gives_a_clear_error_not_garbage(settings, engine, tenant_a) -> None:
    right = KeyStoreService.from_settings(
        engine, msgspec.structs.replace(settings, kek=new_kek_text())
    )
    key = await right.create_key(ACTOR, tenant_a.slug)
    wrong = KeyStoreService.from_settings(
        engine, msgspec.structs.replace(settings, kek=new_kek_text())
    )
    with pytest.raises(KeyEncryptionKeyMismatch) as info:
        await wrong.get_signer(tenant_a.slug)
    assert info.value.code == "kek_mismatch"
    # Public operations need no KEK.
    assert [k["kid"] for k in await wrong.public_jwks(tenant_a.slug)] == [key.kid]


async def test_wrong_kek_through_http_is_a_500_problem_naming_the_kek(
    settings, engine, tenant_a
) -> None:
    @post("/test/sign/{tenant:str}", status_code=200)
    async def sign_route(
        tenant: FromPath[str], keys: NamedDependency[KeyStoreService]
    ) -> dict[str, str]:
        signer = await keys.get_signer(tenant)
        return {"kid": signer.key_id or ""}

    await KeyStoreService.from_settings(
        engine, msgspec.structs.replace(settings, kek=new_kek_text())
    ).create_key(ACTOR, tenant_a.slug)
    app = create_app(
        msgspec.structs.replace(settings, kek=new_kek_text()),
        engine=engine,
        extra_route_handlers=[sign_route],
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        r = await http.post(f"/test/sign/{tenant_a.slug}")
    assert r.status_code == 500 and r.json()["code"] == "kek_mismatch"


async def test_tampered_ciphertext_in_the_database_is_refused(app, engine, tenant_a) -> None:
    keys: KeyStoreService = app.state["keys"]
    key = await keys.create_key(ACTOR, tenant_a.slug)
    async with engine.begin() as conn:
        sealed = (
            await conn.execute(select(signing_keys.c.key_ref).where(signing_keys.c.kid == key.kid))
        ).scalar_one()
        flipped = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 1])
        await conn.execute(
            update(signing_keys).where(signing_keys.c.kid == key.kid).values(key_ref=flipped)
        )
    fresh = KeyStoreService(
        engine, keys.backend, tenants=keys.tenants, public_url=PUBLIC_URL
    )  # a new process: no cached signer
    with pytest.raises(SealedKeyInvalid):
        await fresh.get_signer(tenant_a.slug)


async def test_ciphertext_moved_to_another_tenants_row_is_refused(
    app, engine, tenant_a, tenant_b
) -> None:
    keys: KeyStoreService = app.state["keys"]
    key_a = await keys.create_key(ACTOR, tenant_a.slug)
    key_b = await keys.create_key(ACTOR, tenant_b.slug)
    async with engine.begin() as conn:
        sealed_a = (
            await conn.execute(
                select(signing_keys.c.key_ref).where(signing_keys.c.kid == key_a.kid)
            )
        ).scalar_one()
        await conn.execute(
            update(signing_keys).where(signing_keys.c.kid == key_b.kid).values(key_ref=sealed_a)
        )
    fresh = KeyStoreService(engine, keys.backend, tenants=keys.tenants, public_url=PUBLIC_URL)
    with pytest.raises(SealedKeyInvalid):
        await fresh.get_signer(tenant_b.slug)


async def test_overlong_kid_is_404_without_lookup(client, tenant_a) -> None:
    r = await client.post(
        f"/admin/tenants/{tenant_a.slug}/keys/{'k' * 65}/revoke",
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 404 and r.json()["code"] == "signing_key_not_found"


async def test_concurrent_creations_leave_exactly_one_active_key(app, engine, tenant_a) -> None:
    import asyncio

    keys: KeyStoreService = app.state["keys"]
    results = await asyncio.gather(
        *(keys.create_key(ACTOR, tenant_a.slug) for _ in range(4)), return_exceptions=True
    )
    assert any(not isinstance(r, BaseException) for r in results)
    for r in results:
        if isinstance(r, BaseException):
            assert getattr(r, "code", None) == "signing_key_state_conflict", repr(r)
    async with engine.connect() as conn:
        statuses = (await conn.execute(select(signing_keys.c.status))).scalars().all()
    assert statuses.count("active") == 1


async def test_did_document_publishes_es384_and_eddsa_keys_as_multikey(
    settings, engine, tenant_service, tenant_a
) -> None:
    await tenant_service.update_tenant(
        ACTOR, tenant_a.slug, TenantUpdate(signing_algorithms=["ES384", "EdDSA"])
    )
    async with client_with(settings, engine, public_url="https://issuer.example:8443") as http:
        keys: KeyStoreService = http.app.state["keys"]  # type: ignore[attr-defined]
        es384 = await keys.get_signer(tenant_a.slug)  # policy's first algorithm
        eddsa = await keys.get_signer(tenant_a.slug, "EdDSA")
        doc = (await http.get(f"/t/{tenant_a.slug}/did.json")).json()
    assert es384.algorithm == "ES384" and eddsa.algorithm == "EdDSA"
    assert doc["id"] == f"did:web:issuer.example%3A8443:t:{tenant_a.slug}"
    prefixes = {
        vm["id"].split("#")[1]: vm["publicKeyMultibase"][:4] for vm in doc["verificationMethod"]
    }
    assert prefixes == {es384.key_id: "z82L", eddsa.key_id: "z6Mk"}
