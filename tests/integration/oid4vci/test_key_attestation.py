"""Key attestations at the Credential Endpoint (OpenID4VCI 1.0 Appendix D, F.1, F.3; HAIP 1.0
§"Credential Endpoint"): the ``jwt`` proof with a ``key_attestation`` header and the
``attestation`` proof type, against wallet providers trusted per tenant."""

import hashlib
import hmac
import time
from typing import Any

import httpx
import msgspec
import pytest

from sceau.core.encoding import b64url_encode
from sceau.core.jose import SoftwareSigner, jwk_thumbprint, sign_compact_sync
from sceau.core.sdjwt import verify_sd_jwt_vc

from .conftest import Issuer
from .wallet import Wallet, new_signer, pre_authorized_code
from .wallet_provider import TYP, WalletProvider, der_b64

pytestmark = pytest.mark.anyio


async def _configure(issuer: Issuer, provider: WalletProvider, **policy: Any) -> httpx.Response:
    body = {"trust_anchors_pem": [provider.anchor_pem], **policy}
    return await issuer.http.put(
        f"/admin/tenants/{issuer.tenant.slug}/wallet-providers",
        json=body,
        headers=issuer.admin("admin"),
    )


async def _trusting(issuer: Issuer, **policy: Any) -> WalletProvider:
    provider = WalletProvider()
    response = await _configure(issuer, provider, **policy)
    assert response.status_code == 200, response.text
    return provider


async def _wallet(issuer: Issuer, ids: list[str] | None = None) -> Wallet:
    created = await issuer.offer_json(credential_configuration_ids=ids or ["permit"])
    wallet = issuer.wallet()
    response = await wallet.token(pre_authorized_code(created["credential_offer"]))
    assert response.status_code == 200, response.text
    return wallet


def _proof(
    signer: SoftwareSigner,
    wallet: Wallet,
    nonce: str,
    attestation: str | None,
    *,
    by_kid: str | None = None,
) -> str:
    header: dict[str, Any] = {"typ": "openid4vci-proof+jwt"}
    if by_kid is None:
        header["jwk"] = signer.public_jwk
    else:
        header["kid"] = by_kid
    if attestation is not None:
        header["key_attestation"] = attestation
    claims = {"aud": wallet.issuer, "iat": int(time.time()), "nonce": nonce}
    return sign_compact_sync(header, claims, signer)


async def _request(
    wallet: Wallet, proofs: dict[str, list[str]], configuration: str = "permit", **headers: str
) -> httpx.Response:
    body = {"credential_configuration_id": configuration, "proofs": proofs}
    return await wallet.post_json("credential", body, {**wallet.auth("credential"), **headers})


