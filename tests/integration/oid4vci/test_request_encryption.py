"""Encrypted Credential and Deferred Credential Requests (OID4VCI 1.0 §8.2, §9.1, §10, §12.2.4).

The wallet side is joserfc where it matters (an independent JOSE implementation encrypts the
request and decrypts the response), so the JWEs are standard, not only self-consistent.
"""

from typing import Any

import msgspec
import pytest
from joserfc import jwe
from joserfc.jwk import ECKey

from sceau.core.jose import generate_private_key, jwk_thumbprint, public_jwk
from sceau.core.sdjwt import verify_sd_jwt_vc
from sceau.oid4vci.encryption import max_encrypted_request_length

from .conftest import Issuer
from .wallet import Wallet, new_signer, pre_authorized_code

pytestmark = pytest.mark.anyio


async def _wallet(issuer: Issuer, ids: list[str] | None = None) -> Wallet:
    created = await issuer.offer_json(credential_configuration_ids=ids or ["permit"])
    wallet = issuer.wallet()
    response = await wallet.token(pre_authorized_code(created["credential_offer"]))
    assert response.status_code == 200, response.text
    return wallet


async def _metadata(issuer: Issuer, tenant: str | None = None) -> dict[str, Any]:
    slug = tenant or issuer.tenant.slug
    response = await issuer.http.get(f"/.well-known/openid-credential-issuer/t/{slug}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _joserfc_encrypt(
    plaintext: bytes,
    jwk: dict[str, Any],
    *,
    alg: str = "ECDH-ES",
    enc: str = "A128GCM",
    **header: Any,
) -> str:
    """An independent encrypter: joserfc, to the issuer's published key."""
    key = ECKey.import_key({k: v for k, v in jwk.items() if k not in ("alg", "use")})
    protected = {"alg": alg, "enc": enc, "kid": jwk["kid"], **header}
    allowed = [alg, enc, *([header["zip"]] if "zip" in header else [])]
    registry = jwe.JWERegistry(algorithms=allowed, verify_all_recipients=False)
    return jwe.encrypt_compact(protected, plaintext, key, registry=registry)


def _joserfc_decrypt(token: str, private_jwk: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    result = jwe.decrypt_compact(
        token,
        ECKey.import_key(private_jwk),
        registry=jwe.JWERegistry(algorithms=["ECDH-ES", "A128GCM", "A256GCM"]),
    )
    assert result.plaintext is not None
    return dict(result.protected), result.plaintext


def _wallet_response_key() -> tuple[ECKey, dict[str, Any]]:
    key = ECKey.generate_key("P-256", private=True)
    public = {**key.as_dict(private=False), "alg": "ECDH-ES", "kid": "wallet-response-1"}
    return key, public


def _assert_error(response: Any, code: str, *, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    body = dict(response.json())
    assert body["error"] == code
    return body


# -- metadata (§12.2.4) ------------------------------------------------------------------------


async def test_metadata_publishes_one_ecdh_es_p256_key_per_tenant(
    issuer: Issuer, tenant_b: Any
) -> None:
    meta = (await _metadata(issuer))["credential_request_encryption"]
    assert set(meta) == {"jwks", "enc_values_supported", "encryption_required"}
    assert meta["enc_values_supported"] == ["A128GCM", "A256GCM"]
    assert meta["encryption_required"] is False  # no zip_values_supported: no compression
    [jwk] = meta["jwks"]["keys"]
    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}  # public only, no "d"
    assert (jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]) == ("EC", "P-256", "ECDH-ES", "enc")
    assert jwk["kid"] == jwk_thumbprint({k: jwk[k] for k in ("kty", "crv", "x", "y")})
    # Stable across fetches (and processes: derived from the KEK), distinct per tenant, and not
    # one of the tenant's signing keys.
    assert (await _metadata(issuer))["credential_request_encryption"] == meta
    other = (await _metadata(issuer, tenant_b.slug))["credential_request_encryption"]
    assert other["jwks"]["keys"][0]["kid"] != jwk["kid"]
    signing = await issuer.app.state["keys"].public_jwks(issuer.tenant.slug)
    assert jwk["kid"] not in {k["kid"] for k in signing}


async def test_request_key_is_the_same_in_another_app_with_the_same_kek(
    issuer: Issuer, settings: Any, engine: Any
) -> None:
    from sceau.keys.service import KeyStoreService
    from sceau.oid4vci.encryption import request_decryption_key

    [published] = (await _metadata(issuer))["credential_request_encryption"]["jwks"]["keys"]
    another = KeyStoreService.from_settings(engine, settings)  # a second process, same KEK
    key = request_decryption_key(another, issuer.tenant.slug)
    assert key is not None and key.jwk == published


