"""Protocol errors that carry response headers, and the router that renders them.

RFC 6750 §3 wants ``WWW-Authenticate`` on 401 answers of a protected resource, RFC 9449 §7.1 the
``DPoP`` scheme with ``algs``; the spine's :func:`sceau.web.problems.oauth_exception_handler`
writes the body (``error`` + localized ``error_description``), this module adds the headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Request, Response, Router
from litestar.types import ControllerRouterHandler, ExceptionHandlersMap

from sceau.errors import OAuthError
from sceau.web.problems import oauth_exception_handler


class OAuthProtocolError(OAuthError):
    """An :class:`OAuthError` with extra response headers (``WWW-Authenticate``, ``DPoP-Nonce``)."""

    def __init__(
        self, code: str, *, status: int = 400, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(code, status=status)
        self.headers = dict(headers or {})


def invalid_token(
    scheme: str = "DPoP", *, algs: Sequence[str] = (), code: str = "invalid_token"
) -> OAuthProtocolError:
    """401 with ``WWW-Authenticate`` naming the scheme the resource expects (RFC 6750 §3)."""
    challenge = f'{scheme} error="{code}"'
    if scheme == "DPoP" and algs:
        challenge += f', algs="{" ".join(algs)}"'
    return OAuthProtocolError(code, status=401, headers={"WWW-Authenticate": challenge})


def _handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    response = oauth_exception_handler(request, exc)
    if isinstance(exc, OAuthProtocolError):
        for name, value in exc.headers.items():
            response.headers[name] = value
    return response


OAUTH_PROTOCOL_HANDLERS: ExceptionHandlersMap = {Exception: _handler}


def oauth_router(
    path: str, route_handlers: Sequence[ControllerRouterHandler], **kwargs: Any
) -> Router:
    """Like :func:`sceau.web.problems.protocol_router`, plus :class:`OAuthProtocolError` headers."""
    return Router(
        path=path,
        route_handlers=route_handlers,
        exception_handlers=OAUTH_PROTOCOL_HANDLERS,
        **kwargs,
    )
