"""Wire models of the OpenID4VCI admin API (msgspec)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec


class OfferCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``POST /admin/tenants/{slug}/offers``: what to offer to one person.

    ``grant`` (OpenID4VCI §4.1.1 ``grants``): ``pre-authorized_code`` (the default) offers the
    person's ``claims``; ``authorization_code`` is an issuer-initiated authorization code flow
    (the claims come from the upstream login), so it takes no claims and no tx_code, and the
    offer carries a fresh ``issuer_state`` that the wallet's authorization request must send.

    ``claims`` apply to every offered configuration unless ``claims_by_configuration`` gives a
    configuration its own claims object.
    """

    credential_configuration_ids: list[str]
    grant: Literal["pre-authorized_code", "authorization_code"] = "pre-authorized_code"
    claims: dict[str, Any] | None = None
    claims_by_configuration: dict[str, dict[str, Any]] | None = None
    # Ask for a numeric transaction code (PIN), returned once here for out-of-band delivery.
    tx_code: bool = False
    # Shown by the wallet next to the PIN input (§4.1.1: at most 300 characters).
    tx_code_description: str | None = None
    # Lifetime in seconds (default: the configured offer TTL, never more than one day).
    expires_in: int | None = None


class OfferCreated(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    credential_offer: dict[str, Any]
    # https URL serving the offer object (by reference, §4.1.3).
    credential_offer_uri: str
    # openid-credential-offer://?credential_offer_uri=... (what the QR code holds).
    offer_uri: str
    # openid-credential-offer://?credential_offer=... (by value, §4.1.2).
    offer_uri_by_value: str
    qr_png: str
    qr_svg: str
    # The PIN, shown once; deliver it to the person over another channel.
    tx_code: str | None
    expires_at_ms: int
