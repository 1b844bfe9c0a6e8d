"""Every error code of the token (§6.3) and credential (§8.3.1) error sections, and RFC 9449."""

import time
from typing import Any

import pytest

from sceau.core.jose import generate_private_key, public_jwk

from .conftest import Issuer
from .wallet import PRE_AUTH, Wallet, dpop_proof, key_proof, new_signer, pre_authorized_code

pytestmark = pytest.mark.anyio


async def _token(issuer: Issuer, **offer: Any) -> tuple[Wallet, dict[str, Any]]:
    created = await issuer.offer_json(**offer)
    wallet = issuer.wallet()
    response = await wallet.token(
        pre_authorized_code(created["credential_offer"]), created["tx_code"]
    )
    assert response.status_code == 200, response.text
    return wallet, created


def _assert_error(response: Any, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert response.headers["cache-control"] == "no-store"


# -- token endpoint ---------------------------------------------------------------------------


async def _post_token(
    issuer: Issuer, form: Any, *, dpop: str | None = "auto", headers: Any = None
) -> Any:
    wallet = issuer.wallet()
    sent = {"DPoP": wallet.dpop("token")} if dpop == "auto" else ({"DPoP": dpop} if dpop else {})
    sent.update(headers or {})
    return await issuer.http.post(wallet.path("token"), data=form, headers=sent)


async def test_token_without_grant_type_or_code_is_invalid_request(issuer: Issuer) -> None:
    _assert_error(await _post_token(issuer, {"pre-authorized_code": "x"}), "invalid_request")
    _assert_error(await _post_token(issuer, {"grant_type": PRE_AUTH}), "invalid_request")


async def test_token_with_other_grant_type_is_unsupported_grant_type(issuer: Issuer) -> None:
    form = {"grant_type": "client_credentials"}
    _assert_error(await _post_token(issuer, form), "unsupported_grant_type")


async def test_token_with_repeated_parameter_is_invalid_request(issuer: Issuer) -> None:
    wallet = issuer.wallet()
    body = f"grant_type={PRE_AUTH}&pre-authorized_code=a&pre-authorized_code=b"
    response = await issuer.http.post(
        wallet.path("token"),
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "DPoP": wallet.dpop("token")},
    )
    _assert_error(response, "invalid_request")


async def test_token_as_json_is_invalid_request(issuer: Issuer) -> None:
    wallet = issuer.wallet()
    response = await issuer.http.post(
        wallet.path("token"), json={"grant_type": PRE_AUTH}, headers={"DPoP": wallet.dpop("token")}
    )
    _assert_error(response, "invalid_request")


async def test_unknown_pre_authorized_code_is_invalid_grant(issuer: Issuer) -> None:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": "not-a-code"}
    _assert_error(await _post_token(issuer, form), "invalid_grant")


async def test_tx_code_when_none_expected_or_missing_when_expected_is_invalid_request(
    issuer: Issuer,
) -> None:
    plain = await issuer.offer_json()
    code = pre_authorized_code(plain["credential_offer"])
    _assert_error(await issuer.wallet().token(code, "123456"), "invalid_request")
    with_pin = await issuer.offer_json(tx_code=True)
    code = pre_authorized_code(with_pin["credential_offer"])
    _assert_error(await issuer.wallet().token(code), "invalid_request")


async def test_wrong_tx_code_is_invalid_grant(issuer: Issuer) -> None:
    created = await issuer.offer_json(tx_code=True)
    wrong = "1" * 6 if created["tx_code"] != "1" * 6 else "2" * 6
    response = await issuer.wallet().token(pre_authorized_code(created["credential_offer"]), wrong)
    _assert_error(response, "invalid_grant")


async def test_error_description_follows_accept_language(issuer: Issuer) -> None:
    form = {"grant_type": PRE_AUTH, "pre-authorized_code": "nope"}
    en = await _post_token(issuer, form)
    fr = await _post_token(issuer, form, headers={"Accept-Language": "fr-CA"})
    assert en.json()["error"] == fr.json()["error"] == "invalid_grant"
    assert en.json()["error_description"] != fr.json()["error_description"]
    assert fr.headers["content-language"] == "fr"
    assert all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in fr.json()["error_description"])


