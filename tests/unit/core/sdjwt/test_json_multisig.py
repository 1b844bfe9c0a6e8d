"""General JWS JSON Serialization with several signatures (RFC 9901 §8.3, §8.4; RFC 7515 §7.2.1).

One signature by the Issuer's key must verify; others (co-signers unknown to the verifier, bogus
ones) are ignored; ``disclosures``/``kb_jwt`` live in the first unprotected header only; the KB-JWT
``sd_hash`` covers the compact form built from the first signature; the count is capped.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from sceau.core.encoding import b64url_encode
from sceau.core.errors import (
    InputTooLarge,
    InvalidInput,
    InvalidSignature,
    SceauError,
    UnsupportedAlgorithm,
)
from sceau.core.jose import SoftwareSigner, generate_private_key, public_jwk, sign_compact_sync
from sceau.core.sdjwt import (
    DEFAULT_MAX_SIGNATURES,
    SD,
    StaticIssuerKeys,
    from_json_serialization,
    issue_sd_jwt_sync,
    issue_sd_jwt_vc_sync,
    kb_jwt_payload,
    parse_json_serialization,
    select_disclosures,
    to_json_serialization,
    verify_sd_jwt_json,
    verify_sd_jwt_vc_json,
)

ISS = "https://issuer.example"
AUD = "https://verifier.example"
NONCE = "n-0S6_WzA2Mj"
NOW = 1_767_225_600
ISSUER = SoftwareSigner(generate_private_key(), key_id="issuer-1")
COSIGNER = SoftwareSigner(generate_private_key(), key_id="cosigner-1")
HOLDER = SoftwareSigner(generate_private_key())
ISSUER_PUB = ISSUER.private_key.public_key()


def _cosign(payload: str, signer: SoftwareSigner, typ: str = "example+sd-jwt") -> dict[str, str]:
    header = {"alg": signer.algorithm, "typ": typ, "kid": signer.key_id}
    protected = b64url_encode(json.dumps(header).encode())
    sig = signer.sign_sync(f"{protected}.{payload}".encode("ascii"))
    return {"protected": protected, "signature": b64url_encode(sig)}


def _bogus(entry: dict[str, Any]) -> dict[str, Any]:
    sig = bytearray(entry["signature"].encode())
    sig[5] = ord("A") if sig[5] != ord("A") else ord("B")
    return {**entry, "signature": sig.decode()}


def _issued(typ: str = "example+sd-jwt") -> str:
    return issue_sd_jwt_sync(
        {"iss": ISS, "iat": NOW, SD("given_name"): "Jeanne", SD("family_name"): "Tremblay"},
        ISSUER,
        typ=typ,
        holder_jwk=public_jwk(HOLDER.private_key.public_key()),
    ).compact


def _general(sd_jwt: str, *, extra: list[dict[str, Any]], first_bogus: bool = False) -> dict:
    """General JSON with the issuer's signature first (or a bogus copy of it), then ``extra``;
    the holder's KB-JWT ``sd_hash`` over the first signature's compact form (§8.1)."""
    jwt, chosen = select_disclosures(sd_jwt, {"given_name": True})
    base = to_json_serialization("~".join([jwt, *chosen, ""]), general=True)
    first = base["signatures"][0]
    if first_bogus:
        first = _bogus(first)
    first["header"] = {"disclosures": chosen}
    doc = {"payload": base["payload"], "signatures": [first, *extra]}
    sd_hash_input = parse_json_serialization(doc, max_signatures=100).sd_hash_input
    claims = kb_jwt_payload(sd_hash_input, "sha-256", audience=AUD, nonce=NONCE, iat=NOW)
    first["header"]["kb_jwt"] = sign_compact_sync({"typ": "kb+jwt"}, claims, HOLDER)
    return doc


def _verify(doc: Any, **kw: Any) -> Any:
    return verify_sd_jwt_json(json.dumps(doc), ISSUER_PUB, audience=AUD, nonce=NONCE, now=NOW, **kw)


def test_issuer_signature_plus_an_unknown_cosignature_verifies() -> None:
    sd_jwt = _issued()
    doc = _general(sd_jwt, extra=[_cosign(to_json_serialization(sd_jwt)["payload"], COSIGNER)])
    verified = _verify(doc)
    assert verified.claims["given_name"] == "Jeanne" and "family_name" not in verified.claims
    assert verified.kb_claims is not None


def test_one_bogus_and_one_valid_issuer_signature_verifies_with_the_valid_one() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, ISSUER)], first_bogus=True)
    assert _verify(doc).claims["given_name"] == "Jeanne"


def test_all_signatures_bogus_is_rejected_with_the_first_signatures_error() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, COSIGNER)], first_bogus=True)
    with pytest.raises(InvalidSignature):
        _verify(doc)
    # Two altered copies of the issuer's signature: same outcome.
    doc = _general(sd_jwt, extra=[_bogus(_cosign(payload, ISSUER))], first_bogus=True)
    with pytest.raises(InvalidSignature):
        _verify(doc)


def test_tampered_payload_fails_every_signature() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, ISSUER)])
    doc["payload"] = doc["payload"][:-2] + ("AA" if not doc["payload"].endswith("AA") else "BA")
    with pytest.raises(SceauError):
        _verify(doc)


def test_a_none_or_disallowed_algorithm_signature_does_not_count() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    none = {
        "protected": b64url_encode(b'{"alg":"none","typ":"example+sd-jwt"}'),
        "signature": "",
    }
    # none first (with the SD-JWT members), the issuer's valid signature second: accepted on
    # the strength of the second only.
    doc = _general(sd_jwt, extra=[_cosign(payload, ISSUER)])
    doc["signatures"][0] = {**none, "header": doc["signatures"][0]["header"]}
    # sd_hash was over the original first signature: rebuild the KB over the new first one.
    doc = _rebind(doc)
    assert _verify(doc).claims["given_name"] == "Jeanne"
    doc["signatures"] = doc["signatures"][:1]
    with pytest.raises(UnsupportedAlgorithm) as err:
        _verify(doc)
    assert err.value.code == "alg_none"


def _rebind(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    header = doc["signatures"][0]["header"]
    header.pop("kb_jwt", None)
    sd_hash_input = parse_json_serialization(doc).sd_hash_input
    claims = kb_jwt_payload(sd_hash_input, "sha-256", audience=AUD, nonce=NONCE, iat=NOW)
    header["kb_jwt"] = sign_compact_sync({"typ": "kb+jwt"}, claims, HOLDER)
    return doc


def test_sd_hash_over_the_verifying_signature_instead_of_the_first_is_rejected() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, ISSUER)], first_bogus=True)
    parsed = parse_json_serialization(doc)
    second = parsed.compact(1)
    wrong = second[: second.rindex("~") + 1]  # the second signature's SD-JWT
    claims = kb_jwt_payload(wrong, "sha-256", audience=AUD, nonce=NONCE, iat=NOW)
    doc["signatures"][0]["header"]["kb_jwt"] = sign_compact_sync({"typ": "kb+jwt"}, claims, HOLDER)
    with pytest.raises(SceauError) as err:
        _verify(doc)
    assert err.value.code == "kb_sd_hash_mismatch"


def test_too_many_signatures_are_refused_before_any_verification() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    extra = [_cosign(payload, COSIGNER) for _ in range(DEFAULT_MAX_SIGNATURES)]
    doc = _general(sd_jwt, extra=extra)
    with pytest.raises(InputTooLarge) as err:
        _verify(doc)
    assert err.value.code == "too_many_signatures"
    # The cap is configurable: the same document passes with a higher one.
    assert _verify(doc, max_signatures=DEFAULT_MAX_SIGNATURES + 1).claims["given_name"]


@pytest.mark.parametrize("member", ["disclosures", "kb_jwt"])
def test_sd_jwt_members_outside_the_first_header_are_refused(member: str) -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, COSIGNER)])
    doc["signatures"][1]["header"] = {member: doc["signatures"][0]["header"][member]}
    with pytest.raises(InvalidInput) as err:
        _verify(doc)
    assert err.value.code == "malformed_sd_jwt"


@pytest.mark.parametrize(
    "signatures", [[], "x", [1], [{"protected": "e30"}]], ids=["empty", "str", "int", "no-sig"]
)
def test_malformed_signatures_arrays_are_precise_errors(signatures: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_json_serialization({"payload": "e30", "signatures": signatures})


def test_general_and_flattened_members_together_are_refused() -> None:
    doc = to_json_serialization(_issued() + "", general=True)
    doc["protected"] = doc["signatures"][0]["protected"]
    with pytest.raises(InvalidInput):
        parse_json_serialization(doc)


def test_compact_conversion_refuses_several_signatures_but_keeps_one() -> None:
    sd_jwt = _issued()
    payload = to_json_serialization(sd_jwt)["payload"]
    doc = _general(sd_jwt, extra=[_cosign(payload, COSIGNER)])
    with pytest.raises(InvalidInput) as err:
        from_json_serialization(doc)
    assert err.value.code == "multiple_signatures"
    one = {"payload": doc["payload"], "signatures": doc["signatures"][:1]}
    assert from_json_serialization(one).startswith(doc["signatures"][0]["protected"] + ".")
    assert _verify(one).claims["given_name"] == "Jeanne"


def test_sd_jwt_vc_with_an_unknown_cosigner_kid_verifies_through_the_trust_lookup() -> None:
    issued = issue_sd_jwt_vc_sync(
        "https://credentials.example/pid",
        {SD("given_name"): "Jeanne"},
        ISSUER,
        iss=ISS,
        iat=NOW,
        exp=NOW + 3600,
        holder_jwk=public_jwk(HOLDER.private_key.public_key()),
        header={"kid": "issuer-1"},
    ).compact
    payload = to_json_serialization(issued)["payload"]
    keys = StaticIssuerKeys({ISS: {"issuer-1": ISSUER_PUB}})
    # The co-signer's kid is unknown to the trust lookup: that signature is skipped, not fatal.
    doc = _general(issued, extra=[_cosign(payload, COSIGNER, typ="dc+sd-jwt")])
    verified = verify_sd_jwt_vc_json(doc, keys, audience=AUD, nonce=NONCE, now=NOW)
    assert verified.vct == "https://credentials.example/pid"
    # Issuer's signature bogus, co-signer's valid but not trusted: rejected.
    doc = _general(issued, extra=[_cosign(payload, COSIGNER, typ="dc+sd-jwt")], first_bogus=True)
    with pytest.raises(InvalidSignature):
        verify_sd_jwt_vc_json(doc, keys, audience=AUD, nonce=NONCE, now=NOW)
