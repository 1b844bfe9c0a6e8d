"""Wire models of the OpenID4VP verifier."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "PresentationRequestCreate",
    "PresentationRequestCreated",
    "PresentationRequestStatus",
    "PresentationResult",
    "ResponseMode",
]

ResponseMode = Literal["direct_post", "direct_post.jwt"]
Status = Literal["pending", "verified", "rejected"]


class PresentationRequestCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /admin/tenants/{slug}/presentation-requests``.

    ``dcql_query``: OpenID4VP §6; it may ask only for what ``purpose`` registered.
    ``redirect_uri``: same-device flow — returned to the wallet after its response (§8.2).
    """

    dcql_query: dict[str, Any]
    purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
    response_mode: ResponseMode = "direct_post"
    redirect_uri: Annotated[str, msgspec.Meta(max_length=2048)] | None = None
    ttl_s: Annotated[int, msgspec.Meta(ge=30, le=3600)] = 300


class PresentationRequestCreated(msgspec.Struct, frozen=True):
    id: str
    # Shown once: authenticates the result endpoint (Authorization: Bearer <secret>).
    secret: str
    client_id: str
    request_uri: str
    request_uri_method: Literal["get", "post"]
    authorization_request_uri: str  # openid4vp://?client_id=...&request_uri=...
    # The same request as haip:// and haip-vp:// URIs ({"haip": ..., "haip-vp": ...}), when it
    # follows HAIP (x509_hash prefix, direct_post.jwt); absent otherwise.
    haip_authorization_request_uris: dict[str, str] | None
    result_uri: str
    qr_svg_uri: str
    qr_png_uri: str
    expires_at_ms: int


class PresentationRequestStatus(msgspec.Struct, frozen=True):
    """Outcome metadata only; never claim values."""

    id: str
    status: Status
    purpose: str
    response_mode: ResponseMode
    reasons: list[str]
    outcome: list[dict[str, Any]]
    created_at_ms: int
    expires_at_ms: int
    completed_at_ms: int | None


class PresentationResult(msgspec.Struct, frozen=True):
    """``GET .../result``: the disclosed claims come once (``claims`` is null afterwards, with
    ``claims_released`` true). Claims never read are deleted ten minutes after the wallet's
    response (``claims_expired`` true from then on)."""

    id: str
    status: Status
    reasons: list[str]
    outcome: list[dict[str, Any]]
    claims: dict[str, list[dict[str, Any]]] | None
    claims_released: bool
    claims_expired: bool = False
