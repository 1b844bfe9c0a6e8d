"""Encrypted Credential and Deferred Credential Requests (OID4VCI 1.0 §8.2, §9.1, §10).

§10 is the #encrypted-messages section.

The issuer publishes one ECDH-ES P-256 public key per tenant in ``credential_request_encryption``
(§12.2.4); a wallet may send its request as a compact JWE (``Content-Type: application/jwt``)
whose plaintext is the JSON request, and MUST do so when it asks for an encrypted response
(§8.2, §9.1: "to prevent it being substituted by an attacker").

The private key is derived from the KEK per tenant (:meth:`KeyStoreService.agreement_key`), so
it needs no storage and every process holds the same one; its ``kid`` is the RFC 7638 thumbprint.
Allowed: ``alg`` ECDH-ES with ``enc`` A128GCM or A256GCM (HAIP 1.0 §5: ECDH-ES on P-256, A128GCM
MUST), no ``zip`` (SECURITY.md J-06), the ``kid`` of our key and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from sceau.core.encoding import b64url_decode, json_loads
from sceau.core.errors import SceauError
from sceau.core.jose import jwe_decrypt, jwk_thumbprint, public_jwk
from sceau.errors import OAuthError

__all__ = [
    "JWT_MEDIA_TYPE",
    "REQUEST_ENCRYPTION_ENCS",
    "REQUEST_KEY_PURPOSE",
    "AgreementKeys",
    "RequestDecryptionKey",
    "decrypt_request",
    "max_encrypted_request_length",
    "request_decryption_key",
    "request_encryption_metadata",
]

JWT_MEDIA_TYPE: Final = "application/jwt"
# The KEK derivation purpose (versioned: a new version is a new key for every tenant).
REQUEST_KEY_PURPOSE: Final = "oid4vci/credential-request-encryption/v1"
REQUEST_ENCRYPTION_ALG: Final = "ECDH-ES"
REQUEST_ENCRYPTION_ENCS: Final = ("A128GCM", "A256GCM")
MAX_HEADER_BYTES: Final = 4 * 1024

# Message ids of the precise error descriptions (sceau.po, en and fr).
PLAINTEXT_WITH_RESPONSE_ENCRYPTION: Final = "oid4vci_request_must_be_encrypted"
WRONG_REQUEST_ENCRYPTION: Final = "oid4vci_request_encryption_not_supported"
UNDECRYPTABLE_REQUEST: Final = "oid4vci_request_not_decryptable"


@dataclass(frozen=True, slots=True)
class RequestDecryptionKey:
    """The tenant's request decryption key and its published public JWK (with ``kid``)."""

    private_key: ec.EllipticCurvePrivateKey
    jwk: dict[str, Any]

    @classmethod
    def of(cls, private_key: ec.EllipticCurvePrivateKey) -> RequestDecryptionKey:
        jwk = public_jwk(private_key)
        # #encrypted-messages: the JWK's alg MUST be present and equals the JWE alg; §12.2.4:
        # each key in the set has a kid.
        published = {**jwk, "kid": jwk_thumbprint(jwk), "use": "enc", "alg": REQUEST_ENCRYPTION_ALG}
        return cls(private_key, published)

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])


class AgreementKeys(Protocol):
    """What this module needs of the keys capability (:class:`KeyStoreService`)."""

    def agreement_key(
        self, tenant_slug: str, purpose: str
    ) -> ec.EllipticCurvePrivateKey | None: ...


def request_decryption_key(keys: AgreementKeys | None, tenant: str) -> RequestDecryptionKey | None:
    """The tenant's request decryption key, or None when the key store cannot provide one."""
    private_key = None if keys is None else keys.agreement_key(tenant, REQUEST_KEY_PURPOSE)
    return None if private_key is None else RequestDecryptionKey.of(private_key)


def request_encryption_metadata(key: RequestDecryptionKey) -> dict[str, Any]:
    """§12.2.4 ``credential_request_encryption``: no ``zip_values_supported`` (no compression)."""
    return {
        "jwks": {"keys": [dict(key.jwk)]},
        "enc_values_supported": list(REQUEST_ENCRYPTION_ENCS),
        "encryption_required": False,
    }


def max_encrypted_request_length(max_request_bytes: int) -> int:
    """A compact JWE carrying at most ``max_request_bytes`` of JSON: base64url of it, a header."""
    return (max_request_bytes * 4 + 2) // 3 + 2 * MAX_HEADER_BYTES


def _screen_header(segment: str, key: RequestDecryptionKey) -> None:
    """The protected header must name our key and an allowed alg/enc, without zip or crit."""
    try:
        header = json_loads(b64url_decode(segment), max_bytes=MAX_HEADER_BYTES, max_depth=4)
    except SceauError as exc:
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST) from exc
    if not isinstance(header, dict):
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST)
    if (
        header.get("alg") != REQUEST_ENCRYPTION_ALG
        or header.get("enc") not in REQUEST_ENCRYPTION_ENCS
        or header.get("kid") != key.kid
        or "zip" in header
        or "crit" in header
    ):
        raise OAuthError("invalid_encryption_parameters", message=WRONG_REQUEST_ENCRYPTION)


def decrypt_request(body: bytes, key: RequestDecryptionKey | None, *, max_bytes: int) -> bytes:
    """The JSON plaintext of an encrypted request (``application/jwt`` body), or an OAuthError.

    ``invalid_encryption_parameters`` when the JWE is not for our key and algorithms (the wallet
    should read the metadata again); ``invalid_credential_request`` when it is malformed or does
    not decrypt. ``max_bytes`` bounds the plaintext (the same limit as a plaintext request).
    """
    if key is None:  # this deployment offers no request encryption
        raise OAuthError("invalid_encryption_parameters", message=WRONG_REQUEST_ENCRYPTION)
    max_length = max_encrypted_request_length(max_bytes)
    if len(body) > max_length:
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST)
    try:
        token = body.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST) from exc
    parts = token.split(".")
    if len(parts) != 5:
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST)
    _screen_header(parts[0], key)
    try:
        _header, plaintext = jwe_decrypt(
            token,
            key.private_key,
            algorithms=(REQUEST_ENCRYPTION_ALG,),
            encs=REQUEST_ENCRYPTION_ENCS,
            max_length=max_length,
        )
    except SceauError as exc:
        # Off-curve epk (SECURITY.md J-07), bad base64url, a tag that does not verify.
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST) from exc
    if len(plaintext) > max_bytes:
        raise OAuthError("invalid_credential_request", message=UNDECRYPTABLE_REQUEST)
    return plaintext
