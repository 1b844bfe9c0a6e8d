"""Verifier configuration: client identifier prefixes, uploaded X.509 chains, validation."""

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sceau.verification.service import dev_certificate_chain
from verification.world import Issuer, verifier_config

pytestmark = pytest.mark.anyio


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_uploaded_chain_for_the_signing_key_is_accepted(
    client, app, tenant_a, issuer
) -> None:
    keys = app.state["keys"]
    signer = await keys.get_signer(tenant_a.slug, "ES256")
    public = await keys.verification_key(tenant_a.slug, signer.key_id)
    chain = dev_certificate_chain(public, "verifier.example.gc.ca")
    config = verifier_config([issuer])
    config.update(client_id="verifier.example.gc.ca", x509_chain_pem=chain)
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["client_id"] == "x509_san_dns:verifier.example.gc.ca"
    assert r.json()["x509_chain_pem"] == chain


@pytest.mark.parametrize("problem", ["other_key", "other_name"])
async def test_uploaded_chain_not_matching_is_refused(
    client, app, tenant_a, issuer, problem
) -> None:
    keys = app.state["keys"]
    signer = await keys.get_signer(tenant_a.slug, "ES256")
    public = await keys.verification_key(tenant_a.slug, signer.key_id)
    if problem == "other_key":
        chain = dev_certificate_chain(
            ec.generate_private_key(ec.SECP256R1()).public_key(), "verifier.example.gc.ca"
        )
    else:
        chain = dev_certificate_chain(public, "elsewhere.example")
    config = verifier_config([issuer])
    config.update(client_id="verifier.example.gc.ca", x509_chain_pem=chain)
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_verifier_config"


async def test_malformed_trust_policy_keys_are_refused(client, tenant_a, issuer: Issuer) -> None:
    config = verifier_config([issuer])
    config["trust_policy"]["trusted_issuers"][0]["jwks"] = {"keys": [{"kty": "EC", "crv": "P-256"}]}
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_verifier_config"


async def test_config_is_audited_and_readable_by_the_verifier_role(
    client, tenant_a, issuer
) -> None:
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=verifier_config([issuer], prefix="decentralized_identifier"),
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200
    got = await client.get(
        f"/admin/tenants/{tenant_a.slug}/verifier", headers=auth(tenant_a.tokens["verifier"])
    )
    assert got.json()["client_id"].startswith("decentralized_identifier:did:web:")
    audit = await client.get(
        f"/admin/tenants/{tenant_a.slug}/audit", headers=auth(tenant_a.tokens["auditor"])
    )
    assert "verifier.configure" in audit.text
