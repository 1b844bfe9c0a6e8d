"""Issuer metadata (OID4VCI §12.2, RFC 8414, SD-JWT VC issuer and type metadata) and one
end-to-end SD-JWT VC from the issuance service checked by the core and by PyPI ``sd-jwt``."""

from __future__ import annotations

import json
import time

import pytest
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier
from tests.integration.credential_types.helpers import CLAIMS, create_type, type_body

from sceau.core.jose import SoftwareSigner, generate_private_key, public_key_from_jwk
from sceau.core.sdjwt import StaticIssuerKeys, verify_sd_jwt_vc
from sceau.core.sdjwt.type_metadata import parse_type_metadata

pytestmark = pytest.mark.anyio
ISSUER = "http://127.0.0.1:8000/t/tenant-a"


async def test_credential_issuer_metadata_lists_each_type_with_bilingual_display(
    client, tenant_a
) -> None:
    admin = tenant_a.tokens["admin"]
    await create_type(client, "tenant-a", admin, type_body(batch_size=10))
    await create_type(client, "tenant-a", admin, type_body(type_id="permit-ld", fmt="ldp_vc"))
    await create_type(client, "tenant-a", admin, type_body(type_id="permit-jwt", fmt="jwt_vc_json"))
    r = await client.get("/.well-known/openid-credential-issuer/t/tenant-a")
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]
    meta = r.json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/nonce"
    assert meta["deferred_credential_endpoint"] == f"{ISSUER}/deferred_credential"
    assert meta["notification_endpoint"] == f"{ISSUER}/notification"
    assert meta["credential_response_encryption"]["alg_values_supported"] == ["ECDH-ES"]
    assert meta["batch_credential_issuance"] == {"batch_size": 10}
    assert {d["locale"]: d["name"] for d in meta["display"]} == {
        "en-CA": "tenant-a EN",
        "fr-CA": "tenant-a FR",
    }
    configs = meta["credential_configurations_supported"]
    assert set(configs) == {"permit", "permit-ld", "permit-jwt"}
    sd = configs["permit"]
    assert sd["format"] == "dc+sd-jwt" and sd["vct"] == f"{ISSUER}/types/permit"
    assert sd["cryptographic_binding_methods_supported"] == ["jwk"]
    assert sd["proof_types_supported"] == {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}}
    assert sd["credential_signing_alg_values_supported"] == ["ES256"]
    display = {d["locale"]: d for d in sd["credential_metadata"]["display"]}
    assert display["fr-CA"]["name"] == "Permis de pêche"
    assert display["en-CA"]["logo"]["uri"] == "https://example.gc.ca/logo.png"
    claims = {tuple(c["path"]): c for c in sd["credential_metadata"]["claims"]}
    assert claims[("given_name",)]["mandatory"] is True
    assert {d["locale"] for d in claims[("given_name",)]["display"]} == {"en-CA", "fr-CA"}
    ld = configs["permit-ld"]
    assert ld["credential_signing_alg_values_supported"] == ["ecdsa-rdfc-2019"]
    assert ld["credential_definition"]["type"] == [
        "VerifiableCredential",
        "FishingPermitCredential",
    ]
    assert ld["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert ("credentialSubject", "given_name") in {
        tuple(c["path"]) for c in ld["credential_metadata"]["claims"]
    }
    assert "@context" not in configs["permit-jwt"]["credential_definition"]


