"""Credential type use cases: define, read, replace, delete — and the hot-path lookups.

``get``/``list`` are on the issuance hot path, so definitions and their compiled JSON Schema are
cached in process for ``cache_ttl_s`` (5 s by default). A change made through this process's
service is visible at once; other processes see it within the TTL.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record
from sceau.core.sdjwt import NON_DISCLOSABLE_CLAIMS
from sceau.credential_types import store
from sceau.credential_types.errors import (
    CredentialTypeExists,
    InvalidCredentialType,
    UnknownCredentialType,
)
from sceau.credential_types.models import (
    CRYPTOSUITES,
    LOCALES,
    ClaimDisplay,
    CredentialType,
    CredentialTypeCreate,
    TypeDisplay,
)
from sceau.credential_types.schema import check_claims, compile_schema
from sceau.tenants.service import Actor, TenantService

__all__ = [
    "ClaimDisplay",
    "CredentialType",
    "CredentialTypeService",
    "TypeDisplay",
    "UnknownCredentialType",
]

# Claims an SD-JWT VC issuer sets itself (SD-JWT VC §3.2.2) or that JWT processing reserves.
RESERVED_SD_JWT_CLAIMS = frozenset({*NON_DISCLOSABLE_CLAIMS, "iat", "_sd", "_sd_alg", "..."})
# Members a VC type's claims (its credentialSubject) must not carry: the issuer sets the subject id.
RESERVED_VC_SUBJECT_CLAIMS = frozenset({"id", "@context", "@id", "@type"})


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class CredentialTypeService:
    def __init__(
        self,
        engine: AsyncEngine,
        tenants: TenantService,
        *,
        public_url: str,
        cache_ttl_s: float = 5.0,
        max_types_per_tenant: int = 500,
        clock_ms: Callable[[], int] = _now_ms,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.tenants = tenants
        self.public_url = public_url.rstrip("/")
        self.cache_ttl_s = cache_ttl_s
        self.max_types_per_tenant = max_types_per_tenant
        self.clock_ms = clock_ms
        self.monotonic = monotonic
        self._one: dict[tuple[str, str], tuple[float, CredentialType]] = {}
        self._all: dict[str, tuple[float, builtins.list[CredentialType]]] = {}
        # (tenant, id, updated_at_ms) -> compiled validator; keyed by version so updates recompile.
        self._validators: dict[tuple[str, str, int], Any] = {}

    def issuer(self, tenant_slug: str) -> str:
        """The tenant's Credential Issuer identifier (OID4VCI §12.2.1)."""
        return f"{self.public_url}/t/{tenant_slug}"

    def default_vct(self, tenant_slug: str, type_id: str) -> str:
        return f"{self.issuer(tenant_slug)}/types/{type_id}"

    # -- reads (cached) ----------------------------------------------------------------------

    async def get(self, tenant_slug: str, type_id: str) -> CredentialType:
        """The type, or ``unknown_credential_type`` (404)."""
        key = (tenant_slug, type_id)
        hit = self._one.get(key)
        now = self.monotonic()
        if hit is not None and now - hit[0] < self.cache_ttl_s:
            return hit[1]
        async with self.engine.connect() as conn:
            found = await store.get(conn, tenant_slug, type_id)
        if found is None:
            self._one.pop(key, None)
            raise UnknownCredentialType(type_id=type_id)
        self._one[key] = (now, found)
        return found

    async def list(self, tenant_slug: str) -> builtins.list[CredentialType]:
        hit = self._all.get(tenant_slug)
        now = self.monotonic()
        if hit is not None and now - hit[0] < self.cache_ttl_s:
            return builtins.list(hit[1])
        async with self.engine.connect() as conn:
            found = await store.list_for(conn, tenant_slug, limit=self.max_types_per_tenant)
        self._all[tenant_slug] = (now, found)
        return builtins.list(found)

    async def find_by_vc_type(
        self, tenant_slug: str, vc_type: builtins.list[str]
    ) -> CredentialType:
        """The VC type (``ldp_vc``/``jwt_vc_json``) whose ``vc_type`` names are all in ``vc_type``.

        The most specific match wins (most names); a tie is ambiguous and refused.
        """
        names = set(vc_type)
        matches = [
            ct
            for ct in await self.list(tenant_slug)
            if ct.vc_type is not None and set(ct.vc_type) <= names
        ]
        if not matches:
            raise UnknownCredentialType(type_id=",".join(vc_type))
        matches.sort(key=lambda ct: len(ct.vc_type or ()), reverse=True)
        if len(matches) > 1 and len(matches[0].vc_type or ()) == len(matches[1].vc_type or ()):
            raise InvalidCredentialType(reason="several credential types match; name one")
        return matches[0]

    def validate_claims(self, credential_type: CredentialType, claims: dict[str, Any]) -> None:
        """Check ``claims`` against the type's schema: 422 ``invalid_claims`` listing paths."""
        key = (credential_type.tenant_slug, credential_type.id, credential_type.updated_at_ms)
        validator = self._validators.get(key)
        if validator is None:
            validator = compile_schema(credential_type.claims_schema)
            if len(self._validators) > 4 * self.max_types_per_tenant:
                self._validators.clear()
            self._validators[key] = validator
        check_claims(validator, claims)

    def _forget(self, tenant_slug: str, type_id: str) -> None:
        self._one.pop((tenant_slug, type_id), None)
        self._all.pop(tenant_slug, None)

    # -- admin use cases ---------------------------------------------------------------------

    async def admin_list(self, tenant_slug: str) -> builtins.list[CredentialType]:
        await self.tenants.get_tenant(tenant_slug)  # tenant_not_found for a missing tenant
        async with self.engine.connect() as conn:
            return await store.list_for(conn, tenant_slug, limit=self.max_types_per_tenant)

    async def admin_get(self, tenant_slug: str, type_id: str) -> CredentialType:
        await self.tenants.get_tenant(tenant_slug)
        async with self.engine.connect() as conn:
            found = await store.get(conn, tenant_slug, type_id)
        if found is None:
            raise UnknownCredentialType(type_id=type_id)
        return found

    async def create(
        self, actor: Actor, tenant_slug: str, data: CredentialTypeCreate
    ) -> CredentialType:
        await self.tenants.get_tenant(tenant_slug)
        now = self.clock_ms()
        ct = self.resolve(tenant_slug, data, created_at_ms=now, updated_at_ms=now)
        async with self.engine.begin() as conn:
            existing = await store.list_for(conn, tenant_slug, limit=self.max_types_per_tenant)
            if len(existing) >= self.max_types_per_tenant:
                raise InvalidCredentialType(reason="too many credential types")
            if not await store.insert(conn, ct):
                raise CredentialTypeExists(type_id=ct.id)
            await self._audit(conn, actor, "credential_type.create", ct, now)
        self._forget(tenant_slug, ct.id)
        return ct

    async def replace(
        self, actor: Actor, tenant_slug: str, type_id: str, data: CredentialTypeCreate
    ) -> CredentialType:
        """Replace a definition (the body's ``id`` must be ``type_id``)."""
        current = await self.admin_get(tenant_slug, type_id)
        if data.id != type_id:
            raise InvalidCredentialType(reason="the id in the body differs from the URL")
        now = max(self.clock_ms(), current.updated_at_ms + 1)
        ct = self.resolve(tenant_slug, data, created_at_ms=current.created_at_ms, updated_at_ms=now)
        async with self.engine.begin() as conn:
            if not await store.replace(conn, ct):
                raise UnknownCredentialType(type_id=type_id)
            await self._audit(conn, actor, "credential_type.update", ct, now)
        self._forget(tenant_slug, type_id)
        return ct

    async def delete(self, actor: Actor, tenant_slug: str, type_id: str) -> None:
        await self.tenants.get_tenant(tenant_slug)
        now = self.clock_ms()
        async with self.engine.begin() as conn:
            if not await store.remove(conn, tenant_slug, type_id):
                raise UnknownCredentialType(type_id=type_id)
            await record(
                conn,
                AuditEvent(
                    actor=actor.id,
                    action="credential_type.delete",
                    target=f"credential_type:{type_id}",
                    tenant=tenant_slug,
                    request_id=actor.request_id,
                ),
                at_ms=now,
            )
        self._forget(tenant_slug, type_id)

    async def _audit(
        self, conn: Any, actor: Actor, action: str, ct: CredentialType, now: int
    ) -> None:
        await record(
            conn,
            AuditEvent(
                actor=actor.id,
                action=action,
                target=f"credential_type:{ct.id}",
                tenant=ct.tenant_slug,
                request_id=actor.request_id,
                details={"format": ct.format, "status_enabled": ct.status_enabled},
            ),
            at_ms=now,
        )

    # -- definition rules --------------------------------------------------------------------

    def resolve(
        self,
        tenant_slug: str,
        data: CredentialTypeCreate,
        *,
        created_at_ms: int = 0,
        updated_at_ms: int = 0,
    ) -> CredentialType:
        """Check a definition and fill its defaults (pure; raises ``invalid_credential_type``)."""
        missing = [loc for loc in LOCALES if loc not in data.display]
        extra = [loc for loc in data.display if loc not in LOCALES]
        if missing or extra:
            raise InvalidCredentialType(reason="display needs exactly en-CA and fr-CA")
        for claim, by_locale in data.claims_display.items():
            if set(by_locale) != set(LOCALES):
                raise InvalidCredentialType(
                    reason=f"claims_display[{claim}] needs exactly en-CA and fr-CA"
                )
        compile_schema(data.claims_schema)
        properties = data.claims_schema.get("properties", {})
        if not isinstance(properties, dict):
            raise InvalidCredentialType(reason="claims_schema.properties must be an object")

        cryptosuite: str | None = None
        vct: str | None = None
        vc_type: list[str] | None = None
        if data.format == "dc+sd-jwt":
            if data.cryptosuite is not None or data.vc_type is not None:
                raise InvalidCredentialType(reason="dc+sd-jwt takes vct, not cryptosuite/vc_type")
            reserved = sorted(RESERVED_SD_JWT_CLAIMS & set(properties))
            if reserved:
                raise InvalidCredentialType(reason=f"reserved claims in schema: {reserved}")
            vct = data.vct or self.default_vct(tenant_slug, data.id)
        else:
            if data.vct is not None:
                raise InvalidCredentialType(reason="vct is for dc+sd-jwt types only")
            if data.format == "ldp_vc":
                cryptosuite = data.cryptosuite or CRYPTOSUITES[0]
                if cryptosuite not in CRYPTOSUITES:
                    raise InvalidCredentialType(reason=f"cryptosuite must be one of {CRYPTOSUITES}")
            elif data.cryptosuite is not None:
                raise InvalidCredentialType(reason="cryptosuite is for ldp_vc types only")
            if not data.vc_type or data.vc_type[0] != "VerifiableCredential":
                raise InvalidCredentialType(
                    reason="vc_type must start with VerifiableCredential and name the type"
                )
            if len(data.vc_type) < 2 or len(set(data.vc_type)) != len(data.vc_type):
                raise InvalidCredentialType(reason="vc_type needs a distinct specific type")
            vc_type = list(data.vc_type)
            reserved = sorted(RESERVED_VC_SUBJECT_CLAIMS & set(properties))
            if reserved:
                raise InvalidCredentialType(reason=f"reserved claims in schema: {reserved}")

        if data.selectively_disclosable is None:
            # Default: every top-level claim the schema names (SD-JWT VC §3.2.2 keeps the
            # registered ones in plaintext; they cannot be in the schema, checked above).
            disclosable = [[name] for name in properties]
        else:
            disclosable = [list(p) for p in data.selectively_disclosable]
            for path in disclosable:
                if path[0] in RESERVED_SD_JWT_CLAIMS:
                    raise InvalidCredentialType(reason=f"{path[0]} cannot be disclosable")
        return CredentialType(
            tenant_slug=tenant_slug,
            id=data.id,
            format=data.format,
            cryptosuite=cryptosuite,
            vct=vct,
            vc_type=vc_type,
            claims_schema=data.claims_schema,
            selectively_disclosable=disclosable,
            display=dict(data.display),
            claims_display={k: dict(v) for k, v in data.claims_display.items()},
            validity_seconds=data.validity_seconds,
            status_enabled=data.status_enabled,
            batch_size=data.batch_size,
            min_assurance=data.min_assurance,
            deferred=data.deferred,
            retention_days=data.retention_days,
            created_at_ms=created_at_ms,
            updated_at_ms=updated_at_ms,
        )