# -- encrypted request, encrypted response (§8.2, §10) ---------------------------------------


async def test_joserfc_encrypted_request_gets_a_joserfc_decryptable_sd_jwt_vc(
    issuer: Issuer,
) -> None:
    wallet = await _wallet(issuer)
    holder = new_signer()
    response_key, response_jwk = _wallet_response_key()
    body = await wallet.credential_body(
        "permit",
        [holder],
        credential_response_encryption={"jwk": response_jwk, "enc": "A256GCM"},
    )
    issuer_jwk = await wallet.request_encryption_key()
    token = _joserfc_encrypt(msgspec.json.encode(body), issuer_jwk, enc="A128GCM")
    response = await wallet.post_raw("credential", token.encode())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jwt")
    assert response.headers["cache-control"] == "no-store"
    header, plaintext = _joserfc_decrypt(response.text, response_key.as_dict(private=True))
    assert (header["alg"], header["enc"], header["kid"]) == (
        "ECDH-ES",
        "A256GCM",
        "wallet-response-1",
    )
    [item] = msgspec.json.decode(plaintext)["credentials"]
    verified = verify_sd_jwt_vc(
        item["credential"],
        await issuer.issuer_public_key(),
        require_key_binding=False,
        allow_key_binding=False,
    )
    assert verified.claims["cnf"]["jwk"] == holder.public_jwk
    assert verified.claims["given_name"] == "Marie"


async def test_encrypted_request_without_response_encryption_gets_plain_json(
    issuer: Issuer,
) -> None:
    wallet = await _wallet(issuer)
    body = await wallet.credential_body("permit", [new_signer()])
    response = await wallet.post_jwe("credential", body, enc="A256GCM")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert len(response.json()["credentials"]) == 1


async def test_deferred_requests_encrypted_with_fresh_response_keys(issuer: Issuer) -> None:
    wallet = await _wallet(issuer, ["review"])
    first_key, first_jwk = _wallet_response_key()
    body = await wallet.credential_body(
        "review",
        [new_signer()],
        credential_response_encryption={"jwk": first_jwk, "enc": "A128GCM"},
    )
    accepted = await wallet.post_jwe("credential", body)
    assert accepted.status_code == 202, accepted.text
    _, plaintext = _joserfc_decrypt(accepted.text, first_key.as_dict(private=True))
    transaction_id = msgspec.json.decode(plaintext)["transaction_id"]
    issuer.clock.now += 6
    # §9.1: the deferred request carries its own (new) response key, so it is encrypted too.
    second_key, second_jwk = _wallet_response_key()
    deferred = {
        "transaction_id": transaction_id,
        "credential_response_encryption": {"jwk": second_jwk, "enc": "A256GCM"},
    }
    plain = await wallet.post_json("deferred_credential", deferred)
    _assert_error(plain, "invalid_encryption_parameters")
    corrupted = await wallet.post_raw("deferred_credential", b"a.b.c.d.e")
    _assert_error(corrupted, "invalid_credential_request")
    assert issuer.issuance.calls == []  # refused before anything was issued
    ready = await wallet.post_jwe("deferred_credential", deferred)
    assert ready.status_code == 200, ready.text
    header, plaintext = _joserfc_decrypt(ready.text, second_key.as_dict(private=True))
    assert header["enc"] == "A256GCM"
    assert len(msgspec.json.decode(plaintext)["credentials"]) == 1
    assert len(issuer.issuance.calls) == 1


# -- refusals: nothing issued, the c_nonce still usable ----------------------------------------


async def test_plaintext_request_with_response_encryption_is_refused_in_en_and_fr(
    issuer: Issuer,
) -> None:
    wallet = await _wallet(issuer)
    _, response_jwk = _wallet_response_key()
    body = await wallet.credential_body(
        "permit",
        [new_signer()],
        credential_response_encryption={"jwk": response_jwk, "enc": "A128GCM"},
    )
    en = await wallet.post_json("credential", body)
    described = _assert_error(en, "invalid_encryption_parameters")
    assert "must itself be encrypted" in described["error_description"]
    fr = await wallet.post_json(
        "credential", body, headers={**wallet.auth("credential"), "Accept-Language": "fr"}
    )
    described_fr = _assert_error(fr, "invalid_encryption_parameters")
    assert "doit elle-meme etre chiffree" in described_fr["error_description"]
    assert issuer.issuance.calls == []
    # The nonce and the configuration were not used up: the same body, encrypted, is issued.
    again = await wallet.post_jwe("credential", body)
    assert again.status_code == 200, again.text
    assert len(issuer.issuance.calls) == 1


