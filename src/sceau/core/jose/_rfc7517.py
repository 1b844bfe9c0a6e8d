"""JSON Web Keys (RFC 7517, RFC 7518 §6, RFC 8037) and thumbprints (RFC 7638).

Import is strict: unknown ``kty``/``crv``, private members where a public key is expected,
coordinates of the wrong length and points off the curve are rejected (SECURITY.md J-07, I-04).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sceau.core.ed25519 import ed25519_public_key
from sceau.core.encoding import b64url_decode, b64url_encode, json_dumps_compact
from sceau.core.errors import InvalidInput, InvalidKey, UnsupportedAlgorithm
from sceau.core.jose._rfc7518 import MIN_RSA_BITS, get_algorithm
from sceau.core.jose._types import PRIVATE_KEY_TYPES, PUBLIC_KEY_TYPES, PrivateKey, PublicKey

__all__ = [
    "generate_private_key",
    "jwk_thumbprint",
    "private_key_from_jwk",
    "public_jwk",
    "public_key_from_jwk",
]

_CURVES: Final[dict[str, tuple[type[ec.EllipticCurve], int]]] = {
    "P-256": (ec.SECP256R1, 32),
    "P-384": (ec.SECP384R1, 48),
    "P-521": (ec.SECP521R1, 66),
}
_CURVE_BY_NAME: Final = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
# RFC 7638 §3.2: the required members per key type, in lexicographic order.
_THUMBPRINT_MEMBERS: Final = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
}


def generate_private_key(algorithm: str = "ES256") -> PrivateKey:
    """Generate a fresh key for ``algorithm`` (uses the OS CSPRNG inside ``cryptography``)."""
    alg = get_algorithm(algorithm)
    if alg.kind == "EC":
        assert alg.curve is not None
        return ec.generate_private_key(_CURVES[alg.curve][0]())
    if alg.kind == "OKP":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)


def _int_b64(value: int, length: int | None = None) -> str:
    size = length if length is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_encode(value.to_bytes(size, "big"))


def public_jwk(key: PublicKey | PrivateKey) -> dict[str, Any]:
    """Public JWK members of ``key`` (never ``d`` or other private members)."""
    if isinstance(key, PRIVATE_KEY_TYPES):
        key = key.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        crv = _CURVE_BY_NAME.get(key.curve.name)
        if crv is None:
            raise InvalidKey(f"unsupported curve {key.curve.name}", code="unsupported_curve")
        size = _CURVES[crv][1]
        nums = key.public_numbers()
        return {"kty": "EC", "crv": crv, "x": _int_b64(nums.x, size), "y": _int_b64(nums.y, size)}
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(key.public_bytes_raw())}
    if isinstance(key, rsa.RSAPublicKey):
        rn = key.public_numbers()
        return {"kty": "RSA", "n": _int_b64(rn.n), "e": _int_b64(rn.e)}
    raise InvalidKey("unsupported key object", code="invalid_key")


def _member(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidKey(f"JWK member {name!r} missing or not a string", code="invalid_jwk")
    try:
        return b64url_decode(value)
    except InvalidInput:
        raise InvalidKey(f"JWK member {name!r} is not base64url", code="invalid_jwk") from None


_KEY_AGREEMENT_ALGS = frozenset({"ECDH-ES"})


def _check_shape(jwk: Mapping[str, Any]) -> str:
    if not isinstance(jwk, Mapping):
        raise InvalidKey("JWK must be a JSON object", code="invalid_jwk")
    kty = jwk.get("kty")
    if not isinstance(kty, str) or kty not in _THUMBPRINT_MEMBERS:
        raise InvalidKey(f"unsupported kty {kty!r}", code="unsupported_kty")
    alg = jwk.get("alg")
    # A JWK may name the key-agreement algorithm it is for: OpenID4VP §8.3 requires "alg" on the
    # verifier's encryption key (ECDH-ES is the only one in our JWE allow-list).
    # isinstance first: a JSON array or object as "alg" is unhashable and must fail as invalid_jwk.
    if alg is not None and not (isinstance(alg, str) and alg in _KEY_AGREEMENT_ALGS):
        try:
            get_algorithm(alg)
        except UnsupportedAlgorithm:
            raise InvalidKey(f"JWK alg {alg!r} not allowed", code="invalid_jwk") from None
    return str(kty)


def _ec_public(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicNumbers:
    crv = jwk.get("crv")
    if not isinstance(crv, str) or crv not in _CURVES:
        raise InvalidKey(f"unsupported crv {crv!r}", code="unsupported_curve")
    curve_cls, size = _CURVES[crv]
    x, y = _member(jwk, "x"), _member(jwk, "y")
    if len(x) != size or len(y) != size:  # RFC 7518 §6.2.1.2: full-length coordinates
        raise InvalidKey("EC coordinate has the wrong length", code="invalid_jwk")
    return ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve_cls()
    )


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """Import a public JWK; private members, unknown ``kty``/``crv`` and off-curve points fail."""
    kty = _check_shape(jwk)
    if _PRIVATE_MEMBERS.intersection(jwk):
        raise InvalidKey("public JWK carries private members", code="private_key_in_jwk")
    try:
        if kty == "EC":
            return _ec_public(jwk).public_key()
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise InvalidKey(f"unsupported crv {jwk.get('crv')!r}", code="unsupported_curve")
            x = _member(jwk, "x")
            if len(x) != 32:
                raise InvalidKey("Ed25519 key must be 32 bytes", code="invalid_jwk")
            return ed25519_public_key(x)  # small-order points refused (SECURITY J-07)
        n = int.from_bytes(_member(jwk, "n"), "big")
        e = int.from_bytes(_member(jwk, "e"), "big")
        if n.bit_length() < MIN_RSA_BITS:
            raise InvalidKey("RSA key shorter than 2048 bits", code="weak_key")
        return rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        raise InvalidKey("key is not valid for its curve or type", code="invalid_jwk") from None


def private_key_from_jwk(jwk: Mapping[str, Any]) -> PrivateKey:
    """Import a private JWK (EC, OKP Ed25519 or RSA with CRT members)."""
    kty = _check_shape(jwk)
    try:
        if kty == "EC":
            pub = _ec_public(jwk)
            d = int.from_bytes(_member(jwk, "d"), "big")
            return ec.EllipticCurvePrivateNumbers(d, pub).private_key()
        if kty == "OKP":
            if jwk.get("crv") != "Ed25519":
                raise InvalidKey(f"unsupported crv {jwk.get('crv')!r}", code="unsupported_curve")
            okp = ed25519.Ed25519PrivateKey.from_private_bytes(_member(jwk, "d"))
            if "x" in jwk and _member(jwk, "x") != okp.public_key().public_bytes_raw():
                raise InvalidKey("Ed25519 x does not match d", code="invalid_jwk")
            return okp
        vals = {m: int.from_bytes(_member(jwk, m), "big") for m in ("n", "e", "d", "p", "q")}
        if vals["n"].bit_length() < MIN_RSA_BITS:
            raise InvalidKey("RSA key shorter than 2048 bits", code="weak_key")
        p, q, d = vals["p"], vals["q"], vals["d"]
        return rsa.RSAPrivateNumbers(
            p=p,
            q=q,
            d=d,
            dmp1=rsa.rsa_crt_dmp1(d, p),
            dmq1=rsa.rsa_crt_dmq1(d, q),
            iqmp=rsa.rsa_crt_iqmp(p, q),
            public_numbers=rsa.RSAPublicNumbers(vals["e"], vals["n"]),
        ).private_key()
    except ValueError:
        raise InvalidKey("private key is not valid", code="invalid_jwk") from None


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint, base64url (members sorted, no whitespace, §3.3)."""
    kty = _check_shape(jwk)
    members = {}
    for name in _THUMBPRINT_MEMBERS[kty]:
        value = jwk.get(name)
        if not isinstance(value, str):
            raise InvalidKey(f"JWK member {name!r} missing", code="invalid_jwk")
        members[name] = value
    return b64url_encode(hashlib.sha256(json_dumps_compact(members)).digest())


def is_public_key(key: object) -> bool:
    return isinstance(key, PUBLIC_KEY_TYPES)
