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


# One PEM certificate; a chain is leaf first, each certificate issued by the next.
PemCertificate = Annotated[str, msgspec.Meta(min_length=1, max_length=16_384)]


class CertificateChainIn(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An issuer certificate chain for an active ES256 key (HAIP 1.0 x5c)."""

    x509_chain_pem: Annotated[list[PemCertificate], msgspec.Meta(min_length=1, max_length=5)]


class CertificateChain(msgspec.Struct, frozen=True, kw_only=True):
    """A key's certificate chain: ``uploaded``, or a ``dev`` chain generated outside production
    (its root, the last PEM, is the trust anchor to configure in development verifiers).
    ``x5c`` is what signatures by this key carry: the chain without its self-signed root."""

    kid: str
    source: Literal["uploaded", "dev"]
    x509_chain_pem: list[str]
    x5c: list[str]
    not_after_ms: int