def _bad_jwe(case: str, plaintext: bytes, issuer_jwk: dict[str, Any]) -> bytes:
    if case == "alg_ecdh_es_a128kw":
        return _joserfc_encrypt(plaintext, issuer_jwk, alg="ECDH-ES+A128KW").encode()
    if case == "enc_cbc":
        return _joserfc_encrypt(plaintext, issuer_jwk, enc="A128CBC-HS256").encode()
    if case == "other_kid":
        return _joserfc_encrypt(plaintext, issuer_jwk, kid="not-our-key").encode()
    if case == "no_kid":
        key = ECKey.import_key({k: v for k, v in issuer_jwk.items() if k not in ("alg", "use")})
        registry = jwe.JWERegistry(algorithms=["ECDH-ES", "A128GCM"])
        return jwe.encrypt_compact(
            {"alg": "ECDH-ES", "enc": "A128GCM"}, plaintext, key, registry=registry
        ).encode()
    if case == "zip":
        return _joserfc_encrypt(plaintext, issuer_jwk, zip="DEF").encode()
    if case == "to_another_key_with_our_kid":
        other = {**public_jwk(generate_private_key("ES256")), "kid": issuer_jwk["kid"]}
        return _joserfc_encrypt(plaintext, other).encode()
    good = _joserfc_encrypt(plaintext, issuer_jwk)
    head, ek, iv, ciphertext, tag = good.split(".")
    if case == "tampered_tag":
        return f"{head}.{ek}.{iv}.{ciphertext}.{'A' if tag[0] != 'A' else 'B'}{tag[1:]}".encode()
    if case == "tampered_ciphertext":
        flipped = ("A" if ciphertext[0] != "A" else "B") + ciphertext[1:]
        return f"{head}.{ek}.{iv}.{flipped}.{tag}".encode()
    if case == "four_segments":
        return f"{head}.{ek}.{iv}.{ciphertext}".encode()
    if case == "not_ascii":
        return good.encode() + "é".encode()
    if case == "too_large":
        return b"a" * (max_encrypted_request_length(256 * 1024) + 1)
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("alg_ecdh_es_a128kw", "invalid_encryption_parameters"),
        ("enc_cbc", "invalid_encryption_parameters"),
        ("other_kid", "invalid_encryption_parameters"),
        ("no_kid", "invalid_encryption_parameters"),
        ("zip", "invalid_encryption_parameters"),
        ("to_another_key_with_our_kid", "invalid_credential_request"),
        ("tampered_tag", "invalid_credential_request"),
        ("tampered_ciphertext", "invalid_credential_request"),
        ("four_segments", "invalid_credential_request"),
        ("not_ascii", "invalid_credential_request"),
        ("too_large", "invalid_credential_request"),
    ],
)
async def test_jwe_that_is_not_for_us_or_corrupted_is_refused_and_changes_nothing(
    issuer: Issuer, case: str, code: str
) -> None:
    wallet = await _wallet(issuer)
    _, response_jwk = _wallet_response_key()
    body = await wallet.credential_body(
        "permit",
        [new_signer()],
        credential_response_encryption={"jwk": response_jwk, "enc": "A128GCM"},
    )
    issuer_jwk = await wallet.request_encryption_key()
    bad = _bad_jwe(case, msgspec.json.encode(body), issuer_jwk)
    refused = await wallet.post_raw("credential", bad)
    described = _assert_error(refused, code)
    assert described["error_description"].isascii()
    assert issuer.issuance.calls == []
    # Nothing was consumed: the same request, properly encrypted, is issued once.
    again = await wallet.post_jwe("credential", body)
    assert again.status_code == 200, again.text
    assert len(issuer.issuance.calls) == 1


async def test_encrypted_plaintext_that_is_not_a_json_object_is_invalid_credential_request(
    issuer: Issuer,
) -> None:
    wallet = await _wallet(issuer)
    issuer_jwk = await wallet.request_encryption_key()
    for plaintext in (b"[1, 2]", b"eyJhbGciOiJFUzI1NiJ9.e30.c2ln", b'{"a": 1, "a": 2}'):
        token = _joserfc_encrypt(plaintext, issuer_jwk)
        _assert_error(
            await wallet.post_raw("credential", token.encode()), "invalid_credential_request"
        )
    assert issuer.issuance.calls == []