async def _bound_keys(issuer: Issuer, response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    key = await issuer.issuer_public_key()
    bound = []
    for item in response.json()["credentials"]:
        verified = verify_sd_jwt_vc(
            item["credential"], key, require_key_binding=False, allow_key_binding=False
        )
        bound.append(verified.claims["cnf"]["jwk"])
    return bound


def _thumbprints(jwks: list[dict[str, Any]]) -> list[str]:
    return [jwk_thumbprint(j) for j in jwks]


async def _assert_refused(
    issuer: Issuer, response: httpx.Response, error: str = "invalid_proof"
) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"
    assert issuer.issuance.calls == []  # nothing signed, nothing issued


# -- configuration (admin API) and metadata -------------------------------------------------


async def test_wallet_providers_config_is_set_and_read_back_by_tenant_admins(
    issuer: Issuer,
) -> None:
    path = f"/admin/tenants/{issuer.tenant.slug}/wallet-providers"
    missing = await issuer.http.get(path, headers=issuer.admin("admin"))
    assert missing.status_code == 404
    assert missing.json()["code"] == "wallet_providers_not_configured"
    provider = WalletProvider()
    response = await _configure(
        issuer,
        provider,
        key_attestation_required=True,
        key_attestation_configurations=["permit"],
        key_storage=["iso_18045_high"],
    )
    assert response.status_code == 200, response.text
    read = await issuer.http.get(path, headers=issuer.admin("admin"))
    assert read.status_code == 200
    view = read.json()
    assert view["trust_anchors_pem"] == [provider.anchor_pem]
    assert view["key_attestation_required"] is True
    assert view["key_attestation_configurations"] == ["permit"]
    assert view["key_storage"] == ["iso_18045_high"]
    assert view["user_authentication"] is None
    assert read.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "body",
    [
        {"trust_anchors_pem": ["not a certificate"]},
        {"trust_anchors_pem": []},
        {"trust_anchors_pem": ["LEAF"]},  # an end-entity certificate is no trust anchor
        # Two certificates in one entry: the second would be silently untrusted; one per entry.
        {"trust_anchors_pem": ["BUNDLE"]},
        {"trust_anchors_pem": ["EXPIRED"]},  # an anchor past its notAfter validates nothing
        {"trust_anchors_pem": ["CA"], "key_storage": ["a b"]},
        {"trust_anchors_pem": ["CA"], "key_storage": ["x", "x"]},
        {"trust_anchors_pem": ["CA"], "key_attestation_configurations": ["no spaces allowed"]},
    ],
)
async def test_invalid_wallet_providers_config_is_refused_and_nothing_is_stored(
    issuer: Issuer, body: dict[str, Any]
) -> None:
    import datetime as dt

    from cryptography.hazmat.primitives.asymmetric import ec

    from .wallet_provider import ca_certificate, pem

    provider = WalletProvider()
    expired = ca_certificate(
        ec.generate_private_key(ec.SECP256R1()),
        "Expired CA",
        not_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )
    replace = {
        "CA": provider.anchor_pem,
        "LEAF": pem(provider.leaf),
        "BUNDLE": provider.anchor_pem + WalletProvider().anchor_pem,
        "EXPIRED": pem(expired),
    }
    body = {**body, "trust_anchors_pem": [replace.get(p, p) for p in body["trust_anchors_pem"]]}
    path = f"/admin/tenants/{issuer.tenant.slug}/wallet-providers"
    response = await issuer.http.put(
        path, json=body, headers={**issuer.admin("admin"), "Accept-Language": "fr"}
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] in ("invalid_wallet_providers", "validation_failed")
    if problem["code"] == "invalid_wallet_providers":
        assert "fournisseurs de portefeuille" in problem["detail"]
    assert (await issuer.http.get(path, headers=issuer.admin("admin"))).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("wallet-providers", {"trust_anchors_pem": ["CA"]}),
        (
            "upstream-oidc",
            {"issuer": "https://login.example", "client_id": "sceau", "client_secret": "s3cret"},
        ),
    ],
)
async def test_platform_admin_config_of_an_unknown_tenant_is_404_not_500(
    issuer: Issuer, platform_token: str, path: str, body: dict[str, Any]
) -> None:
    # A platform admin passes authorize() for any slug: the tenant's absence must be a 404
    # (SECURITY.md: never a 5xx), not a foreign key violation.
    if body.get("trust_anchors_pem") == ["CA"]:
        body = {"trust_anchors_pem": [WalletProvider().anchor_pem]}
    headers = {"Authorization": f"Bearer {platform_token}"}
    url = f"/admin/tenants/no-such-tenant/{path}"
    response = await issuer.http.put(url, json=body, headers=headers)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "tenant_not_found"
    assert (await issuer.http.get(url, headers=headers)).status_code == 404


async def _metadata(issuer: Issuer) -> dict[str, Any]:
    response = await issuer.http.get(
        f"/.well-known/openid-credential-issuer/t/{issuer.tenant.slug}"
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["credential_configurations_supported"])


async def test_metadata_offers_attestation_and_requires_it_where_configured(
    issuer: Issuer,
) -> None:
    before = await _metadata(issuer)
    assert before["permit"]["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["ES256"]}
    }
    await _trusting(
        issuer,
        key_attestation_required=True,
        key_attestation_configurations=["permit"],
        key_storage=["iso_18045_high", "iso_18045_moderate"],
    )
    after = await _metadata(issuer)
    required = {"key_storage": ["iso_18045_high", "iso_18045_moderate"]}
    assert after["permit"]["proof_types_supported"] == {
        "jwt": {
            "proof_signing_alg_values_supported": ["ES256"],
            "key_attestations_required": required,
        },
        "attestation": {
            "proof_signing_alg_values_supported": ["ES256"],
            "key_attestations_required": required,
        },
    }
    # Not required for licence: the attestation proof type is offered, nothing is required
    # (§12.2.4: key_attestations_required "MUST NOT be present").
    assert after["licence"]["proof_types_supported"] == {
        "jwt": {"proof_signing_alg_values_supported": ["ES256"]},
        "attestation": {"proof_signing_alg_values_supported": ["ES256"]},
    }


# -- jwt proof with key_attestation ---------------------------------------------------------


