"""Verifier configuration: client identifier prefixes, uploaded X.509 chains, validation."""

import base64
import datetime as dt
import hashlib

import httpx
import msgspec
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from sceau.verification.service import dev_certificate_chain
from sceau.web.i18n import load_catalogue
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
    code = "x509_leaf_key_mismatch" if problem == "other_key" else "x509_leaf_dns_mismatch"
    assert r.status_code == 422 and r.json()["code"] == code


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


# --- x509_hash (OpenID4VP §5.9.3; HAIP: the prefix verifiers must use) -----------------------


def _b64url_sha256_of_pem(pem: str) -> str:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


async def _tenant_public_key(app, tenant):  # type: ignore[no-untyped-def]
    keys = app.state["keys"]
    signer = await keys.get_signer(tenant.slug, "ES256")
    return await keys.verification_key(tenant.slug, signer.key_id)


async def test_x509_hash_client_id_is_the_hash_of_the_uploaded_leaf(
    client, app, tenant_a, issuer
) -> None:
    chain = dev_certificate_chain(await _tenant_public_key(app, tenant_a), "verifier.example.gc.ca")
    config = verifier_config([issuer], prefix="x509_hash")
    config["x509_chain_pem"] = chain
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200, r.text
    value = _b64url_sha256_of_pem(chain[0])
    assert r.json()["client_id"] == f"x509_hash:{value}"
    assert r.json()["client_id_prefix"] == "x509_hash" and r.json()["x509_chain_pem"] == chain
    # Sending back the value Sceau computed is accepted (an idempotent PUT).
    config["client_id"] = value
    again = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert again.status_code == 200 and again.json()["client_id"] == f"x509_hash:{value}"


async def test_x509_hash_without_a_chain_gets_a_dev_chain_outside_production(
    client, tenant_a, issuer
) -> None:
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=verifier_config([issuer], prefix="x509_hash"),
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert r.status_code == 200, r.text
    chain = r.json()["x509_chain_pem"]
    assert len(chain) == 2
    assert r.json()["client_id"] == "x509_hash:" + _b64url_sha256_of_pem(chain[0])


def _wrong_chains(public) -> dict[str, tuple[list[str], str]]:  # type: ignore[no-untyped-def]
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    good = dev_certificate_chain(public, "verifier.example.gc.ca")
    stranger_ca = dev_certificate_chain(other, "x")[1]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    return {
        "other_key": (
            dev_certificate_chain(other, "verifier.example.gc.ca"),
            "x509_leaf_key_mismatch",
        ),
        "root_first": (good[::-1], "x509_chain_invalid"),
        "other_issuer": ([good[0], stranger_ca], "x509_chain_invalid"),
        "not_pem": (
            ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"],
            "x509_chain_invalid",
        ),
        "expired": (dev_certificate_chain(public, "v.example", now=past), "x509_leaf_not_current"),
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("case", ["other_key", "root_first", "other_issuer", "not_pem", "expired"])
async def test_x509_hash_chain_that_cannot_be_used_is_refused_and_nothing_changes(
    client, app, tenant_a, issuer, case, lang
) -> None:
    before = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=verifier_config([issuer], prefix="decentralized_identifier"),
        headers=auth(tenant_a.tokens["admin"]),
    )
    assert before.status_code == 200
    chain, code = _wrong_chains(await _tenant_public_key(app, tenant_a))[case]
    config = verifier_config([issuer], prefix="x509_hash")
    config["x509_chain_pem"] = chain
    r = await client.put(
        f"/admin/tenants/{tenant_a.slug}/verifier",
        json=config,
        headers={**auth(tenant_a.tokens["admin"]), "Accept-Language": lang},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    catalogue = load_catalogue(lang)
    assert body["code"] == code and body["type"] == f"urn:sceau:problem:{code}"
    assert body["title"] == catalogue[f"{code}.title"]
    assert body["detail"] == catalogue[f"{code}.detail"]
    after = await client.get(
        f"/admin/tenants/{tenant_a.slug}/verifier", headers=auth(tenant_a.tokens["admin"])
    )
    assert after.json() == before.json()


async def test_x509_hash_client_id_that_is_not_the_leaf_hash_is_refused(
    client, app, tenant_a, issuer
) -> None:
    chain = dev_certificate_chain(await _tenant_public_key(app, tenant_a), "verifier.example.gc.ca")
    other_leaf = dev_certificate_chain(await _tenant_public_key(app, tenant_a), "v.example")[0]
    for client_id in (
        _b64url_sha256_of_pem(other_leaf),
        "x509_hash:" + _b64url_sha256_of_pem(chain[0]),
    ):
        config = verifier_config([issuer], prefix="x509_hash")
        config.update(x509_chain_pem=chain, client_id=client_id)
        r = await client.put(
            f"/admin/tenants/{tenant_a.slug}/verifier",
            json=config,
            headers=auth(tenant_a.tokens["admin"]),
        )
        assert r.status_code == 422 and r.json()["code"] == "x509_hash_mismatch", r.text
    missing = await client.get(
        f"/admin/tenants/{tenant_a.slug}/verifier", headers=auth(tenant_a.tokens["admin"])
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("prefix", ["x509_hash", "x509_san_dns"])
async def test_production_needs_an_uploaded_chain(
    settings, engine, tenant_a, issuer, prefix
) -> None:
    from sceau.keys.kek import new_kek_text
    from sceau.web.app import create_app

    prod = create_app(
        msgspec.structs.replace(settings, environment="prod", kek=new_kek_text()), engine=engine
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=prod), base_url="http://t") as h:
        r = await h.put(
            f"/admin/tenants/{tenant_a.slug}/verifier",
            json=verifier_config([issuer], prefix=prefix),
            headers={**auth(tenant_a.tokens["admin"]), "Accept-Language": "fr"},
        )
    assert r.status_code == 422 and r.json()["code"] == "x509_chain_required", r.text
    assert r.json()["title"] == load_catalogue("fr")["x509_chain_required.title"]
