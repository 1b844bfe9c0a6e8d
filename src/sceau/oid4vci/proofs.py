"""Key proof verification, proof type ``jwt`` (OpenID4VCI 1.0 Appendix F.1), pure."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final

from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint, public_key_from_jwk, verify_compact
from sceau.errors import OAuthError

PROOF_TYP: Final = "openid4vci-proof+jwt"
MAX_PROOF_LENGTH: Final = 16 * 1024


@dataclass(frozen=True, slots=True)
class KeyProof:
    """A verified proof: the holder's public JWK (to bind the credential to) and its c_nonce."""

    jwk: dict[str, Any]
    jkt: str
    nonce: str


def verify_jwt_proof(
    proof: object,
    *,
    audience: str,
    now: int,
    algorithms: Collection[str],
    max_age_s: int = 300,
    leeway_s: int = 60,
) -> KeyProof:
    """Verify one ``openid4vci-proof+jwt``; raise ``invalid_proof`` on any failure.

    Appendix F.1: ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is in the allow-list (never
    ``none`` or a MAC); the key is in the ``jwk`` header (``kid``/``x5c`` are refused: no DID or
    certificate binding here) and verifies the signature; ``aud`` is the Credential Issuer
    Identifier; ``iat`` is within ``[now - max_age_s, now + leeway_s]`` (§13.7); ``nonce`` is
    present (the issuer has a Nonce Endpoint) — whether it is a live c_nonce is the caller's check.
    """
    invalid = OAuthError("invalid_proof")
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_LENGTH:
        raise invalid
    try:

        def key_of(header: Any) -> Any:
            jwk = header.get("jwk")
            if not isinstance(jwk, dict) or "kid" in header or "x5c" in header:
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
    iat = claims.get("iat")
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise invalid
    if not now - max_age_s <= iat <= now + leeway_s:
        raise invalid
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        # §8.3.1.2: a proof without a c_nonce is an invalid_proof, a wrong one invalid_nonce.
        raise invalid
    jwk = dict(verified.header["jwk"])
    return KeyProof(jwk=jwk, jkt=jwk_thumbprint(jwk), nonce=nonce)