async def test_jwt_proof_with_key_attestation_binds_the_attested_key(issuer: Issuer) -> None:
    provider = await _trusting(issuer, key_attestation_required=True)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    attestation = provider.attest([holder.public_jwk], nonce=nonce)
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, attestation)]})
    bound = await _bound_keys(issuer, response)
    assert _thumbprints(bound) == _thumbprints([holder.public_jwk])


async def test_batch_in_one_key_attestation_issues_one_credential_per_attested_key(
    issuer: Issuer,
) -> None:
    provider = await _trusting(issuer, key_attestation_required=True)
    wallet = await _wallet(issuer)
    keys = [new_signer() for _ in range(3)]
    nonce = await wallet.nonce()
    attestation = provider.attest([k.public_jwk for k in keys], nonce=nonce)
    # One proof, signed by the second attested key and naming it by index (F.1's "kid": "0").
    proof = _proof(keys[1], wallet, nonce, attestation, by_kid="1")
    response = await _request(wallet, {"jwt": [proof]})
    bound = await _bound_keys(issuer, response)
    assert _thumbprints(bound) == _thumbprints([k.public_jwk for k in keys])
    assert len({c["credential"] for c in response.json()["credentials"]}) == 3


async def test_several_proofs_sharing_one_attestation_count_its_keys_once(
    issuer: Issuer,
) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    keys = [new_signer() for _ in range(2)]
    nonce = await wallet.nonce()
    attestation = provider.attest([k.public_jwk for k in keys], nonce=nonce)
    proofs = [_proof(k, wallet, nonce, attestation) for k in keys]
    bound = await _bound_keys(issuer, await _request(wallet, {"jwt": proofs}))
    assert _thumbprints(bound) == _thumbprints([k.public_jwk for k in keys])


async def test_more_attested_keys_than_the_batch_size_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    keys = [new_signer() for _ in range(4)]  # permit: batch_size 3
    nonce = await wallet.nonce()
    attestation = provider.attest([k.public_jwk for k in keys], nonce=nonce)
    response = await _request(wallet, {"jwt": [_proof(keys[0], wallet, nonce, attestation)]})
    await _assert_refused(issuer, response, "invalid_credential_request")


# -- attestation proof type -----------------------------------------------------------------


async def test_attestation_proof_type_issues_one_credential_per_attested_key(
    issuer: Issuer,
) -> None:
    provider = await _trusting(issuer, key_attestation_required=True)
    wallet = await _wallet(issuer)
    keys = [new_signer().public_jwk for _ in range(2)]
    nonce = await wallet.nonce()
    response = await _request(wallet, {"attestation": [provider.attest(keys, nonce=nonce)]})
    assert _thumbprints(await _bound_keys(issuer, response)) == _thumbprints(keys)


async def test_attestation_nonce_works_once(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer, ["permit", "licence"])
    nonce = await wallet.nonce()
    attestation = provider.attest([new_signer().public_jwk], nonce=nonce)
    first = await _request(wallet, {"attestation": [attestation]}, "permit")
    assert first.status_code == 200, first.text
    replay = await _request(wallet, {"attestation": [attestation]}, "licence")
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_nonce"
    assert len(issuer.issuance.calls) == 1


async def test_attestation_proof_without_a_c_nonce_is_invalid_proof(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    response = await _request(wallet, {"attestation": [provider.attest([new_signer().public_jwk])]})
    await _assert_refused(issuer, response)


async def test_attestation_with_a_nonce_not_from_the_issuer_is_invalid_nonce(
    issuer: Issuer,
) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    attestation = provider.attest([new_signer().public_jwk], nonce="bm90LWEtYy1ub25jZQ")
    response = await _request(wallet, {"attestation": [attestation]})
    await _assert_refused(issuer, response, "invalid_nonce")
    # In a jwt proof too: the attestation's nonce, when there, must be a c_nonce of the issuer.
    holder = new_signer()
    nonce = await wallet.nonce()
    attestation = provider.attest([holder.public_jwk], nonce="bm90LWEtYy1ub25jZQ")
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, attestation)]})
    await _assert_refused(issuer, response, "invalid_nonce")


async def test_key_attestation_without_a_c_nonce_in_a_jwt_proof_is_invalid_proof(
    issuer: Issuer,
) -> None:
    # F.1: "If the Credential Issuer provided a c_nonce, the nonce claim in the key attestation
    # MUST be set to a server-provided c_nonce" (this issuer always has a Nonce Endpoint).
    provider = await _trusting(issuer, key_attestation_required=True)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    stale = provider.attest([holder.public_jwk])  # no nonce: could have been made long ago
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, stale)]})
    await _assert_refused(issuer, response)
    # The refusal used nothing: the proof's c_nonce still works with a fresh attestation.
    fresh = provider.attest([holder.public_jwk], nonce=nonce)
    ok = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, fresh)]})
    assert ok.status_code == 200, ok.text


