"""VC-JOSE (application/vc+jwt, application/vp+jwt) and enveloped credentials."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from sceau.core.dids import did_key_from_public_key
from sceau.core.encoding import b64url_encode
from sceau.core.jose import (
    SoftwareSigner,
    decode_compact_unverified,
    generate_private_key,
    sign_compact_sync,
)
from sceau.core.vc.jose import (
    VcJoseError,
    enveloped_credential,
    enveloped_credentials_of,
    sign_vc_jwt,
    sign_vp_jwt,
    unwrap_enveloped,
    verify_vc_jwt,
    verify_vc_jwt_with_resolver,
    verify_vp_jwt,
)
from sceau.core.vc.model import CredentialExpired, InvalidCredential, validate_credential

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "vcjose_spec_examples.json").read_text()
)
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
ISSUER = "https://issuer.example.gc.ca"


def _vc(issuer: Any = ISSUER, **extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7b1cbb6e-2f5c-4c1f-9b4c-0d7e1f3f0a11",
        "type": ["VerifiableCredential", "EmployeeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "employeeId": "E-42"},
        **extra,
    }


@pytest.fixture(scope="module")
def signer() -> SoftwareSigner:
    return SoftwareSigner(generate_private_key("ES256"), key_id="issuer-key-1")


def _sign(doc: dict[str, Any], signer: SoftwareSigner, **kw: Any) -> str:
    return asyncio.run(sign_vc_jwt(doc, signer, **kw))


def _pub(signer: SoftwareSigner) -> Any:
    return signer.private_key.public_key()


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA"])
def test_vc_jwt_round_trip_keeps_the_document_as_payload(alg: str) -> None:
    s = SoftwareSigner(generate_private_key(alg), algorithm=alg, key_id="k")
    token = _sign(_vc(), s, now=NOW, exp=NOW + 3600)
    header, payload = decode_compact_unverified(token)
    assert header == {"alg": alg, "kid": "k", "typ": "vc+jwt"}
    claims = json.loads(payload)
    assert claims["iss"] == ISSUER and claims["iat"] == NOW and claims["exp"] == NOW + 3600
    out = verify_vc_jwt(token, _pub(s), now=NOW, algorithms=[alg])
    assert out.media_type == "vc"
    assert {k: v for k, v in out.document.items() if k not in ("iss", "iat", "exp")} == _vc()


def test_issuer_object_id_becomes_iss(signer: SoftwareSigner) -> None:
    token = _sign(_vc(issuer={"id": ISSUER, "name": "GC"}), signer)
    assert json.loads(decode_compact_unverified(token)[1])["iss"] == ISSUER


def test_cty_vc_is_accepted_and_other_cty_rejected(signer: SoftwareSigner) -> None:
    token = _sign(_vc(), signer, cty=True)
    assert decode_compact_unverified(token)[0]["cty"] == "vc"
    assert verify_vc_jwt(token, _pub(signer), now=NOW)
    bad = sign_compact_sync({"typ": "vc+jwt", "cty": "vp"}, {**_vc(), "iss": ISSUER}, signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(bad, _pub(signer), now=NOW)


@pytest.mark.parametrize("typ", [None, "JWT", "vp+jwt", "dc+sd-jwt", "statuslist+jwt"])
def test_vc_jwt_with_other_or_missing_typ_is_rejected(signer: SoftwareSigner, typ: Any) -> None:
    header = {} if typ is None else {"typ": typ}
    token = sign_compact_sync(header, _vc(), signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(token, _pub(signer), now=NOW)


def test_missing_typ_is_accepted_only_when_allowed(signer: SoftwareSigner) -> None:
    token = sign_compact_sync({}, _vc(), signer)
    assert verify_vc_jwt(token, _pub(signer), now=NOW, require_typ=False).document["issuer"]
    wrong = sign_compact_sync({"typ": "JWT"}, _vc(), signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(wrong, _pub(signer), now=NOW, require_typ=False)


def test_iss_that_differs_from_issuer_is_rejected(signer: SoftwareSigner) -> None:
    token = sign_compact_sync({"typ": "vc+jwt"}, {**_vc(), "iss": ISSUER + ".evil"}, signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(token, _pub(signer), now=NOW)


@pytest.mark.parametrize("claim", ["vc", "vp"])
def test_vc_and_vp_jwt_claims_are_refused(signer: SoftwareSigner, claim: str) -> None:
    with pytest.raises(VcJoseError):
        _sign(_vc(**{claim: {}}), signer)
    token = sign_compact_sync({"typ": "vc+jwt"}, {**_vc(), claim: {}}, signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(token, _pub(signer), now=NOW)


def test_expired_jwt_and_expired_credential_are_rejected(signer: SoftwareSigner) -> None:
    with pytest.raises(VcJoseError):
        verify_vc_jwt(_sign(_vc(), signer, exp=NOW - 3600), _pub(signer), now=NOW)
    expired = _sign(_vc(validUntil="2025-06-01T00:00:00Z"), signer)
    with pytest.raises(CredentialExpired):
        verify_vc_jwt(expired, _pub(signer), now=NOW)
    assert verify_vc_jwt(expired, _pub(signer), now=NOW, check_validity=False)


@pytest.mark.parametrize("exp", ["9999999999", 1.5, -1, 2**64, True])
def test_non_numeric_exp_is_rejected(signer: SoftwareSigner, exp: Any) -> None:
    token = sign_compact_sync({"typ": "vc+jwt"}, {**_vc(), "exp": exp}, signer)
    with pytest.raises(VcJoseError):
        verify_vc_jwt(token, _pub(signer), now=NOW)


def test_invalid_credential_payload_is_rejected(signer: SoftwareSigner) -> None:
    doc = _vc()
    del doc["credentialSubject"]
    with pytest.raises(InvalidCredential):
        _sign(doc, signer)
    token = sign_compact_sync({"typ": "vc+jwt"}, doc, signer)
    with pytest.raises(InvalidCredential, match="credentialSubject"):
        verify_vc_jwt(token, _pub(signer), now=NOW)


def test_signature_by_another_key_is_rejected(signer: SoftwareSigner) -> None:
    token = _sign(_vc(), signer)
    with pytest.raises(Exception) as exc:
        verify_vc_jwt(token, generate_private_key().public_key(), now=NOW)
    assert exc.value.code == "invalid_signature"


@pytest.mark.parametrize("alg_header", ["none", "None", "HS256"])
def test_unsigned_or_hmac_vc_jwt_is_rejected(signer: SoftwareSigner, alg_header: str) -> None:
    token = _sign(_vc(), signer)
    _, payload, _ = token.split(".")
    head = b64url_encode(json.dumps({"alg": alg_header, "typ": "vc+jwt"}).encode())
    with pytest.raises(Exception) as exc:
        verify_vc_jwt(f"{head}.{payload}.", _pub(signer), now=NOW)
    assert exc.value.code in {"alg_none", "alg_not_allowed", "bad_base64", "malformed_jws"}


def test_vp_jwt_token_is_not_accepted_as_a_vc(signer: SoftwareSigner) -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": ISSUER,
    }
    token = asyncio.run(sign_vp_jwt(vp, signer))
    with pytest.raises(VcJoseError):
        verify_vc_jwt(token, _pub(signer), now=NOW)


# --- DID issuers ----------------------------------------------------------------------------


def test_did_issuer_needs_a_kid_of_that_did_and_verifies_through_resolution() -> None:
    key = generate_private_key("ES256")
    did = did_key_from_public_key(key.public_key())
    kid = f"{did}#{did.removeprefix('did:key:')}"
    with pytest.raises(Exception, match="kid"):
        _sign(_vc(issuer=did), SoftwareSigner(key, key_id="not-a-did-url"))
    token = _sign(_vc(issuer=did), SoftwareSigner(key, key_id=kid))
    out = asyncio.run(verify_vc_jwt_with_resolver(token, None, now=NOW))
    assert out.document["issuer"] == did


def test_kid_of_another_did_than_the_issuer_is_rejected() -> None:
    attacker = generate_private_key("ES256")
    attacker_did = did_key_from_public_key(attacker.public_key())
    kid = f"{attacker_did}#{attacker_did.removeprefix('did:key:')}"
    victim_did = did_key_from_public_key(generate_private_key().public_key())
    doc = {**_vc(issuer=victim_did), "iss": victim_did}
    token = sign_compact_sync({"typ": "vc+jwt", "kid": kid}, doc, SoftwareSigner(attacker))
    with pytest.raises(VcJoseError):
        asyncio.run(verify_vc_jwt_with_resolver(token, None, now=NOW))


# --- presentations and envelopes ------------------------------------------------------------


def test_vp_jwt_carries_enveloped_vc_jwts_that_verify_separately(signer: SoftwareSigner) -> None:
    vc_token = _sign(_vc(), signer)
    holder_key = generate_private_key("ES256")
    holder = did_key_from_public_key(holder_key.public_key())
    holder_kid = f"{holder}#{holder.removeprefix('did:key:')}"
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [enveloped_credential(vc_token)],
    }
    vp_token = asyncio.run(
        sign_vp_jwt(vp, SoftwareSigner(holder_key, key_id=holder_kid), nonce="n-1", audience="x")
    )
    assert decode_compact_unverified(vp_token)[0]["typ"] == "vp+jwt"
    out = verify_vp_jwt(vp_token, holder_key.public_key(), now=NOW, nonce="n-1", audience="x")
    (inner,) = enveloped_credentials_of(out.document)
    assert inner == vc_token
    assert verify_vc_jwt(inner, _pub(signer), now=NOW).document["id"] == _vc()["id"]
    with pytest.raises(VcJoseError):
        verify_vp_jwt(vp_token, holder_key.public_key(), now=NOW, nonce="other")
    with pytest.raises(VcJoseError):
        verify_vp_jwt(vp_token, holder_key.public_key(), now=NOW, audience="other")


def test_vp_jwt_with_embedded_unsecured_credential_is_rejected(signer: SoftwareSigner) -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [_vc()],
    }
    with pytest.raises(VcJoseError):
        asyncio.run(sign_vp_jwt(vp, signer))


def test_enveloped_credential_is_a_data_url(signer: SoftwareSigner) -> None:
    token = _sign(_vc(), signer)
    env = enveloped_credential(token)
    assert env["type"] == "EnvelopedVerifiableCredential"
    assert env["id"] == "data:application/vc+jwt," + token
    assert unwrap_enveloped(env) == token


@pytest.mark.parametrize(
    "url_prefix",
    ["data:application/vc+jwt;base64,", "data:application/vp+jwt,", "https://x.example/", ""],
)
def test_enveloped_credential_with_other_data_url_is_rejected(
    signer: SoftwareSigner, url_prefix: str
) -> None:
    token = _sign(_vc(), signer)
    env = {"type": "EnvelopedVerifiableCredential", "id": url_prefix + token}
    with pytest.raises(VcJoseError):
        unwrap_enveloped(env)


def test_enveloped_credential_with_garbage_token_is_rejected() -> None:
    with pytest.raises(Exception) as exc:
        unwrap_enveloped(
            {"type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,a.b"}
        )
    assert exc.value.code in {"malformed_jws", "bad_base64", "invalid_input"}


# --- spec examples --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXAMPLES["tokens"]))
def test_spec_example_tokens_decode_to_valid_documents(name: str) -> None:
    header, payload = decode_compact_unverified(EXAMPLES["tokens"][name])
    assert header["alg"] == "ES256" and "typ" not in header  # the examples omit typ (SHOULD)
    doc = json.loads(payload)
    types = doc["type"] if isinstance(doc["type"], list) else [doc["type"]]
    if "VerifiableCredential" in types:
        validate_credential(doc)


def test_spec_example_credential_resigned_verifies_without_typ(signer: SoftwareSigner) -> None:
    _, payload = decode_compact_unverified(EXAMPLES["tokens"]["vcjose_line266"])
    doc = json.loads(payload)
    token = sign_compact_sync({"kid": signer.key_id}, doc, signer)
    out = verify_vc_jwt(token, _pub(signer), now=NOW, require_typ=False)
    assert out.document == doc
