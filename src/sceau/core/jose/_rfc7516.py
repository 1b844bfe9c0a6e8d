"""JWE compact with ECDH-ES direct key agreement (RFC 7516, RFC 7518 §4.6) via joserfc.

Used for OpenID4VP ``direct_post.jwt`` responses and OpenID4VCI credential response encryption.
The allow-list is ECDH-ES with A128GCM/A256GCM only: no PBES2, no symmetric key wrap, no RSA1_5,
no ``zip`` (SECURITY.md J-06, P-05). The header is screened before joserfc sees the token.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from sceau.core.encoding import b64url_decode, json_loads
from sceau.core.errors import InputTooLarge, InvalidInput, InvalidKey, UnsupportedAlgorithm
from sceau.core.jose._rfc7517 import public_jwk, public_key_from_jwk
from sceau.core.jose._types import PrivateKey

__all__ = ["DEFAULT_MAX_JWE_LENGTH", "jwe_decrypt", "jwe_encrypt_ecdh_es"]

DEFAULT_MAX_JWE_LENGTH: Final = 1024 * 1024
_ENCS: Final = frozenset({"A128GCM", "A256GCM"})
_ALGS: Final = frozenset({"ECDH-ES"})


def jwe_encrypt_ecdh_es(
    plaintext: bytes,
    recipient_jwk: Mapping[str, Any],
    *,
    enc: str = "A128GCM",
    extra_header: Mapping[str, Any] | None = None,
) -> str:
    """Encrypt ``plaintext`` to ``recipient_jwk`` (EC public JWK) as a compact JWE, alg ECDH-ES."""
    if enc not in _ENCS:
        raise UnsupportedAlgorithm(f"enc {enc!r} not allowed", code="enc_not_allowed")
    public_key = public_key_from_jwk(recipient_jwk)
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise InvalidKey("ECDH-ES needs an EC recipient key", code="invalid_key")
    protected: dict[str, Any] = dict(extra_header or {})
    for reserved in ("alg", "enc", "epk", "zip"):
        protected.pop(reserved, None)
    protected.update({"alg": "ECDH-ES", "enc": enc})
    if "kid" in recipient_jwk and "kid" not in protected:
        protected["kid"] = recipient_jwk["kid"]
    key = ECKey.import_key(public_jwk(public_key))
    registry = jwe.JWERegistry(algorithms=["ECDH-ES", enc])
    return jwe.encrypt_compact(protected, plaintext, key, registry=registry)


def jwe_decrypt(
    token: str,
    private_key: PrivateKey,
    *,
    algorithms: Collection[str] = ("ECDH-ES",),
    encs: Collection[str] = ("A128GCM", "A256GCM"),
    max_length: int = DEFAULT_MAX_JWE_LENGTH,
) -> tuple[dict[str, Any], bytes]:
    """Decrypt a compact ECDH-ES JWE; returns ``(protected_header, plaintext)``."""
    if not isinstance(token, str):
        raise InvalidInput("JWE must be a string", code="malformed_jwe")
    if len(token) > max_length:
        raise InputTooLarge("JWE too large", code="token_too_large", limit=max_length)
    parts = token.split(".")
    if len(parts) != 5:
        raise InvalidInput("compact JWE needs five segments", code="malformed_jwe")
    for part in parts[1:]:
        b64url_decode(part)
    header = json_loads(b64url_decode(parts[0]), max_bytes=8 * 1024, max_depth=4)
    if not isinstance(header, dict):
        raise InvalidInput("JWE header is not a JSON object", code="malformed_jwe")
    alg, enc = header.get("alg"), header.get("enc")
    if not isinstance(alg, str) or alg not in algorithms or alg not in _ALGS:
        raise UnsupportedAlgorithm(f"JWE alg {alg!r} not allowed", code="alg_not_allowed")
    if not isinstance(enc, str) or enc not in encs or enc not in _ENCS:
        raise UnsupportedAlgorithm(f"JWE enc {enc!r} not allowed", code="enc_not_allowed")
    if "zip" in header:
        raise InvalidInput("compressed JWE is not accepted", code="unsupported_zip")
    if "crit" in header:
        raise InvalidInput("critical header extensions are not supported", code="unsupported_crit")
    epk = header.get("epk")
    if not isinstance(epk, dict):
        raise InvalidInput("ECDH-ES JWE needs an epk", code="malformed_jwe")
    epk_key = public_key_from_jwk(epk)  # rejects off-curve points (SECURITY.md J-07)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        epk_key, ec.EllipticCurvePublicKey
    ):
        raise InvalidKey("ECDH-ES needs EC keys", code="invalid_key")
    if epk_key.curve.name != private_key.curve.name:
        raise InvalidKey("epk is on another curve", code="invalid_key")
    try:
        result = jwe.decrypt_compact(
            token,
            ECKey.import_key(private_key),
            registry=jwe.JWERegistry(algorithms=[alg, enc]),
        )
    except JoseError as exc:
        raise InvalidInput(
            f"JWE does not decrypt: {exc.error}", code="jwe_decrypt_failed"
        ) from None
    if result.plaintext is None:  # pragma: no cover - joserfc always sets it on success
        raise InvalidInput("JWE has no plaintext", code="jwe_decrypt_failed")
    return dict(result.protected), result.plaintext
