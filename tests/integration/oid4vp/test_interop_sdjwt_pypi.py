"""Interop: the SD-JWT VC spec example (vectors sd-jwt-vc/01, issuer and holder keys from its
settings.yml), issued and presented with KB-JWT by PyPI `sd-jwt` (the RFC 9901 reference
implementation), is accepted by this verifier once that issuer is trusted — and refused before."""

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from jwcrypto.jwk import JWK
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.utils.yaml_specification import load_yaml_specification

from oid4vp.holder import resolve_request, respond

pytestmark = pytest.mark.anyio

DATA = Path(__file__).resolve().parent / "data" / "sd-jwt-vc"
SETTINGS = yaml.safe_load((DATA / "settings.yml").read_text())
SPEC = load_yaml_specification(DATA / "01" / "specification.yml")
ISS = SETTINGS["identifiers"]["issuer"]
VCT = "https://credentials.example.com/identity_credential"
KID = SPEC["extra_header_parameters"]["kid"]


def _jwk(name: str, private: bool) -> dict[str, Any]:
    key = dict(SETTINGS["key_settings"][name])
    if not private:
        key.pop("d")
    return key


def _config(trusted: bool) -> dict[str, Any]:
    issuers = [
        {
            "credential_type": VCT,
            "issuer": ISS,
            "jwks": {"keys": [{**_jwk("issuer_key", False), "kid": KID}]},
        }
    ]
    return {
        "client_id_prefix": "x509_san_dns",
        "name_en": "Interop verifier",
        "name_fr": "Vérificateur d'interopérabilité",
        "purposes": [
            {
                "id": "age",
                "description_en": "Seniors' discount",
                "description_fr": "Rabais pour aînés",
                "allowed_claims": {VCT: [["address"], ["is_over_65"], ["given_name"]]},
            }
        ],
        # The example carries no status reference.
        "trust_policy": {"trusted_issuers": issuers if trusted else [], "require_status": False},
    }


QUERY = {
    "credentials": [
        {
            "id": "identity",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["address"]}, {"path": ["is_over_65"]}],
        }
    ]
}


def _issue() -> str:
    now = int(time.time())
    claims = {"iss": ISS, "iat": now, "exp": now + 3600, **SPEC["user_claims"]}
    issuer = SDJWTIssuer(
        claims,
        JWK.from_json(json.dumps(_jwk("issuer_key", True))),
        JWK.from_json(json.dumps(_jwk("holder_key", False))),
        extra_header_parameters=SPEC["extra_header_parameters"],
    )
    return str(issuer.sd_jwt_issuance)


@pytest.mark.parametrize("trusted", [True, False])
async def test_reference_library_presentation_of_the_spec_example(
    client, tenant_a, trusted
) -> None:
    auth = {"Authorization": f"Bearer {tenant_a.tokens['admin']}"}
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier", json=_config(trusted), headers=auth
    )
    assert r.status_code == 200, r.text
    anchor = x509.load_pem_x509_certificate(r.json()["x509_chain_pem"][-1].encode())
    created = (
        await client.post(
            f"/admin/tenants/{tenant_a.slug}/presentation-requests",
            json={"dcql_query": QUERY, "purpose": "age", "response_mode": "direct_post.jwt"},
            headers=auth,
        )
    ).json()
    request = await resolve_request(
        client, created["authorization_request_uri"], x509_anchor=anchor
    )
    holder = SDJWTHolder(_issue())
    holder.create_presentation(
        SPEC["holder_disclosed_claims"],
        request.nonce,
        request.client_id,
        JWK.from_json(json.dumps(_jwk("holder_key", True))),
    )
    answer = await respond(client, request, {"identity": [holder.sd_jwt_presentation]})
    # A rejected presentation is a 400 to the wallet (SECURITY S-07), the outcome is recorded.
    assert answer.status_code == (200 if trusted else 400), answer.text
    path = f"/t/{tenant_a.slug}/oid4vp/requests/{created['id']}/result"
    result = (
        await client.get(path, headers={"Authorization": f"Bearer {created['secret']}"})
    ).json()
    if trusted:
        assert result["status"] == "verified", result
        disclosed = result["claims"]["identity"][0]
        assert disclosed["is_over_65"] is True and disclosed["address"]["locality"] == "Anytown"
        assert "given_name" not in disclosed and "email" not in disclosed
    else:
        assert result["status"] == "rejected" and result["reasons"] == ["untrusted_issuer"]