async def test_two_attestations_in_the_attestation_proof_type_are_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    one = provider.attest([new_signer().public_jwk], nonce=nonce)
    two = provider.attest([new_signer().public_jwk], nonce=nonce)
    await _assert_refused(issuer, await _request(wallet, {"attestation": [one, two]}))


async def test_attestation_proof_type_without_trusted_wallet_providers_is_refused(
    issuer: Issuer,
) -> None:
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    attestation = WalletProvider().attest([new_signer().public_jwk], nonce=nonce)
    response = await _request(wallet, {"attestation": [attestation]})
    await _assert_refused(issuer, response)
    assert "trusts no wallet provider" in response.json()["error_description"]


# -- refusals -------------------------------------------------------------------------------


async def test_missing_key_attestation_when_required_is_refused_in_en_and_fr(
    issuer: Issuer,
) -> None:
    await _trusting(
        issuer, key_attestation_required=True, key_attestation_configurations=["permit"]
    )
    wallet = await _wallet(issuer, ["permit", "licence"])
    holder = new_signer()
    nonce = await wallet.nonce()
    plain = {"jwt": [_proof(holder, wallet, nonce, None)]}
    en = await _request(wallet, plain)
    await _assert_refused(issuer, en)
    assert "requires a key attestation" in en.json()["error_description"]
    fr = await _request(wallet, plain, **{"Accept-Language": "fr-CA"})
    await _assert_refused(issuer, fr)
    assert fr.headers["content-language"] == "fr"
    assert "attestation de cle" in fr.json()["error_description"]
    # The refusal used nothing: licence (not required) is issued with a plain proof.
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, None)]}, "licence")
    assert response.status_code == 200, response.text


async def test_attestation_from_an_untrusted_wallet_provider_is_refused(issuer: Issuer) -> None:
    await _trusting(issuer, key_attestation_required=True)
    stranger = WalletProvider(cn="Test Wallet Provider CA")  # same name, other key
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    attestation = stranger.attest([holder.public_jwk], nonce=nonce)
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, attestation)]})
    await _assert_refused(issuer, response)
    response = await _request(wallet, {"attestation": [attestation]})
    await _assert_refused(issuer, response)


async def test_attestation_signed_by_another_key_than_its_certificate_is_refused(
    issuer: Issuer,
) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    forged = provider.attest([new_signer().public_jwk], nonce=nonce, signer=new_signer())
    await _assert_refused(issuer, await _request(wallet, {"attestation": [forged]}))


async def test_expired_key_attestation_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    now = int(time.time())
    expired = provider.attest([holder.public_jwk], nonce=nonce, iat=now - 7200, exp=now - 3600)
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, expired)]})
    await _assert_refused(issuer, response)
    await _assert_refused(issuer, await _request(wallet, {"attestation": [expired]}))


async def test_key_attestation_without_exp_in_a_jwt_proof_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    no_exp = provider.attest([holder.public_jwk], nonce=nonce, exp=None)
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, no_exp)]})
    await _assert_refused(issuer, response)


async def test_attestation_under_an_expired_certificate_is_refused(issuer: Issuer) -> None:
    import datetime as dt

    provider = WalletProvider(leaf_not_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert (await _configure(issuer, provider)).status_code == 200
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    attestation = provider.attest([new_signer().public_jwk], nonce=nonce)
    await _assert_refused(issuer, await _request(wallet, {"attestation": [attestation]}))


async def test_attestation_signed_by_a_ca_or_a_non_signing_certificate_is_refused(
    issuer: Issuer,
) -> None:
    # The chain leads to the trusted anchor, but its first certificate is no attestation signer:
    # a CA certificate (RFC 5280 §4.2.1.9, the anchor's own key signing) or an end entity whose
    # KeyUsage does not allow digitalSignature (§4.2.1.3, e.g. a key agreement certificate).
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    by_ca = provider.attest(
        [holder.public_jwk],
        nonce=nonce,
        header={"x5c": [der_b64(provider.ca)]},
        signer=SoftwareSigner(provider.ca_key, "ES256"),
    )
    agreement = WalletProvider(ca_key=provider.ca_key, leaf_digital_signature=False)
    not_for_signing = agreement.attest(
        [holder.public_jwk],
        nonce=nonce,
        header={"x5c": [der_b64(agreement.leaf), der_b64(provider.ca)]},
    )
    for attestation in (by_ca, not_for_signing):
        await _assert_refused(issuer, await _request(wallet, {"attestation": [attestation]}))
        response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, attestation)]})
        await _assert_refused(issuer, response)
    ok = provider.attest([holder.public_jwk], nonce=nonce)
    assert (await _request(wallet, {"attestation": [ok]})).status_code == 200


