"""Errors of the credential-type capability (stable codes, HTTP statuses)."""

from __future__ import annotations

from sceau.errors import Conflict, NotFound, ServiceError


class UnknownCredentialType(NotFound):
    code = "unknown_credential_type"


class CredentialTypeExists(Conflict):
    code = "credential_type_exists"


class InvalidCredentialType(ServiceError):
    """A definition that is well-formed JSON but not a usable type (``reason`` says why)."""

    code = "invalid_credential_type"
    status = 422


class ClaimsRejected(ServiceError):
    """Claims that fail the type's JSON Schema.

    Raised with ``code="invalid_claims"`` (what clients see) and params ``paths`` (JSON Pointers
    of the failing values, RFC 6901) and ``errors`` (``[{"path", "keyword"}]``). The class code
    picks the message, which lists the paths.
    """

    code = "claims_schema_violation"
    status = 422
