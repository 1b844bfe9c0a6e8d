"""VC API ``POST /t/{tenant}/credentials/issue``: Data Integrity and VC-JOSE issuing, status,
schema failures, tenant isolation, and no partial writes."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from sqlalchemy import func, select, text
from tests.integration.credential_types.helpers import CLAIMS, auth, create_type, type_body

from sceau.core.jose import public_key_from_jwk
from sceau.core.vc import StaticResolver, verify_credential
from sceau.core.vc.jose import verify_vc_jwt
from sceau.status_lists.tables import credential_records

pytestmark = pytest.mark.anyio
ISSUE = "/t/{}/credentials/issue"


def credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"@vocab": "https://permits.example.gc.ca/vocab#"},
        ],
        "type": ["VerifiableCredential", "FishingPermitCredential"],
        "credentialSubject": {"id": "did:example:holder", **(subject or CLAIMS)},
    }


async def record_count(engine) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(credential_records))).scalar_one()
        )


async def resolver_for(app, slug: str) -> StaticResolver:
    keys = app.state["keys"]
    did = keys.did(slug)
    return StaticResolver(
        {f"{did}#{j['kid']}": public_key_from_jwk(j) for j in await keys.public_jwks(slug)}
    )


async def test_ecdsa_rdfc_2019_credential_verifies_and_carries_two_status_entries(
    client, app, engine, tenant_a
) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential()},
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["issuer"] == app.state["keys"].did("tenant-a")
    assert vc["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    purposes = [s["statusPurpose"] for s in vc["credentialStatus"]]
    assert purposes == ["revocation", "suspension"]
    assert len({s["statusListIndex"] for s in vc["credentialStatus"]}) == 1
    result = await verify_credential(vc, await resolver_for(app, "tenant-a"), now=time.time())
    assert result.verified
    record = await app.state["status_lists"].get_record("tenant-a", r.headers["sceau-record-id"])
    assert record.type_id == "permit" and record.format == "ldp_vc"
    assert await record_count(engine) == 1


async def test_eddsa_rdfc_2022_type_signs_with_an_ed25519_key(client, app, tenant_a) -> None:
    admin = auth(tenant_a.tokens["admin"])
    r = await client.patch(
        "/admin/tenants/tenant-a", json={"signing_algorithms": ["ES256", "EdDSA"]}, headers=admin
    )
    assert r.status_code == 200, r.text
    await create_type(
        client,
        "tenant-a",
        tenant_a.tokens["admin"],
        type_body(fmt="ldp_vc", cryptosuite="eddsa-rdfc-2022", status_enabled=False),
    )
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential()},
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert "credentialStatus" not in vc
    assert (
        await verify_credential(vc, await resolver_for(app, "tenant-a"), now=time.time())
    ).verified


async def test_vc_jose_envelope_on_request(client, app, tenant_a) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={
            "credential": credential(),
            "options": {"credentialType": "permit", "envelope": "application/vc+jwt"},
        },
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["type"] == "EnvelopedVerifiableCredential"
    prefix = "data:application/vc+jwt,"
    assert vc["id"].startswith(prefix)
    token = vc["id"][len(prefix) :]
    header = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert b'"typ":"vc+jwt"' in header
    keys = app.state["keys"]
    kid = token and __import__("json").loads(header)["kid"].split("#", 1)[1]
    verified = verify_vc_jwt(
        token, await keys.verification_key("tenant-a", kid), now=int(time.time())
    )
    assert verified.document["credentialSubject"]["permit_number"] == 42
    assert verified.document["credentialStatus"][0]["type"] == "BitstringStatusListEntry"


async def test_jwt_vc_json_type_issues_vc_jose(client, tenant_a) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="jwt_vc_json"))
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential()},
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["id"].startswith("data:application/vc+jwt,")


@pytest.mark.parametrize(("language", "word"), [("en", "claims"), ("fr-CA", "revendications")])
async def test_claims_failing_the_schema_are_422_listing_paths_and_write_nothing(
    client, engine, tenant_a, language, word
) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    bad = {
        "given_name": 7,
        "permit_number": 0,
        "address": {"street": "x"},
        "extra": True,
    }
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential(**bad)},
        headers={**auth(tenant_a.tokens["issuer"]), "Accept-Language": language},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "invalid_claims"
    paths = {e["path"] for e in body["errors"]}
    assert paths == {"/given_name", "/permit_number", "/address/city", "/family_name", "/extra"}
    assert "/address/city" in body["detail"] and word in body["detail"].lower()
    assert await record_count(engine) == 0


async def test_other_tenants_key_and_wrong_role_are_refused(
    client, engine, tenant_a, tenant_b
) -> None:
    await create_type(client, "tenant-b", tenant_b.tokens["admin"], type_body(fmt="ldp_vc"))
    for role in ("admin", "issuer", "verifier", "auditor"):
        r = await client.post(
            ISSUE.format("tenant-b"),
            json={"credential": credential()},
            headers=auth(tenant_a.tokens[role]),
        )
        assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"
    for role in ("admin", "verifier", "auditor"):
        r = await client.post(
            ISSUE.format("tenant-b"),
            json={"credential": credential()},
            headers=auth(tenant_b.tokens[role]),
        )
        assert r.status_code == 403 and r.json()["code"] == "forbidden"
    no_key = await client.post(ISSUE.format("tenant-b"), json={"credential": credential()})
    assert no_key.status_code == 401
    assert await record_count(engine) == 0


async def test_other_tenants_type_id_is_unknown(client, tenant_a, tenant_b) -> None:
    await create_type(client, "tenant-b", tenant_b.tokens["admin"], type_body(fmt="ldp_vc"))
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential(), "options": {"credentialType": "permit"}},
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 404 and r.json()["code"] == "unknown_credential_type"


@pytest.mark.parametrize(
    "body",
    [
        {"credential": credential(), "options": {"mandatoryPointers": ["/issuer"]}},
        {"credential": credential(), "options": {"envelope": "application/vc+cose"}},
        {"credential": {**credential(), "issuer": "did:web:someone.else"}},
        {"credential": {**credential(), "proof": {"type": "DataIntegrityProof"}}},
    ],
)
async def test_unsupported_options_foreign_issuer_and_existing_proofs_are_400(
    client, engine, tenant_a, body
) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    r = await client.post(
        ISSUE.format("tenant-a"), json=body, headers=auth(tenant_a.tokens["issuer"])
    )
    assert r.status_code == 400, r.text
    assert await record_count(engine) == 0


async def test_failed_record_write_after_signing_returns_no_credential(
    client, engine, settings, tenant_a
) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_records BEFORE INSERT ON credential_records "
                    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
        else:
            await conn.execute(
                text(
                    "CREATE FUNCTION refuse_records() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
                )
            )
            await conn.execute(
                text(
                    "CREATE TRIGGER refuse_records BEFORE INSERT ON credential_records "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_records()"
                )
            )
    r = await client.post(
        ISSUE.format("tenant-a"),
        json={"credential": credential()},
        headers=auth(tenant_a.tokens["issuer"]),
    )
    assert r.status_code == 500
    assert "proofValue" not in r.text and "verifiableCredential" not in r.text
    assert await record_count(engine) == 0
