"""Verifier configuration and trust policy (admin API), and VC API verification.

The service keeps one :class:`VerificationEngine` per tenant and configuration version, and one
:class:`StatusListCache` for the whole process, so verifying with warm caches makes no outbound
call (status lists are shared, fetched once per their TTL).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.errors import InvalidInput, SceauError
from sceau.core.jose import PublicKey, Signer
from sceau.core.vc import parse_datetime_stamp
from sceau.core.x509_hash import X509_HASH_PREFIX, x509_hash
from sceau.errors import NotFound, ServiceError
from sceau.keys.certificates import (
    check_leaf,
    dev_certificate_chain,
    leaf_dns_names,
    load_pem_chain,
)
from sceau.settings import Settings
from sceau.tenants.service import Actor, TenantService
from sceau.verification import store
from sceau.verification.engine import VerificationEngine, VerificationRejected
from sceau.verification.models import (
    Problem,
    TrustPolicy,
    VerifierConfig,
    VerifierConfigIn,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    VerifyResponse,
)
from sceau.verification.status import StatusListCache, StatusListFetcher

__all__ = ["KeysPort", "VerificationService", "VerifierNotConfigured"]

STATUS_WARNINGS = frozenset({"revoked", "suspended", "status_unavailable"})
CHECKS_CREDENTIAL = ["proof", "issuer", "validity", "status"]
CHECKS_PRESENTATION = ["proof", "challenge", "domain", "holder", *CHECKS_CREDENTIAL]


class VerifierNotConfigured(ServiceError):
    code = "verifier_not_configured"
    status = 404


class InvalidVerifierConfig(ServiceError):
    code = "invalid_verifier_config"
    status = 422


class KeysPort(Protocol):
    """What verification needs from the signing-keys service (``app.state["keys"]``)."""

    async def get_signer(self, tenant_slug: str, algorithm: str | None = None) -> Signer: ...
    async def verification_key(self, tenant_slug: str, kid: str) -> PublicKey: ...
    def did(self, tenant_slug: str) -> str: ...


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _config_error(message: str, code: str) -> Exception:
    return InvalidVerifierConfig(message, code=code)


class VerificationService:
    def __init__(
        self,
        engine: AsyncEngine,
        settings: Settings,
        *,
        tenants: TenantService,
        keys: KeysPort,
        status_cache: StatusListCache,
        clock: Callable[[], float] = time.time,
        config_cache_s: float = 2.0,
    ) -> None:
        self._db = engine
        self._settings = settings
        self._tenants = tenants
        self._keys = keys
        self.status_cache = status_cache
        self._clock = clock
        self.config_cache_s = config_cache_s
        self._configs: dict[str, VerifierConfig] = {}
        self._checked_at: dict[str, float] = {}
        self._engines: dict[tuple[str, int], VerificationEngine] = {}

    # --- configuration --------------------------------------------------------------------

    @property
    def public_url(self) -> str:
        return self._settings.resolved_public_url

    def response_uri(self, tenant: str) -> str:
        return f"{self.public_url}/t/{tenant}/oid4vp/response"

    async def configure(self, actor: Actor, tenant: str, data: VerifierConfigIn) -> VerifierConfig:
        """Create or replace the tenant's verifier configuration (``PUT``)."""
        await self._tenants.get_tenant(tenant)
        try:
            VerificationEngine(data.trust_policy, self.status_cache)  # validates keys, anchors
        except (SceauError, ValueError) as exc:
            raise InvalidVerifierConfig(f"trust policy: {exc}") from exc
        chain: list[str] | None = None
        kid: str | None = None
        prefix = data.client_id_prefix
        if prefix in ("x509_san_dns", "x509_hash"):
            chain, kid, client_id = await self._x509_client_id(tenant, data)
        elif prefix == "decentralized_identifier":
            did = data.client_id or self._keys.did(tenant)
            if not did.startswith("did:"):
                raise InvalidVerifierConfig("client_id must be a DID")
            signer = await self._keys.get_signer(tenant, "ES256")
            kid = signer.key_id
            client_id = f"decentralized_identifier:{did}"
        else:
            # §5.9.3: redirect_uri requests cannot be signed; the client_id is the response_uri.
            if self._settings.environment == "prod":
                raise InvalidVerifierConfig("the redirect_uri prefix is for development only")
            client_id = f"redirect_uri:{self.response_uri(tenant)}"
        config = VerifierConfig(
            tenant=tenant,
            client_id_prefix=prefix,
            client_id=client_id,
            name_en=data.name_en,
            name_fr=data.name_fr,
            purposes=list(data.purposes),
            trust_policy=data.trust_policy,
            x509_chain_pem=chain,
            signing_kid=kid,
            updated_at_ms=_now_ms(),
        )
        async with self._db.begin() as conn:
            await store.put_config(conn, tenant, msgspec.to_builtins(config), config.updated_at_ms)
            await audit_record(
                conn,
                AuditEvent(
                    actor=actor.id,
                    action="verifier.configure",
                    target=tenant,
                    tenant=tenant,
                    request_id=actor.request_id,
                    details={
                        "client_id_prefix": prefix,
                        "trusted_issuers": len(data.trust_policy.trusted_issuers),
                    },
                ),
            )
        self._configs[tenant] = config
        self._checked_at[tenant] = time.monotonic()
        return config

    async def _x509_client_id(
        self, tenant: str, data: VerifierConfigIn
    ) -> tuple[list[str], str, str]:
        """Chain, signing kid and client_id for the ``x509_san_dns`` and ``x509_hash`` prefixes
        (OpenID4VP §5.9.3): the leaf certifies the tenant's ES256 signing key, which signs the
        request objects; the chain is uploaded, or generated outside production."""
        prefix = data.client_id_prefix
        if not data.x509_chain_pem and self._settings.environment == "prod":
            raise InvalidVerifierConfig(
                "production needs an uploaded x509 chain", code="x509_chain_required"
            )
        signer = await self._keys.get_signer(tenant, "ES256")
        kid = signer.key_id
        if kid is None:
            raise InvalidVerifierConfig("the tenant's signing key has no kid")
        key = await self._keys.verification_key(tenant, kid)
        host = urlsplit(self.public_url).hostname or ""
        if prefix == "x509_san_dns":
            host = data.client_id or host
        if data.x509_chain_pem:
            chain = list(data.x509_chain_pem)
            certs = load_pem_chain(chain, _config_error)
            leaf = certs[0]
            now = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
            check_leaf(leaf, key, now, _config_error)
            if prefix == "x509_san_dns" and host not in leaf_dns_names(leaf):
                raise InvalidVerifierConfig(
                    "leaf certificate lacks the client_id DNS SAN", code="x509_leaf_dns_mismatch"
                )
        else:
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise InvalidVerifierConfig(f"{prefix} needs an EC signing key")
            chain = dev_certificate_chain(key, host)
            leaf = x509.load_pem_x509_certificate(chain[0].encode("ascii"))
        if prefix == "x509_san_dns":
            return chain, kid, f"x509_san_dns:{host}"
        # §5.9.3 x509_hash: base64url SHA-256 of the DER leaf, the first x5c entry.
        value = x509_hash(leaf.public_bytes(serialization.Encoding.DER))
        if data.client_id is not None and data.client_id != value:
            raise InvalidVerifierConfig(
                "client_id is not the hash of the leaf certificate", code="x509_hash_mismatch"
            )
        return chain, kid, X509_HASH_PREFIX + value

    async def get_config(self, tenant: str) -> VerifierConfig:
        cached = self._configs.get(tenant)
        checked = self._checked_at.get(tenant, 0.0)
        # Hot path (every verification): reuse the configuration for `config_cache_s`; another
        # worker's change (or a deleted tenant) is seen within that delay.
        if cached is not None and time.monotonic() - checked < self.config_cache_s:
            return cached
        async with self._db.connect() as conn:
            row = await store.get_config(conn, tenant)
        if row is None:
            raise VerifierNotConfigured()
        raw, updated_at_ms = row
        self._checked_at[tenant] = time.monotonic()
        if cached is not None and cached.updated_at_ms == updated_at_ms:
            return cached
        config = msgspec.convert(raw, VerifierConfig)
        self._configs[tenant] = config
        return config

    async def engine_for(self, tenant: str) -> tuple[VerifierConfig, VerificationEngine]:
        config = await self.get_config(tenant)
        key = (tenant, config.updated_at_ms)
        engine = self._engines.get(key)
        if engine is None:
            engine = VerificationEngine(config.trust_policy, self.status_cache, clock=self._clock)
            self._engines = {k: v for k, v in self._engines.items() if k[0] != tenant}
            self._engines[key] = engine
        return config, engine

    def engine_for_policy(self, policy: TrustPolicy) -> VerificationEngine:
        return VerificationEngine(policy, self.status_cache, clock=self._clock)

    # --- VC API (verifier role) -----------------------------------------------------------

    def _expiry_warnings(self, doc: Mapping[str, Any]) -> list[Problem]:
        until = doc.get("validUntil")
        if not isinstance(until, str):
            exp = doc.get("exp")
            if type(exp) is int and exp <= self._clock():
                return [_problem("expired")]
            return []
        try:
            end = parse_datetime_stamp(until).timestamp()
        except (SceauError, ValueError):
            return []
        if end <= self._clock():
            return [_problem("expired")]
        return []

    async def verify_credential(self, tenant: str, data: VerifyCredentialRequest) -> VerifyResponse:
        """VC API ``POST /credentials/verify``. VC API §"Verification Errors vs. Warnings":
        validity period and status problems are warnings (``verified`` stays true); proof,
        issuer trust and data model problems are errors."""
        _, engine = await self.engine_for(tenant)
        try:
            verified = await engine.verify_any_credential(data.verifiableCredential)
        except VerificationRejected as exc:
            if exc.code in STATUS_WARNINGS:  # status is the last check: all others passed
                return VerifyResponse(True, list(CHECKS_CREDENTIAL), [_problem(exc.code)], [])
            return _failed(exc, CHECKS_CREDENTIAL)
        except SceauError as exc:
            return _failed(exc, CHECKS_CREDENTIAL)
        checks = list(CHECKS_CREDENTIAL if verified.status_checked else CHECKS_CREDENTIAL[:-1])
        return VerifyResponse(True, checks, self._expiry_warnings(verified.claims), [])

    async def verify_presentation(
        self, tenant: str, data: VerifyPresentationRequest
    ) -> VerifyResponse:
        """VC API ``POST /presentations/verify``: a DI presentation (object), a vp+jwt
        (string) or an SD-JWT VC with key binding (string with ``~``)."""
        config, engine = await self.engine_for(tenant)
        options = data.options
        vp = data.verifiablePresentation
        if options.challenge is None:
            return _failed(
                InvalidInput("options.challenge is required", code="missing_challenge"),
                CHECKS_PRESENTATION,
            )
        domain = options.domain
        try:
            if isinstance(vp, str) and "~" in vp:
                await engine.verify_sd_jwt_vc(
                    vp, audience=domain or config.client_id, nonce=options.challenge
                )
            elif isinstance(vp, str):
                await engine.verify_vp_jwt(
                    vp, nonce=options.challenge, audience=domain or config.client_id
                )
            elif isinstance(vp, dict):
                await engine.verify_data_integrity_presentation(
                    vp, challenge=options.challenge, domain=domain
                )
        except SceauError as exc:
            return _failed(exc, CHECKS_PRESENTATION)
        return VerifyResponse(True, list(CHECKS_PRESENTATION), [], [])


def _problem(code: str) -> Problem:
    return Problem(f"urn:sceau:verification:{code}", code)


def _failed(exc: SceauError, checks: list[str]) -> VerifyResponse:
    return VerifyResponse(False, checks, [], [_problem(exc.code)])


def build_verification_service(
    engine: AsyncEngine,
    settings: Settings,
    *,
    tenants: TenantService,
    keys: KeysPort,
    fetcher: StatusListFetcher,
) -> VerificationService:
    return VerificationService(
        engine, settings, tenants=tenants, keys=keys, status_cache=StatusListCache(fetcher)
    )


__all__ += [
    "InvalidVerifierConfig",
    "NotFound",
    "build_verification_service",
    "dev_certificate_chain",
]
