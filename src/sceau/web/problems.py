"""One place that turns every error into a localized response.

Admin and VC API routes answer RFC 9457 ``application/problem+json``::

    {"type": "urn:sceau:problem:tenant_not_found", "title": "...", "status": 404,
     "detail": "...", "code": "tenant_not_found", "request_id": "..."}

Protocol routes (OAuth 2.0, OpenID4VCI, OpenID4VP, OIDC) are built with :func:`protocol_router`
and answer ``{"error": code, "error_description": ...}`` (RFC 6749 §5.2) instead. Titles and details
come from the gettext catalogues, in the language chosen from ``Accept-Language``; they never echo
the input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import structlog
from litestar import Request, Response, Router
from litestar.exceptions import (
    ClientException,
    HTTPException,
    SerializationException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from sceau.core.errors import SceauError
from sceau.db.errors import database_unavailable
from sceau.errors import OAuthError, Unauthorized, codes_of, status_for
from sceau.web.i18n import Language, Translator, negotiate_language, to_oauth_ascii

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:sceau:problem:"

_log = structlog.get_logger("sceau.web")

_CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    503: "service_unavailable",
}

# Protocol errors (RFC 6749 §5.2) for failures that happen before a protocol handler runs.
_OAUTH_CODE_BY_STATUS: dict[int, str] = {
    401: "invalid_client",
    500: "server_error",
    503: "temporarily_unavailable",  # RFC 6749 §4.1.2.1
}

RETRY_AFTER_S = "2"


class Problem(msgspec.Struct, frozen=True):
    """RFC 9457 problem details, as every admin and VC API error is rendered."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    request_id: str


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI response entries for the problem statuses a route can answer."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_CODE_BY_STATUS.get(status, "error").replace("_", " "),
            generate_examples=False,
        )
        for status in statuses
    }


# Every authenticated admin route may answer these.
ADMIN_PROBLEMS = problem_responses(400, 401, 403, 404, 413, 415)


class Classified:
    """What the handlers need to know about any exception."""

    __slots__ = ("code", "headers", "message_codes", "params", "status")

    def __init__(
        self,
        code: str,
        status: int,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        message_codes: Sequence[str] = (),
    ) -> None:
        self.code = code
        # Codes to take the title/detail from, most specific first (falls back to "error").
        self.message_codes = tuple(message_codes) or (code,)
        self.status = status
        self.params = dict(params or {})
        self.headers = dict(headers or {})


def classify(exc: Exception, request: Request[Any, Any, Any]) -> Classified:
    """Map an exception to a stable code and status (never leaks the exception text)."""
    if isinstance(exc, SceauError):
        headers: dict[str, str] = {}
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="sceau", error="invalid_token"'
        return Classified(exc.code, status_for(exc), exc.params, headers, codes_of(exc))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() == "allow"}
        if status == 413:
            limit = (
                request.route_handler.resolve_request_max_body_size()
                if _has_handler(request)
                else None
            )
            return Classified("body_too_large", 413, {"limit": limit or "?"})
        if isinstance(exc, ValidationException):
            return Classified("validation_failed", 400)
        if isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
            return Classified("malformed_json", 400)
        if status >= 500:
            return Classified("service_unavailable" if status == 503 else "internal_error", status)
        return Classified(_CODE_BY_STATUS.get(status, "bad_request"), status, None, headers)
    if database_unavailable(exc):
        return Classified("service_unavailable", 503, None, {"Retry-After": RETRY_AFTER_S})
    return Classified("internal_error", 500)


def _has_handler(request: Request[Any, Any, Any]) -> bool:
    return "route_handler" in request.scope


def request_language(request: Request[Any, Any, Any]) -> Language:
    return negotiate_language(request.headers.get("accept-language"))


def request_id_of(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _log_if_unexpected(
    exc: Exception, classified: Classified, request: Request[Any, Any, Any]
) -> None:
    if classified.status == 503:
        _log.warning(
            "database_unavailable",
            exc_type=type(exc).__name__,
            path=request.scope.get("path_template"),
        )
    elif classified.status >= 500:
        # The stack trace goes to the log (with the request id bound by the middleware), never
        # to the client.
        _log.error(
            "unhandled_exception",
            exc_type=type(exc).__name__,
            path=request.scope.get("path_template"),
            exc_info=exc,
        )


def problem_response(
    request: Request[Any, Any, Any],
    code: str,
    status: int,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    message_codes: Sequence[str] = (),
) -> Response[bytes]:
    translator: Translator = request.app.state.translator
    language = request_language(request)
    message_code = next(
        (c for c in (*message_codes, code) if translator.has(f"{c}.title")), "error"
    )
    body = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": translator.gettext(f"{message_code}.title", language, params),
        "status": status,
        "detail": translator.gettext(f"{message_code}.detail", language, params),
        "code": code,
        "request_id": request_id_of(request),
    }
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": language, **(headers or {})},
    )


def problem_exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """The app-wide handler: every error becomes problem+json."""
    classified = classify(exc, request)
    _log_if_unexpected(exc, classified, request)
    return problem_response(
        request,
        classified.code,
        classified.status,
        classified.params,
        classified.headers,
        classified.message_codes,
    )


def oauth_exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """Handler for protocol routers: RFC 6749 §5.2 ``{"error", "error_description"}``."""
    classified = classify(exc, request)
    _log_if_unexpected(exc, classified, request)
    message_codes: tuple[str, ...] = ()
    extra: dict[str, str] = {}
    if isinstance(exc, OAuthError):
        code = exc.code
        message_codes = (exc.message_code,) if exc.message_code else ()
        extra = exc.extra
    elif classified.status in _OAUTH_CODE_BY_STATUS:
        code = _OAUTH_CODE_BY_STATUS[classified.status]
    elif classified.status >= 500:
        code = "server_error"
    else:
        code = "invalid_request"
    translator: Translator = request.app.state.translator
    language = request_language(request)
    message_id = next(
        (
            m
            for m in (f"{c}.detail" for c in (*message_codes, code, *classified.message_codes))
            if translator.has(m)
        ),
        "error.detail",
    )
    description = to_oauth_ascii(translator.gettext(message_id, language, classified.params))
    headers = {"Cache-Control": "no-store", "Content-Language": language, **classified.headers}
    return Response(
        content=msgspec.json.encode({**extra, "error": code, "error_description": description}),
        status_code=classified.status,
        media_type="application/json",
        headers=headers,
    )


PROBLEM_HANDLERS: ExceptionHandlersMap = {Exception: problem_exception_handler}
OAUTH_HANDLERS: ExceptionHandlersMap = {Exception: oauth_exception_handler}


def protocol_router(
    path: str, route_handlers: Sequence[ControllerRouterHandler], **kwargs: Any
) -> Router:
    """A router whose errors use the OAuth 2.0 format instead of problem+json.

    Use it for OAuth 2.0, OpenID4VCI, OpenID4VP and OIDC endpoints; raise :class:`OAuthError`
    (or any ``SceauError``, mapped to ``invalid_request``) from their handlers.
    """
    return Router(
        path=path, route_handlers=route_handlers, exception_handlers=OAUTH_HANDLERS, **kwargs
    )
