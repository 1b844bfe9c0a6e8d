"""The sign-in page (issue 6 §3): server-rendered, English and French, GC Design System.

``GET /t/{tenant}/oidc/signin/{session_id}`` renders the provider's :class:`SigninView` (through
the :class:`SigninPort` on ``app.state["signin"]``) with Jinja2 (autoescape on, i18n extension on
the ``signin`` gettext domain); ``?lang=en|fr`` overrides the language chosen from ``ui_locales``.
``.../qr.svg`` draws the wallet URI as a QR code (segno). The GC Design System components and the
page's own CSS/JS are served from this origin under ``/static/`` (no CDN), and HTML pages carry
:data:`~sceau.web.middleware.HTML_PAGE_CSP` (no inline script or style).

The essential content (who asks, why, what is shared, the wallet link, the QR and its text
alternative, the status, expiry, cancel and the no-script continue link) is plain semantic HTML:
it works before (or without) the GCDS web components and without JavaScript. The components
provide the header (language toggle, skip link, signature) and the footer.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import jinja2
import segno
from babel.messages.pofile import read_po
from litestar import Request, Response, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from sceau.errors import NotFound
from sceau.signin.service import SIGNIN_COOKIE
from sceau.signin.view import SigninPort, SigninView
from sceau.web.middleware import HTML_PAGE_CSP

__all__ = ["ROUTES", "render_not_found", "render_page"]

Language = Literal["en", "fr"]
LANGUAGES: Final[tuple[Language, ...]] = ("en", "fr")
DOMAIN: Final = "signin"
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
TEMPLATES_DIR: Final = Path(__file__).resolve().parent / "templates"
STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "web" / "static"
HTML: Final = "text/html"
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PAGE_HEADERS: Final = {**NO_STORE, "Content-Security-Policy": HTML_PAGE_CSP}
OTHER: Final[Mapping[Language, Language]] = {"en": "fr", "fr": "en"}


def load_messages(language: Language, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """Message id → text of the ``signin`` gettext domain for one language."""
    with (locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    return {
        m.id: m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
    }


class _Translations:
    """The gettext callables Jinja2's i18n extension needs, over one loaded catalogue."""

    def __init__(self, messages: Mapping[str, str], fallback: Mapping[str, str]) -> None:
        self.messages = messages
        self.fallback = fallback

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or self.fallback.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


@cache
def translations(language: Language) -> _Translations:
    return _Translations(load_messages(language), load_messages("en"))


@cache
def environment(language: Language) -> jinja2.Environment:
    """One Jinja2 environment per language (the gettext callables are bound per environment)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    messages = translations(language)
    # newstyle: _("id", name=value) fills %(name)s with escaped values (Jinja2 i18n docs).
    env.install_gettext_callables(  # type: ignore[attr-defined]
        messages.gettext, messages.ngettext, newstyle=True
    )
    return env


def _text(language: Language, message: str) -> str:
    return translations(language).gettext(message)


def _language(request: Request[Any, Any, Any], default: Language) -> Language:
    requested = request.query_params.get("lang")
    if requested == "fr":
        return "fr"
    if requested == "en":
        return "en"
    return default


def _toggle_url(request: Request[Any, Any, Any], language: Language) -> str:
    """The same page (same session) in the other language; a relative URL."""
    return f"{request.url.path}?lang={OTHER[language]}"


def _expiry(expires_at_ms: int) -> tuple[str, str]:
    """(ISO 8601 instant for ``<time datetime>``, text shown without JavaScript: HH:MM UTC).

    signin.js rewrites the text into the browser's local time."""
    at = datetime.fromtimestamp(expires_at_ms / 1000, tz=UTC)
    return at.isoformat(timespec="seconds").replace("+00:00", "Z"), at.strftime("%H:%M UTC")


