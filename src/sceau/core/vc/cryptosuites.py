"""Data Integrity cryptosuites as data: an allow-list registry, canonicalization and hashing.

* ``ecdsa-rdfc-2019``, ``ecdsa-jcs-2019`` — VC DI ECDSA 1.0 §3.2, §3.3 (P-256 with SHA-256,
  P-384 with SHA-384, signature is raw ``r || s``).
* ``eddsa-rdfc-2022``, ``eddsa-jcs-2022`` — VC DI EdDSA 1.0 §3.2, §3.3 (Ed25519, SHA-256).

Each suite's *hash data* is ``hash(canonical proof configuration) || hash(transformed document)``
(ECDSA §3.2.4 / §3.3.4, EdDSA §3.2.4 / §3.3.4); the signer signs those bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import rfc8785
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from sceau.core.errors import InputTooLarge, InvalidInput, InvalidSignature, UnsupportedAlgorithm
from sceau.core.vc.contexts import CREDENTIALS_V2, StaticDocumentLoader
from sceau.core.vc.jsonld import DEFAULT_LIMITS, JsonLdLimits, to_canonical_nquads

PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class ProofTransformationError(InvalidInput):
    """The document or proof configuration cannot be transformed (PROOF_TRANSFORMATION_ERROR)."""

    code = "PROOF_TRANSFORMATION_ERROR"


@dataclass(frozen=True)
class KeyProfile:
    """How one key type signs in Data Integrity: JOSE algorithm names, hash, signature size."""

    name: str
    algorithms: frozenset[str]  # JOSE names a Signer may carry for this key type
    hash_name: Literal["sha256", "sha384"]
    signature_length: int


KEY_PROFILES: Mapping[str, KeyProfile] = MappingProxyType(
    {
        "P-256": KeyProfile("P-256", frozenset({"ES256"}), "sha256", 64),
        "P-384": KeyProfile("P-384", frozenset({"ES384"}), "sha384", 96),
        "Ed25519": KeyProfile("Ed25519", frozenset({"EdDSA", "Ed25519"}), "sha256", 64),
    }
)


@dataclass(frozen=True)
class Cryptosuite:
    """One allow-listed cryptosuite: its canonicalization and the key types it accepts."""

    name: str
    canonicalization: Literal["rdfc", "jcs"]
    key_profiles: tuple[str, ...]

    def profile_for_algorithm(self, algorithm: str) -> KeyProfile:
        for name in self.key_profiles:
            profile = KEY_PROFILES[name]
            if algorithm in profile.algorithms:
                return profile
        raise UnsupportedAlgorithm(
            f"signer algorithm {algorithm} cannot produce {self.name}",
            code="alg_cryptosuite_mismatch",
        )

    def profile_for_key(self, key: Any) -> KeyProfile:
        name: str | None = None
        if isinstance(key, ed25519.Ed25519PublicKey):
            name = "Ed25519"
        elif isinstance(key, ec.EllipticCurvePublicKey):
            name = {"secp256r1": "P-256", "secp384r1": "P-384"}.get(key.curve.name)
        if name is None or name not in self.key_profiles:
            raise UnsupportedAlgorithm(
                f"verification method key does not fit {self.name}",
                code="key_cryptosuite_mismatch",
            )
        return KEY_PROFILES[name]


CRYPTOSUITES: Mapping[str, Cryptosuite] = MappingProxyType(
    {
        "ecdsa-rdfc-2019": Cryptosuite("ecdsa-rdfc-2019", "rdfc", ("P-256", "P-384")),
        "ecdsa-jcs-2019": Cryptosuite("ecdsa-jcs-2019", "jcs", ("P-256", "P-384")),
        "eddsa-rdfc-2022": Cryptosuite("eddsa-rdfc-2022", "rdfc", ("Ed25519",)),
        "eddsa-jcs-2022": Cryptosuite("eddsa-jcs-2022", "jcs", ("Ed25519",)),
    }
)


def get_cryptosuite(name: Any, allowed: frozenset[str] | None = None) -> Cryptosuite:
    """The registry entry for ``name``; ``UnsupportedAlgorithm`` if unknown or not allowed."""
    suite = CRYPTOSUITES.get(name) if isinstance(name, str) else None
    if suite is None or (allowed is not None and suite.name not in allowed):
        raise UnsupportedAlgorithm(
            f"cryptosuite {name!r} is not supported", code="unknown_cryptosuite"
        )
    return suite


# ---- canonicalization


def _check_json_limits(value: Any, limits: JsonLdLimits) -> None:
    # JCS documents skip the JSON-LD walk, so its depth and count caps are applied here.
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > limits.max_depth or count > limits.max_values:
            raise InputTooLarge("document too deep or too large")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _jcs(value: Any) -> bytes:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise ProofTransformationError(f"JCS canonicalization failed: {exc}") from exc


_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_CONTROL = re.compile(r'[\x00-\x1f\x7f"\\]')
_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_SEC = "https://w3id.org/security#"
_XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
_PURPOSES = MappingProxyType(
    {
        # v2 context, DataIntegrityProof → proofPurpose scoped context
        "assertionMethod": _SEC + "assertionMethod",
        "authentication": _SEC + "authenticationMethod",
        "capabilityDelegation": _SEC + "capabilityDelegationMethod",
        "capabilityInvocation": _SEC + "capabilityInvocationMethod",
        "keyAgreement": _SEC + "keyAgreementMethod",
    }
)
_LITERALS = MappingProxyType(
    {
        "created": ("http://purl.org/dc/terms/created", _XSD_DATETIME),
        "expires": (_SEC + "expiration", _XSD_DATETIME),
        "cryptosuite": (_SEC + "cryptosuite", _SEC + "cryptosuiteString"),
        "challenge": (_SEC + "challenge", None),
        "domain": (_SEC + "domain", None),
        "nonce": (_SEC + "nonce", None),
    }
)


def _escape_literal(value: str) -> str:
    # RDFC-1.0 §4.x canonical N-Quads: ECHAR for \b \t \n \f \r \" \\, UCHAR for other controls.
    return _CONTROL.sub(lambda m: _ECHAR.get(m.group(), f"\\u{ord(m.group()):04X}"), value)


def proof_config_nquads_fast(config: Mapping[str, Any]) -> str | None:
    """Canonical N-Quads of a plain proof configuration without running JSON-LD, or ``None``.

    Applies only when the first context is credentials v2, whose ``@protected``
    ``DataIntegrityProof`` type-scoped context fixes every term below whatever follows it, and every
    member has a plain shape. Tests check it against the general path.
    """
    ctx = config.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    if first != CREDENTIALS_V2 or config.get("type") != "DataIntegrityProof":
        return None
    lines = [
        "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <"
        + _SEC
        + "DataIntegrityProof> .\n"
    ]
    for key, value in config.items():
        if key in ("@context", "type"):
            continue
        if not isinstance(value, str):
            return None
        if key in _LITERALS:
            pred, datatype = _LITERALS[key]
            obj = '"' + _escape_literal(value) + '"'
            if datatype is not None:
                obj += "^^<" + datatype + ">"
        elif key == "verificationMethod":
            if ":" not in value or _IRI_FORBIDDEN.search(value) or value.startswith("_:"):
                return None
            pred, obj = _SEC + "verificationMethod", "<" + value + ">"
        elif key == "proofPurpose":
            iri = _PURPOSES.get(value)
            if iri is None:
                return None
            pred, obj = _SEC + "proofPurpose", "<" + iri + ">"
        else:
            return None
        lines.append("_:c14n0 <" + pred + "> " + obj + " .\n")
    lines.sort()
    return "".join(lines)


def canonical_proof_config(
    suite: Cryptosuite,
    config: Mapping[str, Any],
    *,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> bytes:
    """Canonical form of the proof configuration (ECDSA/EdDSA §3.x.5)."""
    if suite.canonicalization == "jcs":
        _check_json_limits(config, limits)
        return _jcs(config)
    fast = proof_config_nquads_fast(config)
    if fast is not None:
        return fast.encode("utf-8")
    return to_canonical_nquads(config, loader=loader, limits=limits).encode("utf-8")


def transform_document(
    suite: Cryptosuite,
    document: Mapping[str, Any],
    *,
    loader: StaticDocumentLoader | None = None,
    limits: JsonLdLimits = DEFAULT_LIMITS,
) -> bytes:
    """Transformed data document (ECDSA/EdDSA §3.x.3): RDFC-1.0 N-Quads or JCS bytes."""
    if suite.canonicalization == "jcs":
        _check_json_limits(document, limits)
        canonical = _jcs(document)
        if len(canonical) > limits.max_bytes:
            raise InputTooLarge("document too large")
        return canonical
    return to_canonical_nquads(document, loader=loader, limits=limits).encode("utf-8")


def hash_data(profile: KeyProfile, canonical_config: bytes, transformed: bytes) -> bytes:
    """``hash(proof config) || hash(document)`` with the key's hash (ECDSA §3.2.4)."""
    h: Callable[[bytes], Any] = hashlib.sha256 if profile.hash_name == "sha256" else hashlib.sha384
    return bytes(h(canonical_config).digest() + h(transformed).digest())


def verify_signature(profile: KeyProfile, key: PublicKey, data: bytes, signature: bytes) -> None:
    """Verify a raw Data Integrity signature; ``InvalidSignature`` on any mismatch."""
    if len(signature) != profile.signature_length:
        raise InvalidSignature(
            "signature has the wrong length for the key", code="invalid_signature"
        )
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return
        half = profile.signature_length // 2
        r = int.from_bytes(signature[:half], "big")
        s = int.from_bytes(signature[half:], "big")
        algorithm = hashes.SHA256() if profile.hash_name == "sha256" else hashes.SHA384()
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(algorithm))
    except _CryptoInvalidSignature as exc:
        raise InvalidSignature("Data Integrity proof signature does not verify") from exc
