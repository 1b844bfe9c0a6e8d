"""Ed25519 public key import that refuses small-order points (SECURITY J-07).

RFC 8032 §5.1.7 verification (as OpenSSL implements it, cofactorless) accepts, for a public key
``A`` of small order, signatures that were never made with a secret key: with ``A`` the identity
point, ``R`` = identity and ``S`` = 0 verify for *every* message. A holder-chosen key (``cnf``,
``did:key``, ``did:jwk``) of that kind would make key binding meaningless, so such keys are refused
at import. The list is the eight-torsion encodings libsodium refuses
(``ge25519_has_small_order``), compared with the sign bit cleared so both signs are caught;
non-canonical encodings of the same points (y ≥ p) are in it too.
"""

from __future__ import annotations

from typing import Final

from cryptography.hazmat.primitives.asymmetric import ed25519

from sceau.core.errors import InvalidKey

__all__ = ["SMALL_ORDER_ENCODINGS", "ed25519_public_key"]

_FF30: Final = b"\xff" * 30
SMALL_ORDER_ENCODINGS: Final[tuple[bytes, ...]] = (
    bytes(32),  # y = 0 (order 4)
    b"\x01" + bytes(31),  # y = 1: the identity (order 1)
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  # order 8
    bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),  # order 8
    b"\xec" + _FF30 + b"\x7f",  # y = p - 1 (order 2)
    b"\xed" + _FF30 + b"\x7f",  # y = p, non-canonical 0 (order 4)
    b"\xee" + _FF30 + b"\x7f",  # y = p + 1, non-canonical 1 (order 1)
)


def ed25519_public_key(raw: bytes) -> ed25519.Ed25519PublicKey:
    """An Ed25519 public key from its 32-byte encoding (RFC 8032 §5.1.5), small order refused.

    Raises :class:`InvalidKey` (``small_order_key``) for an eight-torsion point and
    ``ValueError`` (from ``cryptography``) for a malformed encoding.
    """
    if len(raw) == 32:
        masked = raw[:31] + bytes([raw[31] & 0x7F])
        if masked in SMALL_ORDER_ENCODINGS:
            raise InvalidKey("Ed25519 public key of small order", code="small_order_key")
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)