async def test_proof_key_not_attested_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer, key_attestation_required=True)
    wallet = await _wallet(issuer)
    attested, other = new_signer(), new_signer()
    nonce = await wallet.nonce()
    attestation = provider.attest([attested.public_jwk], nonce=nonce)
    response = await _request(wallet, {"jwt": [_proof(other, wallet, nonce, attestation)]})
    await _assert_refused(issuer, response)
    # Naming an attested key by kid but signing with another key fails the signature.
    proof = _proof(other, wallet, nonce, attestation, by_kid="0")
    await _assert_refused(issuer, await _request(wallet, {"jwt": [proof]}))
    # The refusals left the c_nonce and the token usable.
    ok = await _request(wallet, {"jwt": [_proof(attested, wallet, nonce, attestation)]})
    assert ok.status_code == 200, ok.text


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes) -> str:
    head = b64url_encode(msgspec.json.encode(header))
    body = b64url_encode(msgspec.json.encode(claims))
    return f"{head}.{body}.{b64url_encode(signature)}"


@pytest.mark.parametrize("alg", ["none", "HS256", "ES384"])
async def test_key_attestation_with_an_algorithm_outside_the_allow_list_is_refused(
    issuer: Issuer, alg: str
) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    now = int(time.time())
    header = {"typ": TYP, "alg": alg, "x5c": [der_b64(provider.leaf), der_b64(provider.ca)]}
    claims = {"iat": now, "exp": now + 600, "nonce": nonce, "attested_keys": [holder.public_jwk]}
    if alg == "ES384":
        token = sign_compact_sync(
            header, claims, SoftwareSigner(new_signer("ES384").private_key, "ES384")
        )
    else:
        unsigned = _unsigned(header, claims, b"")
        secret = provider.anchor_pem.encode()  # a "key" an attacker could know
        mac = hmac.new(secret, unsigned.rsplit(".", 1)[0].encode(), hashlib.sha256).digest()
        token = _unsigned(header, claims, b"" if alg == "none" else mac)
    await _assert_refused(issuer, await _request(wallet, {"attestation": [token]}))
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, token)]})
    await _assert_refused(issuer, response)


async def test_key_attestation_with_another_typ_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    token = provider.attest([new_signer().public_jwk], nonce=nonce, typ="JWT")
    await _assert_refused(issuer, await _request(wallet, {"attestation": [token]}))


async def test_key_storage_below_the_accepted_values_is_refused(issuer: Issuer) -> None:
    provider = await _trusting(issuer, key_storage=["iso_18045_high"])
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    weak = provider.attest(
        [new_signer().public_jwk], nonce=nonce, claims={"key_storage": ["iso_18045_basic"]}
    )
    await _assert_refused(issuer, await _request(wallet, {"attestation": [weak]}))
    ok = provider.attest([new_signer().public_jwk], nonce=nonce)
    assert (await _request(wallet, {"attestation": [ok]})).status_code == 200


async def test_attested_keys_with_a_private_key_are_refused(issuer: Issuer) -> None:
    from sceau.core.jose import generate_private_key
    from sceau.core.jose._rfc7517 import public_jwk

    provider = await _trusting(issuer)
    wallet = await _wallet(issuer)
    nonce = await wallet.nonce()
    key = generate_private_key("ES256")
    jwk = {**public_jwk(key), "d": b64url_encode(key.private_numbers().private_value.to_bytes(32))}  # type: ignore[union-attr]
    token = provider.attest([jwk], nonce=nonce)
    await _assert_refused(issuer, await _request(wallet, {"attestation": [token]}))


async def test_without_trusted_providers_a_key_attestation_header_is_not_evaluated(
    issuer: Issuer,
) -> None:
    # No wallet provider configured: the proof is a plain jwt proof for its own key.
    wallet = await _wallet(issuer)
    holder = new_signer()
    nonce = await wallet.nonce()
    attestation = WalletProvider().attest([holder.public_jwk, new_signer().public_jwk])
    response = await _request(wallet, {"jwt": [_proof(holder, wallet, nonce, attestation)]})
    assert _thumbprints(await _bound_keys(issuer, response)) == _thumbprints([holder.public_jwk])
