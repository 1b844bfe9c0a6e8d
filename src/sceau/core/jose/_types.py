"""Key type aliases shared by the JOSE modules."""

from __future__ import annotations

from typing import TypeAlias, TypeGuard

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

PRIVATE_KEY_TYPES = (ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey)
PUBLIC_KEY_TYPES = (ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey, rsa.RSAPublicKey)

# Concrete classes already seen to be public-key types. isinstance() against the ABCs above costs
# a few hundred nanoseconds per call on the verify hot path; a type lookup in a set does not.
_PUBLIC_CONCRETE: set[type] = set()


def is_public_key(key: object) -> TypeGuard[PublicKey]:
    """``isinstance(key, PUBLIC_KEY_TYPES)``, memoised per concrete class."""
    kind = type(key)
    if kind in _PUBLIC_CONCRETE:
        return True
    if isinstance(key, PUBLIC_KEY_TYPES):
        _PUBLIC_CONCRETE.add(kind)
        return True
    return False