# -- DPoP (RFC 9449 §4.3) -------------------------------------------------------------------


async def _dpop_case(issuer: Issuer, proof: str | None) -> Any:
    created = await issuer.offer_json()
    form = {
        "grant_type": PRE_AUTH,
        "pre-authorized_code": pre_authorized_code(created["credential_offer"]),
    }
    return await _post_token(issuer, form, dpop=proof)


async def test_token_without_dpop_is_refused_when_bearer_is_not_allowed(issuer: Issuer) -> None:
    response = await _dpop_case(issuer, None)
    _assert_error(response, "invalid_dpop_proof")
    assert response.headers["www-authenticate"].startswith("DPoP")


@pytest.mark.parametrize(
    "case",
    ["typ", "htm", "htu", "iat_old", "iat_future", "iat_90s_old", "iat_90s_ahead", "no_jti",
     "private_key", "alg"],
)  # fmt: skip
async def test_bad_dpop_proof_is_invalid_dpop_proof(issuer: Issuer, case: str) -> None:
    key = new_signer()
    htu = f"{issuer.issuer_id}/token"
    now = int(time.time())
    proof = {
        "typ": lambda: dpop_proof(key, "POST", htu, typ="JWT"),
        "htm": lambda: dpop_proof(key, "GET", htu),
        "htu": lambda: dpop_proof(key, "POST", f"{issuer.issuer_id}/credential"),
        "iat_old": lambda: dpop_proof(key, "POST", htu, iat=now - 3600),
        "iat_future": lambda: dpop_proof(key, "POST", htu, iat=now + 3600),
        # SECURITY R-06: a clock 90 s off is beyond the 60 s window.
        "iat_90s_old": lambda: dpop_proof(key, "POST", htu, iat=now - 90),
        "iat_90s_ahead": lambda: dpop_proof(key, "POST", htu, iat=now + 90),
        "no_jti": lambda: dpop_proof(key, "POST", htu, jti=""),
        "private_key": lambda: _private_jwk_proof(htu),
        "alg": lambda: dpop_proof(new_signer("PS256"), "POST", htu),
    }[case]()
    _assert_error(await _dpop_case(issuer, proof), "invalid_dpop_proof")


def _private_jwk_proof(htu: str) -> str:
    from sceau.core.encoding import b64url_encode
    from sceau.core.jose import SoftwareSigner, sign_compact_sync

    key = generate_private_key()
    signer = SoftwareSigner(key)
    d = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
    jwk = {**public_jwk(key), "d": b64url_encode(d)}
    claims = {"jti": "x", "htm": "POST", "htu": htu, "iat": int(time.time())}
    return sign_compact_sync({"typ": "dpop+jwt", "jwk": jwk}, claims, signer)


async def test_replayed_dpop_proof_is_refused(issuer: Issuer) -> None:
    key = new_signer()
    proof = dpop_proof(key, "POST", f"{issuer.issuer_id}/token")
    assert (await _dpop_case(issuer, proof)).status_code == 200
    _assert_error(await _dpop_case(issuer, proof), "invalid_dpop_proof", 401)


# -- credential endpoint: authorization errors (RFC 6750 §3) ---------------------------------


async def _credential_body(wallet: Wallet, type_id: str = "permit", **extra: Any) -> dict[str, Any]:
    nonce = await wallet.nonce()
    return {
        "credential_configuration_id": type_id,
        "proofs": {"jwt": [key_proof(new_signer(), wallet.issuer, nonce)]},
        **extra,
    }


def _assert_invalid_token(response: Any) -> None:
    _assert_error(response, "invalid_token", 401)
    assert response.headers["www-authenticate"].startswith('DPoP error="invalid_token"')


