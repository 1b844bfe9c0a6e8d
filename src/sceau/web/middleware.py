"""The outermost ASGI layer: request ids, security headers, access logs and metrics.

Kept as plain ASGI (no framework types) so it also wraps errors raised before routing.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any, cast

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from sceau.web.metrics import HttpMetrics

REQUEST_ID_HEADER = b"x-request-id"
# A well-formed incoming id is echoed; anything else is replaced (it would end up in logs).
_WELL_FORMED_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{8,64}$")

CSP_HEADER = b"content-security-policy"
# The default CSP fits the JSON API and the docs page: everything from 'self', no framing.
DEFAULT_CSP = b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
# The one inline <style> the GC Design System's Stencil loader inserts in <head>: "<all component
# tags, sorted>{visibility:hidden}.hydrated{visibility:inherit}" (hides components until they are
# upgraded). Allowed by its hash (CSP Level 3 §8.3), never by 'unsafe-inline'; without it the
# style is refused (a console violation) and components flash unstyled before upgrading. The
# hash follows the vendored gcds.esm.js: tests/integration/signin/test_page_static.py recomputes it.
GCDS_LOADER_STYLE_HASH = "'sha256-h0iBPaGm9POpej1E2Xyl3CW6D/1Nw7OWarnofqER01I='"
# The policy of the server-rendered HTML pages (the sign-in pages): only this origin's own
# scripts, styles, images and fonts, never inline script or eval, no inline style but the one
# above. Component styles are constructable stylesheets (adoptedStyleSheets), which style-src
# does not govern; style attributes set through the CSSOM are allowed as well.
HTML_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; "
    f"style-src 'self' {GCDS_LOADER_STYLE_HASH}; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
# Security headers for every response (one place). A handler that sets its own
# Content-Security-Policy keeps it (one header, never two); the others get DEFAULT_CSP.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
NO_STORE_PREFIXES = ("/admin",)

_access_log = structlog.get_logger("sceau.access")


class RequestContextMiddleware:
    """Adds ``X-Request-ID`` and security headers, logs one line per request, counts metrics."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, *, hsts: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        # HSTS only where the platform is served over HTTPS (prod); never on the laptop demo.
        self.extra_headers: tuple[tuple[bytes, bytes], ...] = (
            ((b"strict-transport-security", b"max-age=31536000; includeSubDomains"),)
            if hsts
            else ()
        )

    async def __call__(self, asgi_scope: Scope, receive: Receive, send: Send) -> None:
        scope = cast("dict[str, Any]", asgi_scope)
        if scope["type"] != "http":
            await self.app(asgi_scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        path: str = scope["path"]
        no_store = path.startswith(NO_STORE_PREFIXES)
        status_holder = [500]
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != REQUEST_ID_HEADER
                    and not (no_store and k.lower() == b"cache-control")
                ]
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if not any(k.lower() == CSP_HEADER for k, _ in headers):
                    headers.append((CSP_HEADER, DEFAULT_CSP))
                headers.extend(self.extra_headers)
                if no_store:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(asgi_scope, receive, send_with_headers)
            finally:
                duration = time.perf_counter() - started
                route = scope.get("path_template") or "<unmatched>"
                status = status_holder[0]
                self.metrics.observe(scope["method"], route, status, duration)
                _access_log.info(
                    "request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    duration_ms=round(duration * 1000, 3),
                    tenant=state.get("tenant"),
                )


def _incoming_request_id(scope: dict[str, Any]) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if _WELL_FORMED_REQUEST_ID.match(value) else None
    return None
