"""SD-JWT VC benchmarks: issue with 10 disclosable claims, verify a presentation with KB-JWT,
each for Sceau and for PyPI ``sd-jwt`` (reference implementation) in the same run.

Run through ``bench/formats.py`` (pins to one core) or alone: ``python bench/formats_sdjwt.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sceau.core.jose import SoftwareSigner, generate_private_key
from sceau.core.sdjwt import create_presentation_sync, issue_sd_jwt_vc_sync, verify_sd_jwt_vc

try:
    from formats import measure
except ImportError:  # pragma: no cover - running from another directory
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from formats import measure

Emit = Callable[[dict[str, Any]], None]
ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
VCT = "https://credentials.example/identity"
ISS = "https://issuer.example"
AUD = "https://verifier.example"
NONCE = "bench-nonce"
CLAIMS = {
    "given_name": "Jean",
    "family_name": "Tremblay",
    "birthdate": "1980-01-01",
    "email": "jean@example.ca",
    "phone_number": "+1-613-555-0100",
    "address": {
        "street_address": "80 Wellington",
        "locality": "Ottawa",
        "region": "ON",
        "country": "CA",
    },
    "nationality": "CA",
    "age_over_18": True,
    "age_over_65": False,
    "personal_id": "123-456-789",
}


def run(emit: Emit, *, seconds: float = 1.0) -> None:
    issuer = SoftwareSigner(generate_private_key("ES256"))
    holder = SoftwareSigner(generate_private_key("ES256"))
    issuer_pub = issuer.private_key.public_key()
    now = int(time.time())
    names = list(CLAIMS)
    holder_jwk = holder.public_jwk

    def sceau_issue() -> str:
        return issue_sd_jwt_vc_sync(
            VCT,
            CLAIMS,
            issuer,
            iss=ISS,
            iat=now,
            exp=now + 86400,
            holder_jwk=holder_jwk,
            disclosable=names,
        ).compact

    issued = sceau_issue()
    frame = dict.fromkeys(names, True)
    presentation = create_presentation_sync(
        issued, frame, holder_signer=holder, audience=AUD, nonce=NONCE, iat=now
    )

    def sceau_verify_kb() -> object:
        return verify_sd_jwt_vc(presentation, issuer_pub, audience=AUD, nonce=NONCE, now=now)

    def sceau_present_kb() -> str:
        return create_presentation_sync(
            issued, frame, holder_signer=holder, audience=AUD, nonce=NONCE, iat=now
        )

    def sceau_verify_no_kb() -> object:
        return verify_sd_jwt_vc(issued, issuer_pub, require_key_binding=False, now=now)

    assert len(sceau_verify_kb().claims) >= 10  # type: ignore[attr-defined]
    # Floor for context: verify+KB needs two ES256 verifications, issue needs one signature.
    message = presentation.split("~")[0].encode()
    raw_sig = issuer.private_key.sign(message, ECDSA_SHA256)
    emit(
        measure(
            "jose.es256.sign.cryptography_raw",
            lambda: issuer.private_key.sign(message, ECDSA_SHA256),
            seconds=seconds,
        )
    )
    emit(
        measure(
            "jose.es256.verify.cryptography_raw",
            lambda: issuer_pub.verify(raw_sig, message, ECDSA_SHA256),
            seconds=seconds,
        )
    )
    emit(measure("sdjwt.issue.sceau", sceau_issue, seconds=seconds))
    emit(measure("sdjwt.verify_kb.sceau", sceau_verify_kb, seconds=seconds))
    emit(
        measure(
            "sdjwt.verify_kb.floor_unchecked",
            _unchecked_verify_kb(presentation, issuer_pub, holder.private_key.public_key()),
            seconds=seconds,
        )
    )
    emit(measure("sdjwt.verify.sceau", sceau_verify_no_kb, seconds=seconds))
    emit(measure("sdjwt.present_kb.sceau", sceau_present_kb, seconds=seconds))
    _pypi(emit, issuer, holder, now, seconds)


def _unchecked_verify_kb(
    presentation: str, issuer_pub: ec.EllipticCurvePublicKey, holder_pub: ec.EllipticCurvePublicKey
) -> Callable[[], object]:
    """A FLOOR for context, never a verifier: the least work any Python SD-JWT+KB verification
    does (split, decode, two ES256 verifications, hash the disclosures, sd_hash) with none of
    RFC 9901 §7's checks, limits or error handling. Sceau's figure is read against this one."""
    decode = msgspec.json.decode

    def b64(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    def der(sig: bytes) -> bytes:
        return encode_dss_signature(
            int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        )

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode()).digest()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def verify() -> object:
        parts = presentation.split("~")
        h, p, s = parts[0].split(".")
        payload = decode(b64(p))
        issuer_pub.verify(der(b64(s)), f"{h}.{p}".encode(), ECDSA_SHA256)
        by_digest = {digest(d): decode(b64(d)) for d in parts[1:-1]}
        claims = {k: v for k, v in payload.items() if k != "_sd"}
        for d in payload["_sd"]:
            found = by_digest.get(d)
            if found is not None:
                claims[found[1]] = found[2]
        kh, kp, ks = parts[-1].split(".")
        kb = decode(b64(kp))
        holder_pub.verify(der(b64(ks)), f"{kh}.{kp}".encode(), ECDSA_SHA256)
        if kb["sd_hash"] != digest(presentation[: len(presentation) - len(parts[-1])]):
            raise ValueError("sd_hash")
        return claims

    assert len(verify()) >= 10  # type: ignore[arg-type]
    return verify


def _pypi(
    emit: Emit, issuer: SoftwareSigner, holder: SoftwareSigner, now: int, seconds: float
) -> None:
    from joserfc.jwk import ECKey
    from jwcrypto.jwk import JWK
    from sd_jwt.common import SDObj
    from sd_jwt.holder import SDJWTHolder
    from sd_jwt.issuer import SDJWTIssuer
    from sd_jwt.verifier import SDJWTVerifier

    logging.getLogger("sd_jwt").setLevel(logging.ERROR)
    ikey = JWK.from_json(json.dumps(ECKey.import_key(issuer.private_key).as_dict(private=True)))
    ipub = JWK.from_json(ikey.export_public())
    hkey = JWK.from_json(json.dumps(ECKey.import_key(holder.private_key).as_dict(private=True)))
    claims = {"iss": ISS, "iat": now, "exp": now + 86400, "vct": VCT}
    claims.update({SDObj(k): v for k, v in CLAIMS.items()})  # type: ignore[misc]

    def pypi_issue() -> str:
        return str(
            SDJWTIssuer(
                claims, ikey, hkey, extra_header_parameters={"typ": "dc+sd-jwt"}
            ).sd_jwt_issuance
        )

    h = SDJWTHolder(pypi_issue())
    h.create_presentation(dict.fromkeys(CLAIMS, True), NONCE, AUD, hkey)
    presentation = h.sd_jwt_presentation

    def pypi_verify_kb() -> object:
        return SDJWTVerifier(
            presentation, lambda iss, header: ipub, AUD, NONCE
        ).get_verified_payload()

    assert len(pypi_verify_kb()) >= 10  # type: ignore[arg-type]
    emit(measure("sdjwt.issue.pypi_sd_jwt", pypi_issue, seconds=seconds))
    emit(measure("sdjwt.verify_kb.pypi_sd_jwt", pypi_verify_kb, seconds=seconds))


if __name__ == "__main__":
    run(lambda r: print(json.dumps(r), flush=True))
