"""Parsing of Credential, Deferred Credential and Notification requests (§8.2, §9.1, §11.1), pure.

Unknown parameters are ignored (the spec says so); everything else is checked strictly and mapped
to the spec's error codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sceau.core.encoding import json_loads
from sceau.core.errors import SceauError
from sceau.core.jose import public_key_from_jwk
from sceau.errors import OAuthError
from sceau.oid4vci.encryption import PLAINTEXT_WITH_RESPONSE_ENCRYPTION

ENCRYPTION_ALGS: Final = frozenset({"ECDH-ES"})
ENCRYPTION_ENCS: Final = ("A128GCM", "A256GCM")
NOTIFICATION_EVENTS: Final = frozenset(
    {"credential_accepted", "credential_failure", "credential_deleted"}
)
MAX_ID_LENGTH: Final = 128


@dataclass(frozen=True, slots=True)
class ResponseEncryption:
    jwk: dict[str, Any]
    enc: str


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    # The configuration asked for, named directly or through a credential_identifier (§8.2).
    configuration_id: str
    proofs: list[Any]
    encryption: ResponseEncryption | None
    by_identifier: bool = False
    # "jwt" (Appendix F.1) or "attestation" (F.3: one key attestation, no proof of possession).
    proof_type: str = "jwt"


def _object(body: bytes, max_bytes: int, code: str) -> dict[str, Any]:
    try:
        value = json_loads(body, max_bytes=max_bytes, max_depth=16)
    except SceauError as exc:
        raise OAuthError(code) from exc
    if not isinstance(value, dict):
        raise OAuthError(code)
    return value


def parse_encryption(value: object) -> ResponseEncryption | None:
    """``credential_response_encryption`` (§8.2): an EC public ``jwk`` with ``alg`` ECDH-ES (§10)
    and an allowed ``enc``; ``zip`` is refused (we do not compress)."""
    if value is None:
        return None
    bad = OAuthError("invalid_encryption_parameters")
    if not isinstance(value, dict):
        raise bad
    jwk, enc = value.get("jwk"), value.get("enc")
    if "zip" in value or not isinstance(jwk, dict) or enc not in ENCRYPTION_ENCS:
        raise bad
    if jwk.get("alg") not in ENCRYPTION_ALGS or jwk.get("kty") != "EC":
        raise bad
    # The JWK's alg names the key agreement, not a signature algorithm: the core key import
    # only knows signature algorithms, so it checks the key without it.
    key = {k: v for k, v in jwk.items() if k != "alg"}
    try:
        public_key_from_jwk(key)
    except SceauError as exc:
        raise bad from exc
    return ResponseEncryption(jwk=key, enc=str(enc))


def _response_encryption(data: dict[str, Any], encrypted: bool) -> ResponseEncryption | None:
    """§8.2 and §9.1: "Credential Request encryption MUST be used if the
    ``credential_response_encryption`` parameter is included, to prevent it being substituted by
    an attacker", so a plaintext request that carries it is refused, whatever its value."""
    if "credential_response_encryption" not in data:
        return None
    if not encrypted:
        raise OAuthError(
            "invalid_encryption_parameters", message=PLAINTEXT_WITH_RESPONSE_ENCRYPTION
        )
    return parse_encryption(data["credential_response_encryption"])


def parse_credential_request(
    body: bytes, *, max_bytes: int, max_proofs: int, encrypted: bool = False
) -> CredentialRequest:
    """``body`` is the JSON request, decrypted first when it came as a JWE (``encrypted``)."""
    data = _object(body, max_bytes, "invalid_credential_request")
    encryption = _response_encryption(data, encrypted)
    configuration_id = data.get("credential_configuration_id")
    by_identifier = "credential_identifier" in data
    if by_identifier:
        # §8.2: exactly one of the two. Sceau names each Credential Dataset by its configuration
        # (the Token Response returns credential_identifiers == [configuration id], §6.2).
        if configuration_id is not None:
            raise OAuthError("invalid_credential_request")
        configuration_id = data["credential_identifier"]
        if not isinstance(configuration_id, str) or not 0 < len(configuration_id) <= MAX_ID_LENGTH:
            raise OAuthError("unknown_credential_identifier")
    if not isinstance(configuration_id, str) or not 0 < len(configuration_id) <= MAX_ID_LENGTH:
        raise OAuthError("invalid_credential_request")
    if "proof" in data:  # the pre-1.0 singular form
        raise OAuthError("invalid_credential_request")
    proofs = data.get("proofs")
    if proofs is None:
        raise OAuthError("invalid_proof")  # §8.3.1.2 case (1): the field is missing
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise OAuthError("invalid_credential_request")
    [proof_type] = proofs
    if proof_type not in ("jwt", "attestation"):
        raise OAuthError("invalid_proof")  # proof types jwt and attestation (HAIP 1.0)
    jwts = proofs[proof_type]
    if not isinstance(jwts, list) or not jwts:
        raise OAuthError("invalid_proof")
    if proof_type == "attestation" and len(jwts) != 1:
        raise OAuthError("invalid_proof")  # Appendix F: "exactly one JWT"
    if len(jwts) > max_proofs:
        raise OAuthError("invalid_credential_request")
    return CredentialRequest(configuration_id, jwts, encryption, by_identifier, proof_type)


def parse_deferred_request(
    body: bytes, *, max_bytes: int, encrypted: bool = False
) -> tuple[str, ResponseEncryption | None]:
    data = _object(body, max_bytes, "invalid_credential_request")
    encryption = _response_encryption(data, encrypted)
    transaction_id = data.get("transaction_id")
    if not isinstance(transaction_id, str) or not 0 < len(transaction_id) <= MAX_ID_LENGTH:
        raise OAuthError("invalid_transaction_id")
    return transaction_id, encryption


def parse_notification(body: bytes, *, max_bytes: int) -> tuple[str, str]:
    data = _object(body, max_bytes, "invalid_notification_request")
    notification_id, event = data.get("notification_id"), data.get("event")
    if not isinstance(notification_id, str) or not 0 < len(notification_id) <= MAX_ID_LENGTH:
        raise OAuthError("invalid_notification_request")
    if event not in NOTIFICATION_EVENTS:
        raise OAuthError("invalid_notification_request")
    description = data.get("event_description")
    if description is not None and (
        not isinstance(description, str)
        or len(description) > 1024
        or any(not (0x20 <= ord(c) <= 0x7E) or c in '"\\' for c in description)
    ):
        raise OAuthError("invalid_notification_request")
    return notification_id, str(event)
