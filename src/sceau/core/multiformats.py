"""Multibase, multicodec and Multikey: the encodings of ``did:key`` and Data Integrity keys.

Multibase: a one-character prefix names the base (``z`` = base58btc, ``u`` = base64url without
padding). Multicodec: an unsigned varint naming the key type, prepended to the raw key bytes.
Multikey (VC Data Integrity 1.0 §2.3.1.2 "Multikey", did:key §"Signature Method Creation
Algorithm"): ``"z" + base58btc(varint(codec) + raw key)``, EC public keys in compressed SEC1 form.

>>> multibase_decode(multibase_encode(b"\\x00\\x01", "u"))
b'\\x00\\x01'
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, TypeAlias

import base58
from cryptography.exceptions import UnsupportedAlgorithm as _CryptoUnsupported
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sceau.core.ed25519 import ed25519_public_key
from sceau.core.errors import InvalidInput, InvalidKey

PublicKey: TypeAlias = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

#: Longest multibase string accepted by :func:`multibase_decode` (a P-384 key is ~70 chars,
#: a P-384 signature ~135; 8 KiB leaves room for any key or proof value while bounding base58 cost,
#: which is quadratic in the input length).
MAX_MULTIBASE_LENGTH = 8192

_B58_ALPHABET = frozenset(base58.BITCOIN_ALPHABET.decode("ascii"))
_B64URL_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Multicodec:
    """One entry of the multicodec table: name, code and the raw key length it carries."""

    name: str
    code: int
    key_length: int

    @property
    def prefix(self) -> bytes:
        return encode_varint(self.code)


# Codes from the multicodec table, as listed in did:key §"Signature Method Creation Algorithm"
# (public keys) and the Multikey section of VC Data Integrity 1.0 (secret keys).
MULTICODECS: Mapping[str, Multicodec] = MappingProxyType(
    {
        "ed25519-pub": Multicodec("ed25519-pub", 0xED, 32),
        "x25519-pub": Multicodec("x25519-pub", 0xEC, 32),
        "secp256k1-pub": Multicodec("secp256k1-pub", 0xE7, 33),
        "p256-pub": Multicodec("p256-pub", 0x1200, 33),
        "p384-pub": Multicodec("p384-pub", 0x1201, 49),
        "p521-pub": Multicodec("p521-pub", 0x1202, 67),
        "ed25519-priv": Multicodec("ed25519-priv", 0x1300, 32),
        "p256-priv": Multicodec("p256-priv", 0x1306, 32),
        "p384-priv": Multicodec("p384-priv", 0x1307, 48),
        "p521-priv": Multicodec("p521-priv", 0x1308, 66),
    }
)
_BY_CODE: Mapping[int, Multicodec] = MappingProxyType({c.code: c for c in MULTICODECS.values()})

_CURVE_PUB: Mapping[str, str] = MappingProxyType(
    {"secp256r1": "p256-pub", "secp384r1": "p384-pub", "secp521r1": "p521-pub"}
)
_CURVE_PRIV: Mapping[str, str] = MappingProxyType(
    {"secp256r1": "p256-priv", "secp384r1": "p384-priv", "secp521r1": "p521-priv"}
)
_CODEC_CURVE: Mapping[str, ec.EllipticCurve] = MappingProxyType(
    {
        "p256-pub": ec.SECP256R1(),
        "p384-pub": ec.SECP384R1(),
        "p521-pub": ec.SECP521R1(),
        "p256-priv": ec.SECP256R1(),
        "p384-priv": ec.SECP384R1(),
        "p521-priv": ec.SECP521R1(),
    }
)


def encode_varint(value: int) -> bytes:
    """Unsigned LEB128 varint (the multiformats unsigned-varint)."""
    if value < 0:
        raise InvalidInput("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes) -> tuple[int, int]:
    """Return ``(value, bytes_consumed)``; rejects non-minimal and over-long (> 9 bytes) varints."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise InvalidInput("non-minimal varint", code="invalid_multicodec")
            return value, i + 1
    raise InvalidInput("truncated or over-long varint", code="invalid_multicodec")


def multibase_encode(data: bytes, base: Literal["z", "u"] = "z") -> str:
    """Multibase-encode ``data``: ``z`` base58btc (default) or ``u`` base64url without padding."""
    if base == "z":
        return "z" + base58.b58encode(data).decode("ascii")
    if base == "u":
        return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    raise InvalidInput(f"unsupported multibase prefix {base!r}", code="invalid_multibase")


def multibase_decode(s: str, *, max_length: int = MAX_MULTIBASE_LENGTH) -> bytes:
    """Decode a ``z`` (base58btc) or ``u`` (base64url, no padding) multibase string, strictly."""
    if not isinstance(s, str) or not s:
        raise InvalidInput("multibase value must be a non-empty string", code="invalid_multibase")
    if len(s) > max_length:
        raise InvalidInput("multibase value too long", code="input_too_large")
    prefix, body = s[0], s[1:]
    if prefix == "z":
        if not body or not _B58_ALPHABET.issuperset(body):
            raise InvalidInput("invalid base58btc text", code="invalid_multibase")
        return base58.b58decode(body)
    if prefix == "u":
        if not _B64URL_ALPHABET.issuperset(body) or len(body) % 4 == 1:
            raise InvalidInput("invalid base64url text", code="invalid_multibase")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:  # pragma: no cover - alphabet checked above
            raise InvalidInput("invalid base64url text", code="invalid_multibase") from exc
        # Reject non-canonical encodings (stray bits in the last character).
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != body:
            raise InvalidInput("non-canonical base64url text", code="invalid_multibase")
        return raw
    raise InvalidInput(f"unsupported multibase prefix {prefix!r}", code="invalid_multibase")


