"""Wire models of the tenant admin API (msgspec; unknown fields are rejected)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

# Asymmetric JOSE algorithms a tenant policy may name (allow-list as data).
PLATFORM_SIGNING_ALGORITHMS: tuple[str, ...] = ("ES256", "ES384", "EdDSA", "Ed25519")
DEFAULT_SIGNING_ALGORITHMS: tuple[str, ...] = ("ES256",)

TenantRole = Literal["admin", "issuer", "verifier", "auditor"]
Role = Literal["platform_admin", "admin", "issuer", "verifier", "auditor"]
TENANT_ROLES: tuple[TenantRole, ...] = ("admin", "issuer", "verifier", "auditor")

Slug = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", max_length=63)
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Label = Annotated[str, msgspec.Meta(max_length=200)]
Algorithms = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=16)]], msgspec.Meta(min_length=1, max_length=8)
]


class TenantCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    name_en: Name
    name_fr: Name
    signing_algorithms: Algorithms = msgspec.field(
        default_factory=lambda: list(DEFAULT_SIGNING_ALGORITHMS)
    )


class TenantUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    name_en: Name | None = None
    name_fr: Name | None = None
    signing_algorithms: Algorithms | None = None


class Tenant(msgspec.Struct, frozen=True, kw_only=True):
    slug: str
    name_en: str
    name_fr: str
    signing_algorithms: list[str]
    created_at_ms: int
    updated_at_ms: int


class ApiKeyCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    role: TenantRole
    label: Label = ""


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """An API key's public record (never its secret)."""

    key_id: str
    tenant: str | None
    role: Role
    label: str
    created_at_ms: int
    last_used_at_ms: int | None
    revoked_at_ms: int | None


class IssuedApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """A new key with its token; the token is shown this once and never stored."""

    api_key: ApiKey
    token: str


class TenantCreated(msgspec.Struct, frozen=True, kw_only=True):
    tenant: Tenant
    admin_key: IssuedApiKey
