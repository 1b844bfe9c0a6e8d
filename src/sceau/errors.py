"""Errors of the service layers (tenants, audit, ...), each with a stable ``code`` and HTTP status.

``sceau.core.errors.SceauError`` subclasses from the credential core are mapped to statuses by code
in :data:`STATUS_BY_CODE`; service errors below carry their own status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from sceau.core.errors import SceauError


class ServiceError(SceauError):
    """An error of the service layer with the HTTP status it maps to."""

    status: ClassVar[int] = 400


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class TenantNotFound(NotFound):
    code = "tenant_not_found"


class ApiKeyNotFound(NotFound):
    code = "apikey_not_found"


class Conflict(ServiceError):
    code = "conflict"
    status = 409


class TenantExists(Conflict):
    code = "tenant_exists"


class AlgorithmNotAllowed(ServiceError):
    code = "algorithm_not_allowed"
    status = 422


class Unauthorized(ServiceError):
    """Missing, malformed, unknown or revoked API key (one answer for all, RFC 6750 §3.1)."""

    code = "unauthorized"
    status = 401


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403


class MalformedJson(ServiceError):
    """Body is not strict JSON: syntax error, duplicate member, NaN/Infinity, bad UTF-8."""

    code = "malformed_json"
    status = 400


class UnsupportedMediaType(ServiceError):
    code = "unsupported_media_type"
    status = 415


class OAuthError(SceauError):
    """An error of an OAuth 2.0 / OpenID4VCI / OpenID4VP / OIDC endpoint.

    Rendered as ``{"error": code, "error_description": ...}`` (RFC 6749 §5.2) on protocol routers;
    ``code`` is the protocol's own error code (``invalid_request``, ``invalid_grant``, ...);
    ``message`` optionally names a more precise ``error_description`` (``{message}.detail``).
    """

    def __init__(
        self,
        code: str,
        *,
        status: int = 400,
        message: str | None = None,
        extra: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__("", code=code, **params)
        self.status = status
        self.message_code = message
        # Members added to the error body (e.g. OpenID4VP §8.2 ``redirect_uri``); never secrets.
        self.extra = dict(extra or {})


# Core error codes → HTTP status. Unlisted codes of SceauError map to 400.
STATUS_BY_CODE: dict[str, int] = {
    "input_too_large": 413,
    "invalid_input": 400,
    "unsupported_algorithm": 400,
    "invalid_signature": 400,
    "invalid_key": 400,
    "verification_failed": 400,
    "unsupported_context": 400,
}


def codes_of(error: SceauError) -> list[str]:
    """The error's own code, then its classes' codes from the most to the least specific.

    Core code raises e.g. ``InvalidInput(..., code="invalid_claims")``: the specific code is what
    clients see; the class codes give the status and, when the specific code has no message yet,
    the title and detail.
    """
    codes = [error.code]
    for cls in type(error).__mro__:
        code = cls.__dict__.get("code")
        if isinstance(code, str) and code not in codes:
            codes.append(code)
    return codes


def status_for(error: SceauError) -> int:
    if isinstance(error, (ServiceError, OAuthError)):
        return error.status
    return next((STATUS_BY_CODE[c] for c in codes_of(error) if c in STATUS_BY_CODE), 400)
