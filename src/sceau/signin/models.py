"""Wire models of relying parties (``/admin/tenants/{slug}/relying-parties``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "CredentialTypeRef",
    "RelyingParty",
    "RelyingPartyCreate",
    "RelyingPartyCreated",
    "RelyingPartyUpdate",
    "ScopeConfig",
]

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Uri = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
ScopeName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_.:-]{0,62}$")]
ClaimName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,62}$")]
ClaimPath = Annotated[list[str | int], msgspec.Meta(min_length=1, max_length=8)]
AuthMethod = Literal["private_key_jwt", "client_secret_basic"]
Format = Literal["dc+sd-jwt", "ldp_vc", "jwt_vc_json"]
Assurance = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9:._/-]{1,64}$")]


class CredentialTypeRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One credential type a scope accepts: SD-JWT VC by ``vct``, W3C formats by VC ``type``."""

    format: Format
    vct: Uri | None = None
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    # Level of assurance; default: the tenant credential type's min_assurance, else scope acr.
    acr: Assurance | None = None


class ScopeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A scope: which verifier purpose, which credentials, which claims map to which OIDC claims.

    ``subject_claims``: claim paths whose values identify the person within the credential type
    (e.g. a licence or client number); with the issuer and type they seed the pairwise ``sub``.
    """

    purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=63)]
    credential_types: Annotated[list[CredentialTypeRef], msgspec.Meta(min_length=1, max_length=8)]
    claims: Annotated[dict[ClaimName, ClaimPath], msgspec.Meta(max_length=32)]
    subject_claims: Annotated[list[ClaimPath], msgspec.Meta(min_length=1, max_length=4)]
    acr: Assurance | None = None


class RelyingPartyCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name_en: Name
    name_fr: Name
    redirect_uris: Annotated[list[Uri], msgspec.Meta(min_length=1, max_length=10)]
    token_endpoint_auth_method: AuthMethod
    scopes: Annotated[dict[ScopeName, ScopeConfig], msgspec.Meta(min_length=1, max_length=20)]
    post_logout_redirect_uris: Annotated[list[Uri], msgspec.Meta(max_length=10)] = msgspec.field(
        default_factory=list
    )
    backchannel_logout_uri: Uri | None = None
    # private_key_jwt: the client's public keys (ES256, ES384, EdDSA or PS256).
    jwks: dict[str, Any] | None = None


class RelyingPartyUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name_en: Name | None = None
    name_fr: Name | None = None
    redirect_uris: Annotated[list[Uri], msgspec.Meta(min_length=1, max_length=10)] | None = None
    post_logout_redirect_uris: Annotated[list[Uri], msgspec.Meta(max_length=10)] | None = None
    backchannel_logout_uri: Uri | None = None
    scopes: (
        Annotated[dict[ScopeName, ScopeConfig], msgspec.Meta(min_length=1, max_length=20)] | None
    ) = None
    jwks: dict[str, Any] | None = None


class RelyingParty(msgspec.Struct, frozen=True, kw_only=True):
    tenant: str
    client_id: str
    name_en: str
    name_fr: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    backchannel_logout_uri: str | None
    token_endpoint_auth_method: AuthMethod
    jwks: dict[str, Any] | None
    scopes: dict[str, ScopeConfig]
    created_at_ms: int
    updated_at_ms: int


class RelyingPartyCreated(msgspec.Struct, frozen=True, kw_only=True):
    relying_party: RelyingParty
    # client_secret_basic only; shown once, stored as a hash.
    client_secret: str | None = None
