"""Errors of the signing-keys capability (stable codes, HTTP statuses)."""

from __future__ import annotations

from sceau.errors import Conflict, NotFound, ServiceError


class SigningKeyNotFound(NotFound):
    code = "signing_key_not_found"


class SigningKeyRevoked(NotFound):
    """The kid exists but was revoked: its signatures must no longer be accepted."""

    code = "signing_key_revoked"


class NoActiveSigningKey(Conflict):
    """The tenant has keys for this algorithm but none is active (all retired or revoked)."""

    code = "no_active_signing_key"


class SigningKeyStateConflict(Conflict):
    """The lifecycle transition is not allowed from the key's current status."""

    code = "signing_key_state_conflict"


class KeyEncryptionKeyError(ServiceError):
    """The KEK is missing, malformed, or is not the one the stored keys were sealed with."""

    code = "kek_error"
    status = 500


class KeyEncryptionKeyMismatch(KeyEncryptionKeyError):
    code = "kek_mismatch"


class SealedKeyInvalid(ServiceError):
    """A sealed private key failed authentication: tampered, truncated or moved to another row."""

    code = "sealed_key_invalid"
    status = 500


class IssuerCertificateInvalid(ServiceError):
    """An uploaded issuer certificate chain is refused (the specific ``issuer_x509_*`` code says
    why: not PEM or wrong order, leaf for another key, not valid now, issuer not named)."""

    code = "issuer_x509_chain_invalid"
    status = 422


class IssuerCertificateChainNotFound(NotFound):
    code = "issuer_certificate_chain_not_found"