async def test_authorization_server_metadata(client, tenant_a) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body())
    meta = (await client.get("/.well-known/oauth-authorization-server/t/tenant-a")).json()
    assert meta["issuer"] == ISSUER
    assert meta["token_endpoint"] == f"{ISSUER}/token"
    assert meta["pushed_authorization_request_endpoint"] == f"{ISSUER}/par"
    assert meta["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert "urn:ietf:params:oauth:grant-type:pre-authorized_code" in meta["grant_types_supported"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["dpop_signing_alg_values_supported"] == ["ES256"]
    assert meta["scopes_supported"] == ["permit"]


async def test_jwt_vc_issuer_metadata_publishes_the_tenants_keys(client, app, tenant_a) -> None:
    await app.state["keys"].get_signer("tenant-a")  # first key created on first use
    meta = (await client.get("/.well-known/jwt-vc-issuer/t/tenant-a")).json()
    assert meta["issuer"] == ISSUER
    jwks = meta["jwks"]["keys"]
    assert jwks and all("d" not in k and k["kid"] for k in jwks)


async def test_type_metadata_is_served_at_the_default_vct(client, tenant_a) -> None:
    await create_type(client, "tenant-a", tenant_a.tokens["admin"], type_body())
    r = await client.get("/t/tenant-a/types/permit")
    assert r.status_code == 200
    parsed = parse_type_metadata(r.content)
    assert parsed.vct == f"{ISSUER}/types/permit"
    assert {d.locale: d.name for d in parsed.display} == {
        "en-CA": "Fishing permit",
        "fr-CA": "Permis de pêche",
    }
    labels = {c.path: {d.locale: d.label for d in c.display} for c in parsed.claims}
    assert labels[("family_name",)] == {"en-CA": "Family name", "fr-CA": "Nom de famille"}


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-credential-issuer/t/nope",
        "/.well-known/oauth-authorization-server/t/nope",
        "/.well-known/jwt-vc-issuer/t/nope",
        "/t/nope/types/permit",
    ],
)
async def test_unknown_tenant_metadata_is_a_bilingual_404(client, path) -> None:
    en = await client.get(path)
    fr = await client.get(path, headers={"Accept-Language": "fr"})
    assert en.status_code == fr.status_code == 404
    assert en.json()["code"] == fr.json()["code"] == "tenant_not_found"
    assert en.json()["title"] != fr.json()["title"]


async def test_other_tenants_type_metadata_is_not_served(client, tenant_a, tenant_b) -> None:
    await create_type(client, "tenant-b", tenant_b.tokens["admin"], type_body())
    r = await client.get("/t/tenant-a/types/permit")
    assert r.status_code == 404 and r.json()["code"] == "unknown_credential_type"
    meta = (await client.get("/.well-known/openid-credential-issuer/t/tenant-a")).json()
    assert meta["credential_configurations_supported"] == {}


async def test_issued_sd_jwt_vc_verifies_in_core_and_pypi_sd_jwt(
    client, app, engine, tenant_a
) -> None:
    await create_type(
        client,
        "tenant-a",
        tenant_a.tokens["admin"],
        type_body(selectively_disclosable=[["given_name"], ["address", "city"]]),
    )
    holder = SoftwareSigner(generate_private_key())
    ct = await app.state["credential_types"].get("tenant-a", "permit")
    now = int(time.time())
    async with engine.begin() as conn:
        issued = await app.state["issuance"].issue(
            conn,
            tenant_slug="tenant-a",
            credential_type=ct,
            claims=CLAIMS,
            holder_jwk=holder.public_jwk,
            now=now,
        )
    assert issued.format == "dc+sd-jwt" and issued.record_id
    jwks = await app.state["keys"].public_jwks("tenant-a")
    keys = {j["kid"]: public_key_from_jwk(j) for j in jwks}
    verified = verify_sd_jwt_vc(
        issued.credential,
        StaticIssuerKeys({ISSUER: keys}),
        require_key_binding=False,
        now=now,
    )
    assert verified.iss == ISSUER and verified.vct == f"{ISSUER}/types/permit"
    assert verified.claims["address"] == {"street": "1 rue Principale", "city": "Gatineau"}
    assert verified.cnf == {"jwk": holder.public_jwk}
    assert verified.status["status_list"]["uri"].startswith(f"{ISSUER}/status-lists/")
    assert verified.claims["exp"] - verified.claims["iat"] == ct.validity_seconds
    # Only the configured claims are disclosures (given_name, address.city); the rest is plain.
    assert len(verified.sd_jwt.disclosures) == 2
    assert verified.sd_jwt.issuer_payload["family_name"] == "Tremblay"

    def issuer_key(iss: str, header: dict) -> JWK:  # type: ignore[type-arg]
        assert iss == ISSUER
        return JWK.from_json(json.dumps(ECKey.import_key(keys[header["kid"]]).as_dict()))

    payload = SDJWTVerifier(issued.credential, issuer_key).get_verified_payload()
    assert payload["given_name"] == "Jeanne" and payload["address"]["city"] == "Gatineau"
