"""Wire models of the signing-keys admin API (msgspec; unknown fields are rejected)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

KeyStatus = Literal["active", "retired", "revoked"]
PUBLISHED_STATUSES: tuple[KeyStatus, ...] = ("active", "retired")


class SigningKeyCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    algorithm: Annotated[str, msgspec.Meta(min_length=1, max_length=16)] = "ES256"


class SigningKey(msgspec.Struct, frozen=True, kw_only=True):
    """A signing key's public record: never private material."""

    kid: str
    tenant: str
    algorithm: str
    status: KeyStatus
    backend: str
    public_jwk: dict[str, Any]
    created_at_ms: int
    retired_at_ms: int | None = None
    revoked_at_ms: int | None = None


class SigningKeyRotated(msgspec.Struct, frozen=True, kw_only=True):
    retired: SigningKey
    active: SigningKey


class Jwks(msgspec.Struct, frozen=True):
    """RFC 7517 §5 JWK Set."""

    keys: list[dict[str, Any]]
