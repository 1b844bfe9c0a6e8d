"""End to end: offer → token → nonce → credential; batch, encryption, deferred, notification."""

import msgspec
import pytest

from sceau.core.jose import generate_private_key, jwe_decrypt, jwk_thumbprint, public_jwk
from sceau.core.sdjwt import verify_sd_jwt_vc

from .conftest import Issuer
from .wallet import new_signer, pre_authorized_code

pytestmark = pytest.mark.anyio


async def _wallet_with_token(issuer: Issuer, ids: list[str] | None = None):  # type: ignore[no-untyped-def]
    created = await issuer.offer_json(credential_configuration_ids=ids or ["permit"])
    wallet = issuer.wallet()
    response = await wallet.token(pre_authorized_code(created["credential_offer"]))
    assert response.status_code == 200, response.text
    return wallet, response


async def test_token_response_is_a_dpop_bound_token_for_the_offered_configurations(
    issuer: Issuer,
) -> None:
    wallet, response = await _wallet_with_token(issuer, ["permit", "licence"])
    body = response.json()
    assert body["token_type"] == "DPoP"
    assert body["expires_in"] == 600
    assert response.headers["cache-control"] == "no-store"
    assert "authorization_details" not in body  # none requested (§6.2)
    # The token covers exactly the offered configurations.
    assert (await wallet.credential("licence", [new_signer()])).status_code == 200
    assert (await wallet.credential("permit", [new_signer()])).status_code == 200
    assert (await wallet.credential("review", [new_signer()])).json()[
        "error"
    ] == "insufficient_scope"


async def test_anonymous_pre_authorized_access_refuses_a_proof_iss(issuer: Issuer) -> None:
    # F.1: iss "MUST be omitted" under anonymous pre-authorized access (SECURITY I-04).
    from .wallet import key_proof

    wallet, _ = await _wallet_with_token(issuer)
    proof = key_proof(new_signer(), issuer.issuer_id, await wallet.nonce(), iss="w")
    body = {"credential_configuration_id": "permit", "proofs": {"jwt": [proof]}}
    response = await wallet.post_json("credential", body)
    assert response.status_code == 400 and response.json()["error"] == "invalid_proof"
    # Nothing was issued: the same token still gets its credential with a proper proof.
    proof = key_proof(new_signer(), issuer.issuer_id, await wallet.nonce())
    body = {"credential_configuration_id": "permit", "proofs": {"jwt": [proof]}}
    response = await wallet.post_json("credential", body)
    assert response.status_code == 200, response.text


async def test_sd_jwt_vc_is_issued_bound_to_the_proof_key(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    holder = new_signer()
    response = await wallet.credential("permit", [holder])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"credentials", "notification_id"}
    [item] = body["credentials"]
    verified = verify_sd_jwt_vc(
        item["credential"],
        await issuer.issuer_public_key(),
        require_key_binding=False,
        allow_key_binding=False,
    )
    assert verified.claims["given_name"] == "Marie"
    assert verified.claims["cnf"]["jwk"] == holder.public_jwk
    assert verified.claims["iss"] == issuer.issuer_id