def multicodec_wrap(codec: str, raw: bytes) -> bytes:
    """Prefix ``raw`` with the varint code of ``codec`` (a name from :data:`MULTICODECS`)."""
    entry = MULTICODECS.get(codec)
    if entry is None:
        raise InvalidInput(f"unknown multicodec {codec!r}", code="invalid_multicodec")
    return entry.prefix + raw


def multicodec_unwrap(data: bytes) -> tuple[Multicodec, bytes]:
    """Split multicodec-prefixed bytes into (table entry, raw bytes); unknown codes rejected."""
    code, used = decode_varint(data)
    entry = _BY_CODE.get(code)
    if entry is None:
        raise InvalidKey(f"unsupported multicodec 0x{code:x}", code="invalid_multicodec")
    return entry, data[used:]


def _raw_public(public_key: PublicKey) -> tuple[str, bytes]:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "ed25519-pub", raw
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        codec = _CURVE_PUB.get(public_key.curve.name)
        if codec is None:
            raise InvalidKey(f"unsupported curve {public_key.curve.name}")
        raw = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )
        return codec, raw
    raise InvalidKey("unsupported public key type")


def multikey_encode(public_key: PublicKey) -> str:
    """Multikey ``publicKeyMultibase`` of a public key (EC points compressed).

    >>> from cryptography.hazmat.primitives.asymmetric import ed25519
    >>> multikey_encode(ed25519.Ed25519PrivateKey.generate().public_key()).startswith("z6Mk")
    True
    """
    codec, raw = _raw_public(public_key)
    return multibase_encode(MULTICODECS[codec].prefix + raw, "z")


def multikey_decode(s: str) -> PublicKey:
    """Public key object from a Multikey ``publicKeyMultibase`` (base58btc, ``z`` prefix only)."""
    if not isinstance(s, str) or not s.startswith("z"):
        raise InvalidKey("publicKeyMultibase must be base58btc ('z' prefix)", code="invalid_key")
    try:
        data = multibase_decode(s)
        entry, raw = multicodec_unwrap(data)
    except InvalidInput as exc:
        raise InvalidKey(exc.detail, code="invalid_key") from exc
    if entry.name.endswith("-priv"):
        raise InvalidKey("a secret key was given where a public key is expected")
    if len(raw) != entry.key_length:
        # did:key §Signature Method Creation Algorithm step 3: invalidPublicKeyLength
        raise InvalidKey(
            f"{entry.name} key must be {entry.key_length} bytes", code="invalidPublicKeyLength"
        )
    try:
        if entry.name == "ed25519-pub":
            try:
                return ed25519_public_key(raw)
            except InvalidKey as exc:
                # did:key §Signature Method Creation step 4: invalidPublicKey (SECURITY J-07).
                raise InvalidKey(exc.detail, code="invalidPublicKey") from exc
        curve = _CODEC_CURVE.get(entry.name)
        if curve is None:
            raise InvalidKey(f"unsupported key type {entry.name}")
        if raw[0] not in (2, 3):
            raise InvalidKey("EC public key must be compressed", code="invalidPublicKey")
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, raw)
    except (ValueError, _CryptoUnsupported) as exc:
        raise InvalidKey("not a valid point/key", code="invalidPublicKey") from exc


def multikey_encode_private(private_key: PrivateKey) -> str:
    """Multikey ``secretKeyMultibase`` (ed25519-priv 32-byte seed, EC big-endian scalar)."""
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return multibase_encode(MULTICODECS["ed25519-priv"].prefix + raw)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        codec = _CURVE_PRIV.get(private_key.curve.name)
        if codec is None:
            raise InvalidKey(f"unsupported curve {private_key.curve.name}")
        entry = MULTICODECS[codec]
        scalar = private_key.private_numbers().private_value.to_bytes(entry.key_length, "big")
        return multibase_encode(entry.prefix + scalar)
    raise InvalidKey("unsupported private key type")


def multikey_decode_private(s: str) -> PrivateKey:
    """Private key object from a Multikey ``secretKeyMultibase``."""
    if not isinstance(s, str) or not s.startswith("z"):
        raise InvalidKey("secretKeyMultibase must be base58btc ('z' prefix)")
    try:
        entry, raw = multicodec_unwrap(multibase_decode(s))
    except InvalidInput as exc:
        raise InvalidKey(exc.detail) from exc
    if not entry.name.endswith("-priv") or len(raw) != entry.key_length:
        raise InvalidKey("not a secret key of the expected length")
    try:
        if entry.name == "ed25519-priv":
            return ed25519.Ed25519PrivateKey.from_private_bytes(raw)
        return ec.derive_private_key(int.from_bytes(raw, "big"), _CODEC_CURVE[entry.name])
    except ValueError as exc:
        raise InvalidKey("invalid secret key") from exc
