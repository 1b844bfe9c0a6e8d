"""JWS algorithms (RFC 7518 §3, RFC 8037, RFC 9864) as an allow-list registry.

What is allowed is data: :data:`ALGORITHMS` holds only asymmetric algorithms. ``none`` and the
HMAC family are absent on purpose (RFC 8725 §3.1-3.2; SECURITY.md J-01, J-02), so no lookup can
ever produce them; callers narrow further with a per-use ``algorithms`` allow-list.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from sceau.core.errors import InvalidKey, InvalidSignature, UnsupportedAlgorithm
from sceau.core.jose._types import PrivateKey, PublicKey

__all__ = ["ALGORITHMS", "Algorithm", "get_algorithm"]

MIN_RSA_BITS: Final = 2048


@dataclass(frozen=True, slots=True)
class Algorithm:
    """One JWS algorithm: signs to and verifies the JOSE signature form."""

    name: str
    kind: str  # "EC", "OKP" or "RSA"
    curve: str | None = None  # JWK "crv" for EC/OKP
    hash_name: str | None = None
    size: int = 0  # byte length of one EC coordinate (r and s each)

    def _hash(self) -> hashes.HashAlgorithm:
        if self.hash_name == "SHA384":
            return hashes.SHA384()
        if self.hash_name == "SHA512":
            return hashes.SHA512()
        return hashes.SHA256()

    def key_matches(self, key: PrivateKey | PublicKey) -> bool:
        """True when ``key`` is of the type and curve this algorithm needs (RFC 8725 §3.1)."""
        if self.kind == "EC":
            if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
                return _EC_CURVE_NAMES.get(key.curve.name) == self.curve
            return False
        if self.kind == "OKP":
            return isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey))
        if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
            return key.key_size >= MIN_RSA_BITS
        return False

    def _require_key(self, key: PrivateKey | PublicKey) -> None:
        if not self.key_matches(key):
            raise UnsupportedAlgorithm(
                f"{self.name} does not match the key type", code="alg_key_mismatch"
            )

    def sign(self, private_key: PrivateKey, message: bytes) -> bytes:
        """Sign ``message``; EC signatures are returned as raw ``r || s`` (RFC 7518 §3.4)."""
        self._require_key(private_key)
        return self.sign_prechecked(private_key, message)

    def sign_prechecked(self, private_key: PrivateKey, message: bytes) -> bytes:
        """:meth:`sign` for a key already checked with :meth:`key_matches` (signer hot path)."""
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            der = private_key.sign(message, _ECDSA[self.hash_name or "SHA256"])
            r, s = decode_dss_signature(der)
            return r.to_bytes(self.size, "big") + s.to_bytes(self.size, "big")
        if isinstance(private_key, ed25519.Ed25519PrivateKey):
            return private_key.sign(message)
        if isinstance(private_key, rsa.RSAPrivateKey):
            # RFC 7518 §3.5: PSS with MGF1 of the same hash and a salt as long as the hash.
            h = self._hash()
            return private_key.sign(
                message, padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size), h
            )
        raise InvalidKey("not a private key", code="invalid_key")  # pragma: no cover

    def verify(self, public_key: PublicKey, message: bytes, signature: bytes) -> None:
        """Verify or raise :class:`InvalidSignature`."""
        if type(public_key) in _EC_PUBLIC_CONCRETE and self.kind == "EC":
            # Hot path (ES256 issuer and KB-JWT signatures): the same checks as below, without
            # the ABC isinstance and the bytes -> int -> DER round trip.
            ec_key: ec.EllipticCurvePublicKey = public_key  # type: ignore[assignment]
            if _EC_CURVE_NAMES.get(ec_key.curve.name) != self.curve:
                raise UnsupportedAlgorithm(
                    f"{self.name} does not match the key type", code="alg_key_mismatch"
                )
            size = self.size
            if len(signature) != 2 * size:
                # RFC 7518 §3.4: exactly 2*size octets; DER or truncated forms are rejected.
                raise InvalidSignature("bad EC signature length", code="invalid_signature")
            try:
                ec_key.verify(
                    raw_ecdsa_to_der(signature, size),
                    message,
                    _ECDSA[self.hash_name or "SHA256"],
                )
            except _CryptoInvalidSignature:
                raise InvalidSignature(
                    "signature does not verify", code="invalid_signature"
                ) from None
            return
        self._require_key(public_key)
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            _EC_PUBLIC_CONCRETE.add(type(public_key))
        try:
            if isinstance(public_key, ec.EllipticCurvePublicKey):
                if len(signature) != 2 * self.size:
                    # RFC 7518 §3.4: exactly 2*size octets; DER or truncated forms are rejected.
                    raise InvalidSignature("bad EC signature length", code="invalid_signature")
                r = int.from_bytes(signature[: self.size], "big")
                s = int.from_bytes(signature[self.size :], "big")
                if r == 0 or s == 0:  # CVE-2022-21449 class (SECURITY.md J-07)
                    raise InvalidSignature("degenerate signature", code="invalid_signature")
                public_key.verify(
                    encode_dss_signature(r, s), message, _ECDSA[self.hash_name or "SHA256"]
                )
            elif isinstance(public_key, ed25519.Ed25519PublicKey):
                public_key.verify(signature, message)
            elif isinstance(public_key, rsa.RSAPublicKey):
                h = self._hash()
                public_key.verify(
                    signature,
                    message,
                    padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size),
                    h,
                )
            else:  # pragma: no cover - excluded by _require_key
                raise InvalidKey("not a public key", code="invalid_key")
        except _CryptoInvalidSignature:
            raise InvalidSignature("signature does not verify", code="invalid_signature") from None


# Concrete classes seen to be EllipticCurvePublicKey (one per cryptography build); a set lookup on
# type() replaces an ABC isinstance check on the verify hot path.
_EC_PUBLIC_CONCRETE: set[type] = set()


def _der_integer(value: bytes) -> bytes:
    value = value.lstrip(b"\0")
    if not value:  # r == 0 or s == 0: CVE-2022-21449 class (SECURITY.md J-07)
        raise InvalidSignature("degenerate signature", code="invalid_signature")
    if value[0] & 0x80:
        value = b"\0" + value
    return b"\x02" + bytes((len(value),)) + value


def raw_ecdsa_to_der(signature: bytes, size: int) -> bytes:
    """DER ``ECDSA-Sig-Value`` of a JOSE ``r || s`` signature (RFC 7518 §3.4), byte for byte what
    ``encode_dss_signature(int(r), int(s))`` returns; zero ``r`` or ``s`` is refused."""
    body = _der_integer(signature[:size]) + _der_integer(signature[size:])
    n = len(body)  # at most 2 * (2 + 67) = 138 for P-521, so one length octet after 0x81
    return (b"\x30" + bytes((n,)) if n < 128 else b"\x30\x81" + bytes((n,))) + body


# ECDSA parameter objects are immutable; build them once instead of per signature.
_ECDSA: Final = {
    "SHA256": ec.ECDSA(hashes.SHA256()),
    "SHA384": ec.ECDSA(hashes.SHA384()),
    "SHA512": ec.ECDSA(hashes.SHA512()),
}

_EC_CURVE_NAMES: Final = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}

ALGORITHMS: Final[Mapping[str, Algorithm]] = MappingProxyType(
    {
        "ES256": Algorithm("ES256", "EC", "P-256", "SHA256", 32),
        "ES384": Algorithm("ES384", "EC", "P-384", "SHA384", 48),
        "ES512": Algorithm("ES512", "EC", "P-521", "SHA512", 66),
        "EdDSA": Algorithm("EdDSA", "OKP", "Ed25519"),
        "Ed25519": Algorithm("Ed25519", "OKP", "Ed25519"),  # RFC 9864 fully-specified name
        "PS256": Algorithm("PS256", "RSA", None, "SHA256"),
    }
)


def get_algorithm(name: object, allowed: Collection[str] | None = None) -> Algorithm:
    """Look ``name`` up in the registry (and in ``allowed`` if given), else raise.

    Codes: ``alg_none`` for any spelling of ``none``, ``alg_not_allowed`` otherwise.
    """
    if not isinstance(name, str):
        raise UnsupportedAlgorithm("alg must be a string", code="alg_not_allowed")
    if name.lower() == "none":
        raise UnsupportedAlgorithm("unsecured JWS is never accepted", code="alg_none")
    alg = ALGORITHMS.get(name)
    if alg is None or (allowed is not None and name not in allowed):
        raise UnsupportedAlgorithm(f"algorithm {name!r} is not allowed", code="alg_not_allowed")
    return alg
