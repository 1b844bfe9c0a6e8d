"""SD-JWT VC interop with PyPI `sd-jwt` 0.10.4 (the RFC 9901 reference implementation), both
directions, including Key Binding JWTs."""

import json
import time

import pytest
from joserfc.jwk import ECKey
from jwcrypto.jwk import JWK
from jwcrypto.jws import JWS
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from sceau.core.encoding import b64url_decode
from sceau.core.errors import SceauError
from sceau.core.jose import SoftwareSigner, generate_private_key
from sceau.core.sdjwt import (
    SD,
    create_presentation_sync,
    issue_sd_jwt_vc_sync,
    verify_sd_jwt_vc,
    verify_sd_jwt_vc_json,
)

pytestmark = pytest.mark.interop
VCT = "https://credentials.example/identity"
ISS = "https://issuer.example"
AUD = "https://verifier.example"


def _jwcrypto(signer: SoftwareSigner, private: bool) -> JWK:
    return JWK.from_json(json.dumps(ECKey.import_key(signer.private_key).as_dict(private=private)))


def test_pypi_sd_jwt_verifies_sceau_presentations_with_key_binding() -> None:
    issuer, holder = SoftwareSigner(generate_private_key()), SoftwareSigner(generate_private_key())
    now = int(time.time())
    issued = issue_sd_jwt_vc_sync(
        VCT,
        {
            "given_name": "Élise",
            "address": {SD("locality"): "Gatineau", "country": "CA"},
            "nationalities": [SD("CA"), SD("FR")],
        },
        issuer,
        iss=ISS,
        iat=now,
        exp=now + 3600,
        holder_jwk=holder.public_jwk,
        disclosable=["given_name", "address"],
    )
    frame = {"given_name": True, "address": {"locality": True}, "nationalities": [True, False]}
    token = create_presentation_sync(
        issued.compact, frame, holder_signer=holder, audience=AUD, nonce="n-1", iat=now
    )

    def issuer_key(iss: str, header: dict) -> JWK:  # type: ignore[type-arg]
        assert iss == ISS and header["typ"] == "dc+sd-jwt"
        return _jwcrypto(issuer, private=False)

    verified = SDJWTVerifier(token, issuer_key, AUD, "n-1").get_verified_payload()
    assert verified["given_name"] == "Élise" and verified["nationalities"] == ["CA"]
    assert verified["address"] == {"country": "CA", "locality": "Gatineau"}
    with pytest.raises(Exception):  # noqa: B017 - the reference raises a bare ValueError
        SDJWTVerifier(token, issuer_key, AUD, "other-nonce").get_verified_payload()


def test_sceau_verifies_pypi_sd_jwt_issued_and_presented_credentials() -> None:
    issuer, holder = SoftwareSigner(generate_private_key()), SoftwareSigner(generate_private_key())
    claims = {
        "iss": ISS,
        "iat": int(time.time()),
        "vct": VCT,
        SDObj("given_name"): "Jean",
        SDObj("family_name"): "Côté",
        "nationalities": [SDObj("CA"), "FR"],
    }
    ref = SDJWTIssuer(
        claims,
        _jwcrypto(issuer, True),
        _jwcrypto(holder, False),
        add_decoy_claims=True,
        extra_header_parameters={"typ": "dc+sd-jwt"},
    )
    issuer_pub = issuer.private_key.public_key()
    full = verify_sd_jwt_vc(
        ref.sd_jwt_issuance, issuer_pub, require_key_binding=False, allow_key_binding=False
    )
    assert full.claims["family_name"] == "Côté" and full.claims["nationalities"] == ["CA", "FR"]

    h = SDJWTHolder(ref.sd_jwt_issuance)
    h.create_presentation(
        {"given_name": True, "nationalities": [False]}, "n-2", AUD, _jwcrypto(holder, True)
    )
    presented = verify_sd_jwt_vc(h.sd_jwt_presentation, issuer_pub, audience=AUD, nonce="n-2")
    assert presented.claims["given_name"] == "Jean" and presented.claims["nationalities"] == ["FR"]
    assert "family_name" not in presented.claims
    with pytest.raises(SceauError) as exc:
        verify_sd_jwt_vc(
            h.sd_jwt_presentation, issuer_pub, audience="https://other.example", nonce="n-2"
        )
    assert exc.value.code == "kb_aud_mismatch"


def test_jwcrypto_general_json_with_two_signatures_verifies_in_sceau_by_either_key() -> None:
    """RFC 9901 §8.3 with a multi-signature JWS made by jwcrypto (RFC 7515 §7.2.1): Sceau
    accepts it when one signature is the issuer's, whichever position it has, and refuses it
    when none is."""
    issuer, cosigner = (
        SoftwareSigner(generate_private_key()),
        SoftwareSigner(generate_private_key()),
    )
    now = int(time.time())
    compact = issue_sd_jwt_vc_sync(
        VCT, {SD("given_name"): "Élise"}, issuer, iss=ISS, iat=now, exp=now + 600
    ).compact
    jwt, *disclosures, _ = compact.split("~")
    header_b64, payload_b64, _ = jwt.split(".")
    protected = b64url_decode(header_b64).decode()
    payload = b64url_decode(payload_b64).decode()

    def general(order: list[SoftwareSigner]) -> dict:
        jws = JWS(payload=payload)
        for signer in order:
            jws.add_signature(_jwcrypto(signer, True), alg="ES256", protected=protected)
        doc = json.loads(jws.serialize(compact=False))
        assert len(doc["signatures"]) == len(order)
        doc["signatures"][0]["header"] = {"disclosures": disclosures}
        return doc

    for order in ([issuer, cosigner], [cosigner, issuer]):
        verified = verify_sd_jwt_vc_json(
            general(order), issuer.private_key.public_key(), require_key_binding=False, now=now
        )
        assert verified.claims["given_name"] == "Élise"
    with pytest.raises(SceauError):
        verify_sd_jwt_vc_json(
            general([cosigner, cosigner]),
            issuer.private_key.public_key(),
            require_key_binding=False,
            now=now,
        )
