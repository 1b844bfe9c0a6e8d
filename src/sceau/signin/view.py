"""What the sign-in page shows, and the port the page reads it through.

The provider (``SigninService``) builds a :class:`SigninView` for one sign-in session; the page
(``sceau.signin.pages``) renders it in English or French. The page never touches tables.
"""

from __future__ import annotations

from typing import Literal, Protocol

import msgspec

SigninStatus = Literal["pending", "verified", "rejected", "expired"]


class Bilingual(msgspec.Struct, frozen=True):
    en: str
    fr: str


class SigninView(msgspec.Struct, frozen=True, kw_only=True):
    tenant: str
    session_id: str
    # Who is asking (the relying party) and on whose platform (the tenant), in both languages.
    client_name: Bilingual
    tenant_name: Bilingual
    # Why: the verifier purpose registered for the scope(s) asked.
    purpose: Bilingual
    # What will be asked of the wallet, one label per claim (from the credential type's display).
    requested_claims: list[Bilingual]
    # Same-device: the openid4vp:// authorization request URI (a link/button, never only a QR).
    wallet_uri: str
    # Cross-device: the same URI as a QR code (image URL served by the page module).
    qr_svg_url: str
    # JSON {"status": SigninStatus, "expires_at_ms": int} for polling.
    status_url: str
    # Where the browser goes once the status is final (code or OIDC error redirect to the RP).
    continue_url: str
    # Abandon: ends in an access_denied redirect to the RP.
    cancel_url: str
    # Language from ui_locales (first supported), "en" by default; the page offers a toggle.
    language: Literal["en", "fr"]
    status: SigninStatus
    expires_at_ms: int


class SigninPort(Protocol):
    """Implemented by the provider's ``SigninService``; found on ``app.state["signin"]``."""

    async def view(self, tenant: str, session_id: str, browser_token: str | None) -> SigninView:
        """The session's view. Raises ``sceau.errors.NotFound`` for unknown sessions, or a session
        not bound to this browser (``browser_token`` is the value of the sign-in cookie)."""
        ...

    async def wallet_uri(self, tenant: str, session_id: str, browser_token: str | None) -> str:
        """The openid4vp:// URI to draw as a QR code (same checks as :meth:`view`)."""
        ...
