"""Credential types: what a tenant issues (format, claims schema, display, validity, status).

The wire model (:class:`CredentialTypeCreate`) is what an admin posts; :class:`CredentialType` is
the stored, fully defaulted definition other capabilities read (the OID4VCI
``credential_configuration_id`` is its ``id``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

CredentialFormat = Literal["dc+sd-jwt", "ldp_vc", "jwt_vc_json"]
FORMATS: Final[tuple[str, ...]] = ("dc+sd-jwt", "ldp_vc", "jwt_vc_json")
# Data Integrity cryptosuites a type may name (allow-list as data); the first is the default.
CRYPTOSUITES: Final[tuple[str, ...]] = ("ecdsa-rdfc-2019", "eddsa-rdfc-2022", "ecdsa-jcs-2019")
# Pan-Canadian Trust Framework levels of assurance, weakest first.
ASSURANCE_LEVELS: Final[tuple[str, ...]] = ("loa1", "loa2", "loa3", "loa4")
LOCALES: Final[tuple[str, ...]] = ("en-CA", "fr-CA")

TypeId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=1000)]
Url = Annotated[str, msgspec.Meta(pattern=r"^(https?|data):", max_length=2048)]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9A-Fa-f]{6}$")]
ClaimName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ClaimPath = Annotated[list[ClaimName], msgspec.Meta(min_length=1, max_length=8)]
VcTypeName = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class Logo(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    uri: Url
    alt_text: Text | None = None


class TypeDisplay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Display of the credential in one locale (OID4VCI §12.2.4 ``display``)."""

    name: Text
    description: LongText | None = None
    logo: Logo | None = None
    background_color: Color | None = None
    text_color: Color | None = None


class ClaimDisplay(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Display of one claim in one locale."""

    name: Text
    description: LongText | None = None


class CredentialTypeCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Body of ``POST /admin/tenants/{slug}/credential-types`` (and of ``PUT``, without ``id``)."""

    id: TypeId
    format: CredentialFormat
    display: dict[str, TypeDisplay]
    claims_schema: dict[str, Any]
    cryptosuite: str | None = None
    vct: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)] | None = None
    vc_type: Annotated[list[VcTypeName], msgspec.Meta(min_length=1, max_length=8)] | None = None
    selectively_disclosable: Annotated[list[ClaimPath], msgspec.Meta(max_length=256)] | None = None
    claims_display: dict[ClaimName, dict[str, ClaimDisplay]] = msgspec.field(default_factory=dict)
    validity_seconds: Annotated[int, msgspec.Meta(ge=60, le=20 * 365 * 86400)] = 365 * 86400
    status_enabled: bool = True
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 1
    min_assurance: Literal["loa1", "loa2", "loa3", "loa4"] = "loa1"
    deferred: bool = False
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=36500)] | None = None


class CredentialType(msgspec.Struct, frozen=True, kw_only=True):
    """A stored credential type with every default resolved (see the issue-4 contract)."""

    tenant_slug: str
    id: str
    format: CredentialFormat
    cryptosuite: str | None
    vct: str | None
    vc_type: list[str] | None
    claims_schema: dict[str, Any]
    selectively_disclosable: list[list[str]]
    display: dict[str, TypeDisplay]
    claims_display: dict[str, dict[str, ClaimDisplay]]
    validity_seconds: int
    status_enabled: bool
    batch_size: int
    min_assurance: str
    deferred: bool
    retention_days: int | None
    created_at_ms: int = 0
    # Changes on every update: lets caches of derived data (compiled schema) notice a new version.
    updated_at_ms: int = 0
