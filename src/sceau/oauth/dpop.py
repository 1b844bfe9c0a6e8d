"""DPoP proof verification (RFC 9449 §4.3), pure: the caller gives the time and the store.

>>> proof = verify_dpop_proof(header_value, htm="POST", htu="https://x/t/a/token",
...                           now=1_700_000_000)                          # doctest: +SKIP
>>> proof.jkt   # bind the access token to this thumbprint (RFC 9449 §6)  # doctest: +SKIP

Replay: the caller records ``(proof.jkt, proof.jti)`` until ``proof.iat + max_age`` in
:mod:`sceau.oauth.store` inside its transaction and refuses a proof seen before.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from sceau.core.encoding import b64url_encode
from sceau.core.errors import SceauError
from sceau.core.jose import jwk_thumbprint, public_key_from_jwk, verify_compact
from sceau.oauth.errors import OAuthProtocolError

DPOP_TYP: Final = "dpop+jwt"
# Asymmetric algorithms only (RFC 9449 §4.3 check 5); HAIP §7 mandates ES256.
DEFAULT_DPOP_ALGORITHMS: Final = ("ES256", "ES384", "EdDSA", "Ed25519")
MAX_DPOP_PROOF_LENGTH: Final = 8 * 1024
MAX_JTI_LENGTH: Final = 256


@dataclass(frozen=True, slots=True)
class DpopProof:
    """A verified DPoP proof: the key's RFC 7638 thumbprint, its ``jti`` and ``iat``."""

    jkt: str
    jti: str
    iat: int
    jwk: dict[str, Any]


def access_token_hash(access_token: str) -> str:
    """The ``ath`` value: base64url(SHA-256(ASCII(access_token))) (RFC 9449 §4.2)."""
    return b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest())


def normalize_htu(url: str) -> str:
    """The URI without query and fragment, scheme and host lower-cased (RFC 9449 §4.3 check 9)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def _fail(algorithms: Collection[str]) -> OAuthProtocolError:
    return OAuthProtocolError(
        "invalid_dpop_proof",
        status=400,
        headers={
            "WWW-Authenticate": f'DPoP error="invalid_dpop_proof", algs="{" ".join(algorithms)}"'
        },
    )


def verify_dpop_proof(
    proof: str,
    *,
    htm: str,
    htu: str,
    now: int,
    algorithms: Collection[str] = DEFAULT_DPOP_ALGORITHMS,
    max_age_s: int = 60,
    leeway_s: int = 60,
    access_token: str | None = None,
    nonce: str | None = None,
    status: int = 400,
) -> DpopProof:
    """Verify one DPoP proof JWT; raise ``invalid_dpop_proof`` on any failed check.

    Checks (RFC 9449 §4.3): one compact JWS within the size limit; ``typ`` ``dpop+jwt``; ``alg`` in
    ``algorithms``; a public ``jwk`` header that verifies the signature; ``jti`` (string),
    ``htm`` and ``htu`` (query/fragment ignored) match; ``iat`` within ``[now - max_age_s,
    now + leeway_s]``; with ``access_token``, ``ath`` equals its hash (§7.1); with ``nonce``, the
    ``nonce`` claim equals it (§8). ``status`` is 401 at protected resources (§7.1).
    """
    failure = _fail(algorithms)
    failure.status = status
    if not isinstance(proof, str) or not proof or len(proof) > MAX_DPOP_PROOF_LENGTH:
        raise failure
    try:
        holder: dict[str, Any] = {}

        def key_of(header: Any) -> Any:
            jwk = header.get("jwk")
            if not isinstance(jwk, dict):
                raise failure
            holder["jwk"] = jwk
            return public_key_from_jwk(jwk)  # refuses private members (RFC 9449 §4.3 check 7)

        verified = verify_compact(
            proof, key_of, algorithms=algorithms, typ=DPOP_TYP, max_length=MAX_DPOP_PROOF_LENGTH
        )
        claims = verified.claims
    except SceauError as exc:
        raise failure from exc
    jti, iat = claims.get("jti"), claims.get("iat")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise failure
    if claims.get("htm") != htm:
        raise failure
    claimed_htu = claims.get("htu")
    if not isinstance(claimed_htu, str) or normalize_htu(claimed_htu) != normalize_htu(htu):
        raise failure
    if (
        not isinstance(iat, int)
        or isinstance(iat, bool)
        or not now - max_age_s <= iat <= now + leeway_s
    ):
        raise failure
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath, access_token_hash(access_token)
        ):
            raise failure
    if nonce is not None and claims.get("nonce") != nonce:
        raise OAuthProtocolError("use_dpop_nonce", status=status, headers={"DPoP-Nonce": nonce})
    jwk = holder["jwk"]
    return DpopProof(jkt=jwk_thumbprint(jwk), jti=jti, iat=iat, jwk=jwk)