def render_page(view: SigninView, language: Language, toggle_url: str) -> str:
    env = environment(language)
    expires_iso, expires_text = _expiry(view.expires_at_ms)
    return env.get_template("signin.html").render(
        lang=language,
        other_lang=OTHER[language],
        toggle_url=toggle_url,
        client_name=getattr(view.client_name, language),
        tenant_name=getattr(view.tenant_name, language),
        purpose=getattr(view.purpose, language),
        claims=[getattr(claim, language) for claim in view.requested_claims],
        wallet_uri=view.wallet_uri,
        qr_svg_url=view.qr_svg_url,
        status_url=view.status_url,
        continue_url=view.continue_url,
        cancel_url=view.cancel_url,
        status=view.status,
        status_text=_text(language, f"signin.status.{view.status}"),
        expires_iso=expires_iso,
        expires_text=expires_text,
    )


def render_not_found(language: Language, toggle_url: str) -> str:
    other = OTHER[language]
    return (
        environment(language)
        .get_template("not_found.html")
        .render(
            lang=language,
            other_lang=other,
            toggle_url=toggle_url,
            other={part: _text(other, f"notfound.{part}") for part in ("title", "detail", "retry")},
        )
    )


def _port(request: Request[Any, Any, Any]) -> SigninPort:
    port: SigninPort = request.app.state["signin"]
    return port


def _not_found(request: Request[Any, Any, Any]) -> Response[str]:
    language = _language(request, "en")
    return Response(
        render_not_found(language, _toggle_url(request, language)),
        status_code=404,
        media_type=HTML,
        headers=PAGE_HEADERS,
    )


@get(
    "/t/{tenant:str}/oidc/signin/{session_id:str}",
    include_in_schema=False,
    media_type=HTML,
    name="signin_page",
)
async def signin_page(
    request: Request[Any, Any, Any], tenant: FromPath[str], session_id: FromPath[str]
) -> Response[str]:
    try:
        view = await _port(request).view(tenant, session_id, request.cookies.get(SIGNIN_COOKIE))
    except NotFound:
        # Unknown session, or one started in another browser (RFC 9700 §4.7): same answer.
        return _not_found(request)
    language = _language(request, view.language)
    return Response(
        render_page(view, language, _toggle_url(request, language)),
        media_type=HTML,
        headers=PAGE_HEADERS,
    )


def qr_svg(uri: str, title: str) -> bytes:
    """The URI as an SVG QR code with a <title> (error correction M, 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make(uri, error="m", boost_error=False).save(
        out, kind="svg", scale=4, border=4, title=title, xmldecl=False, nl=False
    )
    return out.getvalue()


@get(
    "/t/{tenant:str}/oidc/signin/{session_id:str}/qr.svg",
    include_in_schema=False,
    media_type="image/svg+xml",
    name="signin_qr",
)
async def signin_qr(
    request: Request[Any, Any, Any], tenant: FromPath[str], session_id: FromPath[str]
) -> Response[bytes]:
    try:
        uri = await _port(request).wallet_uri(
            tenant, session_id, request.cookies.get(SIGNIN_COOKIE)
        )
    except NotFound:
        return _not_found(request)  # type: ignore[return-value]
    language = _language(request, "en")
    return Response(
        qr_svg(uri, _text(language, "signin.qr_title")),
        media_type="image/svg+xml",
        headers=NO_STORE,
    )


_STATIC_CACHE = CacheControlHeader(max_age=86400, public=True)

ROUTES: list[ControllerRouterHandler] = [
    signin_page,
    signin_qr,
    create_static_files_router(
        path="/static/gcds",
        directories=[STATIC_DIR / "gcds"],
        include_in_schema=False,
        cache_control=_STATIC_CACHE,
        name="static_gcds",
    ),
    create_static_files_router(
        path="/static/signin",
        directories=[STATIC_DIR / "signin"],
        include_in_schema=False,
        cache_control=_STATIC_CACHE,
        name="static_signin",
    ),
]
