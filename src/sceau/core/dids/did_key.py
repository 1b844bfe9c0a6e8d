"""``did:key`` for P-256, P-384 and Ed25519 (spec: ``shared/specs/did-key.md``).

>>> from cryptography.hazmat.primitives.asymmetric import ed25519
>>> did = did_key_from_public_key(ed25519.Ed25519PrivateKey.generate().public_key())
>>> did.startswith("did:key:z6Mk")
True
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sceau.core.dids.errors import (
    InvalidDid,
    InvalidPublicKey,
    InvalidPublicKeyLength,
    UnsupportedPublicKeyType,
)
from sceau.core.errors import InvalidInput, InvalidKey
from sceau.core.jose import PublicKey, public_jwk
from sceau.core.multiformats import (
    multibase_decode,
    multicodec_unwrap,
    multikey_decode,
    multikey_encode,
)

__all__ = [
    "SUPPORTED_KEY_TYPES",
    "PublicKeyFormat",
    "did_key_from_public_key",
    "public_key_from_did_key",
    "resolve_did_key",
]

PublicKeyFormat = Literal["Multikey", "JsonWebKey2020"]
# Allow-list (did:key §Signature Method Creation step 3 table, restricted to what Sceau signs with).
SUPPORTED_KEY_TYPES = frozenset({"ed25519-pub", "p256-pub", "p384-pub"})
# did-key-format := did:key:<mb-value>, mb-value := z[base58btc]+ (§The did:key Format);
# the optional version component of step 2 must be a positive integer.
_DID_KEY = re.compile(r"did:key:(?:(?P<version>[1-9][0-9]{0,3}):)?(?P<mb>z[1-9A-HJ-NP-Za-km-z]+)")
MAX_DID_KEY_LENGTH = 256
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"


def did_key_from_public_key(public_key: PublicKey) -> str:
    """``did:key:`` + Multikey of ``public_key`` (EC points compressed)."""
    mb = multikey_encode(public_key)  # type: ignore[arg-type]
    _check_codec(mb)
    return f"did:key:{mb}"


def _split(did: str) -> str:
    if not isinstance(did, str) or len(did) > MAX_DID_KEY_LENGTH:
        raise InvalidDid("not a did:key")
    m = _DID_KEY.fullmatch(did)
    if m is None:
        raise InvalidDid("not a did:key (scheme, method, version or 'z' multibase value)")
    return m.group("mb")


def _check_codec(mb: str) -> str:
    try:
        codec, _ = multicodec_unwrap(multibase_decode(mb))
    except InvalidKey as exc:
        raise UnsupportedPublicKeyType("unsupported multicodec") from exc
    except InvalidInput as exc:
        raise InvalidDid("did:key multibase value does not decode") from exc
    if codec.name not in SUPPORTED_KEY_TYPES:
        raise UnsupportedPublicKeyType(f"{codec.name} keys are not supported")
    return codec.name


def public_key_from_did_key(did: str) -> PublicKey:
    """Decode the public key of a ``did:key`` (or a DID URL whose DID is one).

    Errors are the spec's: ``invalidDid``, ``invalidPublicKeyLength``, ``invalidPublicKey``,
    ``unsupportedPublicKeyType``.
    """
    mb = _split(did.split("#", 1)[0] if isinstance(did, str) else did)
    _check_codec(mb)
    try:
        return multikey_decode(mb)
    except InvalidKey as exc:
        if exc.code == "invalidPublicKeyLength":
            raise InvalidPublicKeyLength(exc.detail) from exc
        raise InvalidPublicKey("did:key does not hold a valid public key") from exc


def resolve_did_key(did: str, *, public_key_format: PublicKeyFormat = "Multikey") -> dict[str, Any]:
    """Expand a ``did:key`` into its DID document (§Document Creation Algorithm).

    Multikey is the default representation; ``JsonWebKey2020`` carries ``publicKeyJwk``.
    Encryption-key derivation (step 8) is not offered.
    """
    mb = _split(did)
    key = public_key_from_did_key(did)
    vm_id = f"{did}#{mb}"
    vm: dict[str, Any] = {"id": vm_id, "type": public_key_format, "controller": did}
    if public_key_format == "Multikey":
        vm["publicKeyMultibase"] = mb
        context = [DID_CONTEXT, MULTIKEY_CONTEXT]
    elif public_key_format == "JsonWebKey2020":
        vm["publicKeyJwk"] = public_jwk(key)
        context = [DID_CONTEXT, JWS_2020_CONTEXT]
    else:
        raise UnsupportedPublicKeyType("unknown publicKeyFormat")
    return {
        "@context": context,
        "id": did,
        "verificationMethod": [vm],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