async def test_batch_binds_each_credential_to_a_distinct_key(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    keys = [new_signer() for _ in range(3)]
    response = await wallet.credential("permit", keys)
    assert response.status_code == 200, response.text
    credentials = [c["credential"] for c in response.json()["credentials"]]
    assert len(credentials) == 3 and len(set(credentials)) == 3
    bound = [c["holder_jwk"] for c in issuer.issuance.calls]
    assert [jwk_thumbprint(j) for j in bound] == [jwk_thumbprint(k.public_jwk) for k in keys]


async def test_batch_larger_than_the_type_allows_is_refused(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer, ["licence"])
    response = await wallet.credential("licence", [new_signer(), new_signer()])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_credential_request"


async def test_batch_with_the_same_key_twice_is_invalid_proof(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    key = new_signer()
    response = await wallet.credential("permit", [key, key])
    assert response.json()["error"] == "invalid_proof"


async def test_encrypted_credential_response_decrypts_with_the_wallet_key(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    enc_key = generate_private_key("ES256")
    jwk = {**public_jwk(enc_key), "alg": "ECDH-ES", "kid": "wallet-enc-1"}
    response = await wallet.credential(
        "permit",
        [new_signer()],
        credential_response_encryption={"jwk": jwk, "enc": "A256GCM"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/jwt")
    header, plaintext = jwe_decrypt(response.text, enc_key)
    assert header["alg"] == "ECDH-ES" and header["enc"] == "A256GCM"
    assert header["kid"] == "wallet-enc-1"
    assert len(msgspec.json.decode(plaintext)["credentials"]) == 1


async def test_second_request_for_the_same_configuration_does_not_issue_again(
    issuer: Issuer,
) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    assert (await wallet.credential("permit", [new_signer()])).status_code == 200
    again = await wallet.credential("permit", [new_signer()])
    assert again.status_code == 400
    assert again.json()["error"] == "credential_request_denied"
    assert len(issuer.issuance.calls) == 1


async def test_failed_write_after_signing_returns_nothing_and_keeps_the_nonce(
    issuer: Issuer,
) -> None:
    from .wallet import key_proof

    wallet, _ = await _wallet_with_token(issuer)
    nonce = await wallet.nonce()
    holder = new_signer()
    body = {
        "credential_configuration_id": "permit",
        "proofs": {"jwt": [key_proof(holder, issuer.issuer_id, nonce)]},
    }
    issuer.issuance.fail_after_signing = True
    failed = await wallet.post_json("credential", body)
    assert failed.status_code == 500
    assert failed.json() == {
        "error": "server_error",
        "error_description": failed.json()["error_description"],
    }
    issuer.issuance.fail_after_signing = False
    # Nothing was committed: the same nonce and configuration still work once.
    retried = await wallet.post_json("credential", body)
    assert retried.status_code == 200, retried.text


async def test_deferred_type_answers_202_then_the_credential_once(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer, ["review"])
    holder = new_signer()
    response = await wallet.credential("review", [holder])
    assert response.status_code == 202, response.text
    body = response.json()
    assert set(body) == {"transaction_id", "interval"} and body["interval"] == 5
    assert issuer.issuance.calls == []
    pending = await wallet.post_json(
        "deferred_credential", {"transaction_id": body["transaction_id"]}
    )
    assert pending.status_code == 202
    assert pending.json()["transaction_id"] == body["transaction_id"]
    issuer.clock.now += 6
    enc_key = generate_private_key("ES256")
    ready = await wallet.post_jwe(  # response encryption: the request is encrypted (§9.1)
        "deferred_credential",
        {
            "transaction_id": body["transaction_id"],
            "credential_response_encryption": {
                "jwk": {**public_jwk(enc_key), "alg": "ECDH-ES"},
                "enc": "A128GCM",
            },
        },
    )
    assert ready.status_code == 200, ready.text
    _, plaintext = jwe_decrypt(ready.text, enc_key)
    result = msgspec.json.decode(plaintext)
    assert len(result["credentials"]) == 1 and result["notification_id"]
    assert issuer.issuance.calls[0]["holder_jwk"] == holder.public_jwk
    again = await wallet.post_json(
        "deferred_credential", {"transaction_id": body["transaction_id"]}
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_transaction_id"


async def test_notification_is_accepted_and_idempotent(issuer: Issuer) -> None:
    wallet, _ = await _wallet_with_token(issuer)
    issued = (await wallet.credential("permit", [new_signer()])).json()
    event = {"notification_id": issued["notification_id"], "event": "credential_accepted"}
    first = await wallet.post_json("notification", event)
    assert first.status_code == 204
    assert (await wallet.post_json("notification", event)).status_code == 204
    unknown = await wallet.post_json("notification", {**event, "notification_id": "nope"})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_notification_id"
    bad_event = await wallet.post_json("notification", {**event, "event": "credential_lost"})
    assert bad_event.json()["error"] == "invalid_notification_request"
    missing = await wallet.post_json("notification", {"event": "credential_accepted"})
    assert missing.json()["error"] == "invalid_notification_request"


@pytest.mark.parametrize("type_id", ["permit-ldp", "permit-jwt"])
async def test_vc_formats_are_issued_with_the_holder_as_subject(
    issuer: Issuer, type_id: str
) -> None:
    wallet, _ = await _wallet_with_token(issuer, [type_id])
    holder = new_signer()
    response = await wallet.credential(type_id, [holder])
    assert response.status_code == 200, response.text
    [item] = response.json()["credentials"]
    credential = item["credential"]
    if type_id == "permit-ldp":
        assert credential["proof"]["type"] == "DataIntegrityProof"
        subject = credential["credentialSubject"]
    else:
        from sceau.core.jose import decode_compact_unverified

        header, payload = decode_compact_unverified(credential)
        subject = msgspec.json.decode(payload)["credentialSubject"]
        assert header["typ"] in ("vc+jwt", "JWT")
    assert subject["given_name"] == "Marie"
    from sceau.core.dids.did_jwk import did_jwk_from_jwk

    assert subject["id"] == did_jwk_from_jwk(holder.public_jwk)
