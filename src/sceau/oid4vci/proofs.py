"""Key proof verification, proof type ``jwt`` (OpenID4VCI 1.0 Appendix F.1), pure.

A proof may carry a ``key_attestation`` header (F.1, HAIP 1.0 §"Credential Endpoint"): the caller
passes ``key_attestation`` to verify it, and the proof must then be signed by one of the attested
keys (named by ``jwk`` or ``kid``), whose credentials are all bound to those keys.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Final

from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint, public_key_from_jwk, verify_compact
from sceau.errors import OAuthError
from sceau.oid4vci.attestation import KeyAttestation, attested_key

PROOF_TYP: Final = "openid4vci-proof+jwt"
MAX_PROOF_LENGTH: Final = 16 * 1024


@dataclass(frozen=True, slots=True)
class KeyProof:
    """A verified proof: the holder's public JWK (to bind the credential to) and its c_nonce."""

    jwk: dict[str, Any]
    jkt: str
    nonce: str
    # The verified key attestation of the proof's key_attestation header, if it had one.
    attestation: KeyAttestation | None = None


def verify_jwt_proof(
    proof: object,
    *,
    audience: str,
    now: int,
    algorithms: Collection[str],
    max_age_s: int = 300,
    leeway_s: int = 60,
    key_attestation: Callable[[object], KeyAttestation] | None = None,
    client_id: str | None = None,
) -> KeyProof:
    """Verify one ``openid4vci-proof+jwt``; raise ``invalid_proof`` on any failure.

    Appendix F.1: ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is in the allow-list (never
    ``none`` or a MAC); the key is in the ``jwk`` header (``kid``/``x5c`` are refused: no DID or
    certificate binding here) and verifies the signature; ``aud`` is the Credential Issuer
    Identifier; ``iat`` is within ``[now - max_age_s, now + leeway_s]`` (§13.7); ``nonce`` is
    present (the issuer has a Nonce Endpoint) — whether it is a live c_nonce is the caller's check;
    ``iss``, when present, is ``client_id`` (the client the access token was issued to), and is
    absent when there is none (anonymous pre-authorized access).

    With ``key_attestation`` (the tenant trusts wallet providers), a ``key_attestation`` header is
    verified by it and the signing key must be an attested key: the header's ``jwk`` or ``kid``
    names it (F.1: "signed by a key contained in the attestation"). Without it the header is not
    looked at.
    """
    invalid = OAuthError("invalid_proof")
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_LENGTH:
        raise invalid
    attested: list[KeyAttestation] = []
    try:

        def key_of(header: Any) -> Any:
            if "x5c" in header or ("jwk" in header and "kid" in header):
                raise invalid  # F.1: at most one of kid, jwk, x5c
            if key_attestation is not None and "key_attestation" in header:
                attestation = key_attestation(header["key_attestation"])
                attested.append(attestation)
                return public_key_from_jwk(attested_key(attestation, header))
            jwk = header.get("jwk")
            if not isinstance(jwk, dict) or "kid" in header:
                raise invalid
            return public_key_from_jwk(jwk)

        verified = verify_compact(
            proof, key_of, algorithms=algorithms, typ=PROOF_TYP, max_length=MAX_PROOF_LENGTH
        )
        claims = verified.claims
    except SceauError as exc:
        if exc is invalid:
            raise
        raise invalid from exc
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise invalid
    # F.1: iss, when present, "MUST be the client_id of the Client making the Credential request",
    # and "MUST be omitted" under anonymous pre-authorized access (client_id None): a proof that
    # names a client there is refused (SECURITY I-04).
    iss = claims.get("iss")
    if iss is not None and (not isinstance(iss, str) or client_id is None or iss != client_id):
        raise invalid
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise invalid
    if not now - max_age_s <= iat <= now + leeway_s:
        raise invalid
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        # §8.3.1.2: a proof without a c_nonce is an invalid_proof, a wrong one invalid_nonce.
        raise invalid
    if attested:
        jwk = attested_key(attested[0], verified.header)
        return KeyProof(jwk=jwk, jkt=jwk_thumbprint(jwk), nonce=nonce, attestation=attested[0])
    jwk = dict(verified.header["jwk"])
    return KeyProof(jwk=jwk, jkt=jwk_thumbprint(jwk), nonce=nonce)
