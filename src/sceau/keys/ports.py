"""Ports of the signing-keys capability.

``Signer`` is :class:`sceau.core.jose.Signer`. :class:`KeyStore` is what issuance and the other
capabilities call; :class:`KeyBackend` is where key material lives (software here; a PKCS#11 or a
cloud KMS backend implements the same three methods and keeps private keys inside the device).
"""

from __future__ import annotations

from typing import Any, Protocol

from sceau.core.jose import PublicKey, Signer

__all__ = ["GeneratedKey", "KeyBackend", "KeyStore", "Signer"]


class KeyStore(Protocol):
    """A tenant's signing keys, as the issuing capabilities see them."""

    async def get_signer(self, tenant_slug: str, algorithm: str | None = None) -> Signer:
        """The signer of the tenant's active key for ``algorithm`` (tenant default if ``None``)."""
        ...

    async def public_jwks(self, tenant_slug: str) -> list[dict[str, Any]]:
        """Public JWKs (with ``kid``, ``alg``, ``use``) of the active and retired keys."""
        ...

    async def verification_key(self, tenant_slug: str, kid: str) -> PublicKey:
        """The public key of an active or retired key (revoked and unknown kids raise)."""
        ...


class GeneratedKey(Protocol):
    @property
    def kid(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def public_jwk(self) -> dict[str, Any]: ...
    @property
    def key_ref(self) -> bytes:
        """Opaque to the service: sealed bytes (software) or a handle (HSM/KMS key label, ARN)."""
        ...

    @property
    def custodian_id(self) -> str:
        """Which KEK or device holds the key, so a misconfiguration is named, not guessed."""
        ...


class KeyBackend(Protocol):
    """Where private keys are generated and used; they never leave it in the clear."""

    @property
    def name(self) -> str: ...

    def generate(self, algorithm: str, *, tenant_slug: str) -> GeneratedKey: ...

    def signer(
        self,
        *,
        tenant_slug: str,
        kid: str,
        algorithm: str,
        key_ref: bytes,
        custodian_id: str,
    ) -> Signer: ...