async def test_credential_without_access_token_is_invalid_token(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    _assert_invalid_token(await wallet.post_json("credential", body, headers={"X": "y"}))


async def test_unknown_or_expired_access_token_is_invalid_token(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    real = wallet.access_token
    wallet.access_token = "forged-token"
    _assert_invalid_token(await wallet.post_json("credential", body))
    wallet.access_token = real
    issuer.clock.now += 601
    _assert_invalid_token(await wallet.post_json("credential", body))


async def test_dpop_bound_token_used_as_bearer_is_invalid_token(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    headers = {"Authorization": f"Bearer {wallet.access_token}"}
    _assert_invalid_token(await wallet.post_json("credential", body, headers=headers))


async def test_dpop_proof_from_another_key_is_invalid_token(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    thief = new_signer()
    url = f"{issuer.issuer_id}/credential"
    headers = {
        "Authorization": f"DPoP {wallet.access_token}",
        "DPoP": dpop_proof(thief, "POST", url, access_token=wallet.access_token),
    }
    _assert_invalid_token(await wallet.post_json("credential", body, headers=headers))


async def test_dpop_proof_without_ath_is_refused_at_the_resource(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    headers = {
        "Authorization": f"DPoP {wallet.access_token}",
        "DPoP": dpop_proof(wallet.dpop_key, "POST", f"{issuer.issuer_id}/credential"),
    }
    _assert_error(
        await wallet.post_json("credential", body, headers=headers), "invalid_dpop_proof", 401
    )


async def test_configuration_outside_the_token_is_insufficient_scope(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    response = await wallet.post_json("credential", await _credential_body(wallet, "licence"))
    _assert_error(response, "insufficient_scope", 403)


# -- credential endpoint: request errors (§8.3.1.2) -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": 7, "proofs": {"jwt": ["x"]}},
        {"credential_configuration_id": "permit", "credential_identifier": "a", "proofs": {}},
        {"credential_configuration_id": "permit", "proofs": {"jwt": ["x"], "di_vp": [{}]}},
        {"credential_configuration_id": "permit", "proof": {"proof_type": "jwt", "jwt": "x"}},
    ],
)
async def test_malformed_credential_request_is_invalid_credential_request(
    issuer: Issuer, body: Any
) -> None:
    wallet, _ = await _token(issuer)
    _assert_error(await wallet.post_json("credential", body), "invalid_credential_request")


async def test_unknown_configuration_is_unknown_credential_configuration(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    response = await wallet.post_json("credential", await _credential_body(wallet, "nope"))
    _assert_error(response, "unknown_credential_configuration")


async def test_credential_identifier_is_unknown_credential_identifier(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    body = await _credential_body(wallet)
    del body["credential_configuration_id"]
    body["credential_identifier"] = "CivilEngineeringDegree-2023"
    _assert_error(await wallet.post_json("credential", body), "unknown_credential_identifier")


def _proof_case(case: str, issuer_id: str, nonce: str) -> Any:
    key = new_signer()
    now = int(time.time())
    return {
        "missing": None,
        "typ": key_proof(key, issuer_id, nonce, typ="JWT"),
        "aud": key_proof(key, "https://other.example", nonce),
        "iat_old": key_proof(key, issuer_id, nonce, iat=now - 3600),
        "iat_future": key_proof(key, issuer_id, nonce, iat=now + 3600),
        "iat_90s_old": key_proof(key, issuer_id, nonce, iat=now - 90),
        "iat_90s_ahead": key_proof(key, issuer_id, nonce, iat=now + 90),
        "no_nonce": key_proof(key, issuer_id, None),
        "kid": key_proof(key, issuer_id, nonce, header={"kid": "did:example:1#k"}),
        "signature": key_proof(key, issuer_id, nonce)[:-4] + "AAAA",
        "alg": key_proof(new_signer("PS256"), issuer_id, nonce),
        "not_jwt": "not.a.jwt",
        "empty": [],
    }[case]


@pytest.mark.parametrize(
    "case",
    ["missing", "typ", "aud", "iat_old", "iat_future", "iat_90s_old", "iat_90s_ahead", "no_nonce",
     "kid", "signature", "alg", "not_jwt", "empty"],
)  # fmt: skip
async def test_bad_key_proof_is_invalid_proof(issuer: Issuer, case: str) -> None:
    wallet, _ = await _token(issuer)
    nonce = await wallet.nonce()
    proof = _proof_case(case, issuer.issuer_id, nonce)
    body: dict[str, Any] = {"credential_configuration_id": "permit"}
    if case != "missing":
        body["proofs"] = {"jwt": proof if isinstance(proof, list) else [proof]}
    _assert_error(await wallet.post_json("credential", body), "invalid_proof")


@pytest.mark.parametrize("skew", [-10, 10])
async def test_a_wallet_clock_ten_seconds_off_is_accepted(issuer: Issuer, skew: int) -> None:
    """SECURITY R-06: +-10 s of clock skew works for the key proof."""
    wallet, _ = await _token(issuer)
    proof = key_proof(
        new_signer(), issuer.issuer_id, await wallet.nonce(), iat=int(time.time()) + skew
    )
    body = {"credential_configuration_id": "permit", "proofs": {"jwt": [proof]}}
    response = await wallet.post_json("credential", body)
    assert response.status_code == 200, response.text


async def test_unknown_reused_or_expired_c_nonce_is_invalid_nonce(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer, credential_configuration_ids=["permit", "licence"])
    forged = {
        "credential_configuration_id": "permit",
        "proofs": {"jwt": [key_proof(new_signer(), issuer.issuer_id, "made-up-nonce")]},
    }
    _assert_error(await wallet.post_json("credential", forged), "invalid_nonce")
    nonce = await wallet.nonce()
    first = {
        "credential_configuration_id": "permit",
        "proofs": {"jwt": [key_proof(new_signer(), issuer.issuer_id, nonce)]},
    }
    assert (await wallet.post_json("credential", first)).status_code == 200
    reused = {
        "credential_configuration_id": "licence",
        "proofs": {"jwt": [key_proof(new_signer(), issuer.issuer_id, nonce)]},
    }
    _assert_error(await wallet.post_json("credential", reused), "invalid_nonce")
    stale = await wallet.nonce()
    issuer.clock.now += 301
    proof = key_proof(new_signer(), issuer.issuer_id, stale, iat=int(issuer.clock.now))
    reused["proofs"] = {"jwt": [proof]}
    response = await wallet.post_json("credential", reused)
    _assert_error(response, "invalid_nonce")


@pytest.mark.parametrize("case", ["zip", "no_alg", "enc", "kty", "not_object", "private"])
async def test_bad_response_encryption_is_invalid_encryption_parameters(
    issuer: Issuer, case: str
) -> None:
    wallet, _ = await _token(issuer)
    key = generate_private_key("ES256")
    jwk = {**public_jwk(key), "alg": "ECDH-ES"}
    params: Any = {
        "zip": {"jwk": jwk, "enc": "A128GCM", "zip": "DEF"},
        "no_alg": {"jwk": public_jwk(key), "enc": "A128GCM"},
        "enc": {"jwk": jwk, "enc": "A128CBC-HS256"},
        "kty": {
            "jwk": {**public_jwk(generate_private_key("EdDSA")), "alg": "ECDH-ES"},
            "enc": "A128GCM",
        },
        "not_object": "yes please",
        "private": {"jwk": {**jwk, "d": "AAAA"}, "enc": "A128GCM"},
    }[case]
    body = await _credential_body(wallet, credential_response_encryption=params)
    # In an encrypted request (§8.2), so the parameters themselves are what is refused.
    _assert_error(await wallet.post_jwe("credential", body), "invalid_encryption_parameters")
    assert issuer.issuance.calls == []


async def test_claims_that_break_the_type_schema_are_credential_request_denied(
    issuer: Issuer,
) -> None:
    wallet, _ = await _token(issuer, claims={"given_name": 7})
    response = await wallet.post_json("credential", await _credential_body(wallet))
    _assert_error(response, "credential_request_denied")


async def test_unknown_transaction_id_is_invalid_transaction_id(issuer: Issuer) -> None:
    wallet, _ = await _token(issuer)
    response = await wallet.post_json("deferred_credential", {"transaction_id": "nope"})
    _assert_error(response, "invalid_transaction_id")


async def test_credential_request_with_another_media_type_is_invalid_credential_request(
    issuer: Issuer,
) -> None:
    wallet, _ = await _token(issuer)
    response = await issuer.http.post(
        wallet.path("credential"),
        content=b"{}",
        headers={**wallet.auth("credential"), "Content-Type": "text/plain"},
    )
    _assert_error(response, "invalid_credential_request")
