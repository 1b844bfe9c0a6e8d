"""Credential types: definition rules, defaults, admin API, tenant isolation, audit."""

from __future__ import annotations

import pytest
from tests.integration.credential_types.helpers import auth, create_type, type_body

from sceau.audit.service import AuditService

pytestmark = pytest.mark.anyio
BASE = "/admin/tenants/{}/credential-types"


async def test_sd_jwt_type_gets_default_vct_and_all_top_level_claims_disclosable(
    client, tenant_a
) -> None:
    ct = await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body())
    assert ct["vct"] == "http://127.0.0.1:8000/t/tenant-a/types/permit"
    assert ct["selectively_disclosable"] == [
        ["given_name"],
        ["family_name"],
        ["birthdate"],
        ["address"],
        ["permit_number"],
    ]
    assert ct["cryptosuite"] is None and ct["vc_type"] is None
    assert ct["status_enabled"] is True and ct["batch_size"] == 1
    assert ct["min_assurance"] == "loa1" and ct["retention_days"] is None


async def test_ldp_vc_type_defaults_to_ecdsa_rdfc_2019(client, tenant_a) -> None:
    ct = await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body(fmt="ldp_vc"))
    assert ct["cryptosuite"] == "ecdsa-rdfc-2019"
    assert ct["vc_type"] == ["VerifiableCredential", "FishingPermitCredential"]


@pytest.mark.parametrize(
    "change",
    [
        {"display": {"en-CA": {"name": "Only English"}}},
        {"claims_display": {"given_name": {"en-CA": {"name": "Given name"}}}},
        {"claims_schema": {"type": "object", "properties": {"a": {"type": "nope"}}}},
        {"claims_schema": {"$ref": "https://schemas.example/remote.json"}},
        {"claims_schema": {"type": "object", "properties": {"exp": {"type": "integer"}}}},
        {"cryptosuite": "ecdsa-rdfc-2019"},
        {"selectively_disclosable": [["vct"]]},
    ],
)
async def test_unusable_sd_jwt_definitions_are_422(client, tenant_a, change) -> None:
    r = await client.post(
        BASE.format("tenant-a"), json=type_body(**change), headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_credential_type"


@pytest.mark.parametrize(
    "change",
    [
        {"vc_type": ["FishingPermitCredential"]},
        {"vc_type": ["VerifiableCredential"]},
        {"cryptosuite": "Ed25519Signature2020"},
        {"vct": "https://x.example/t"},
    ],
)
async def test_unusable_vc_definitions_are_422(client, tenant_a, change) -> None:
    r = await client.post(
        BASE.format("tenant-a"),
        json=type_body(fmt="ldp_vc", **change),
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 422, r.text


async def test_malformed_id_is_400(client, tenant_a) -> None:
    r = await client.post(
        BASE.format("tenant-a"),
        json=type_body(type_id="Bad Id"),
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 400


async def test_duplicate_id_is_409_in_french_too(client, tenant_a) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body())
    r = await client.post(
        BASE.format("tenant-a"),
        json=type_body(),
        headers={**auth(tenant_a.tokens["admin"]), "Accept-Language": "fr-CA"},
    )
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["content-language"] == "fr"
    assert r.json()["code"] == "credential_type_exists"


async def test_same_id_in_two_tenants_are_distinct(client, tenant_a, tenant_b) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body())
    await create_type(client, "tenant-b", tenant_b.tokens["admin"], type_body(fmt="ldp_vc"))
    a = await client.get(BASE.format("tenant-a"), headers=auth(tenant_a.tokens["issuer"]))
    b = await client.get(BASE.format("tenant-b"), headers=auth(tenant_b.tokens["issuer"]))
    assert [t["format"] for t in a.json()] == ["dc+sd-jwt"]
    assert [t["format"] for t in b.json()] == ["ldp_vc"]


async def test_other_tenants_type_is_not_readable(client, tenant_a, tenant_b) -> None:
    await create_type(client, "tenant-b", tenant_b.tokens["admin"], type_body())
    r = await client.get(
        BASE.format("tenant-b") + "/permit", headers=auth(tenant_a.tokens["admin"])
    )
    assert r.status_code == 404 and r.json()["code"] == "tenant_not_found"


async def test_replace_then_delete_are_audited(client, engine, tenant_a) -> None:
    token = tenant_a.tokens["admin"]
    await create_type(client, "tenant-a", token, type_body())
    r = await client.put(
        BASE.format("tenant-a") + "/permit",
        json=type_body(validity_seconds=3600, batch_size=5),
        headers=auth(token),
    )
    assert r.status_code == 200, r.text
    assert r.json()["validity_seconds"] == 3600 and r.json()["batch_size"] == 5
    got = await client.get(BASE.format("tenant-a") + "/permit", headers=auth(token))
    assert got.json()["batch_size"] == 5
    mismatch = await client.put(
        BASE.format("tenant-a") + "/permit", json=type_body(type_id="other"), headers=auth(token)
    )
    assert mismatch.status_code == 422
    assert (
        await client.delete(BASE.format("tenant-a") + "/permit", headers=auth(token))
    ).status_code == 204
    gone = await client.get(BASE.format("tenant-a") + "/permit", headers=auth(token))
    assert gone.status_code == 404 and gone.json()["code"] == "unknown_credential_type"
    entries = (await AuditService(engine).list_for_tenant("tenant-a", limit=100)).entries
    actions = [e.action for e in entries]
    for action in ("credential_type.create", "credential_type.update", "credential_type.delete"):
        assert action in actions


async def test_service_get_raises_unknown_credential_type(app, tenant_a) -> None:
    from sceau.credential_types.errors import UnknownCredentialType

    service = app.state["credential_types"]
    with pytest.raises(UnknownCredentialType) as caught:
        await service.get("tenant-a", "nope")
    assert caught.value.code == "unknown_credential_type"
