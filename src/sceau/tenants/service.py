"""Tenant and API key use cases. Every change writes its audit event in the same transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record
from sceau.db.errors import database_unavailable
from sceau.errors import AlgorithmNotAllowed, ApiKeyNotFound, TenantNotFound, Unauthorized
from sceau.tenants import store
from sceau.tenants.models import (
    PLATFORM_SIGNING_ALGORITHMS,
    ApiKey,
    IssuedApiKey,
    Role,
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantRole,
    TenantUpdate,
)
from sceau.tenants.tokens import new_token, parse_token, secret_matches

_log = structlog.get_logger("sceau.tenants")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class Actor:
    """Who does something (``apikey:<key_id>`` or ``cli``) and in which request."""

    id: str
    request_id: str


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of an admin route."""

    key_id: str
    role: Role
    tenant: str | None

    @property
    def is_platform_admin(self) -> bool:
        return self.role == "platform_admin"

    def actor(self, request_id: str) -> Actor:
        return Actor(f"apikey:{self.key_id}", request_id)


def _check_algorithms(algorithms: list[str]) -> list[str]:
    unknown = [a for a in algorithms if a not in PLATFORM_SIGNING_ALGORITHMS]
    if unknown or len(set(algorithms)) != len(algorithms):
        raise AlgorithmNotAllowed(allowed=list(PLATFORM_SIGNING_ALGORITHMS))
    return list(algorithms)


class TenantService:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        login_audit_interval_s: int = 900,
        max_page_size: int = 500,
        clock_ms: Callable[[], int] = _now_ms,
        cache_ttl_s: float = 0.0,
        max_cached_keys: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.login_audit_interval_ms = login_audit_interval_s * 1000
        # key_id -> (fetched at, key, stored secret hash). Only live keys are cached; the secret
        # is checked on every request. Bounded: cleared when it grows past max_cached_keys.
        self.cache_ttl_s = cache_ttl_s
        self.max_cached_keys = max_cached_keys
        self.monotonic = monotonic
        self._keys: dict[str, tuple[float, ApiKey, str]] = {}
        self.max_page_size = max_page_size
        self.clock_ms = clock_ms

    # -- tenants -----------------------------------------------------------------------------

    async def create_tenant(self, actor: Actor, data: TenantCreate) -> TenantCreated:
        """Create a tenant and its first admin API key."""
        now = self.clock_ms()
        tenant = Tenant(
            slug=data.slug,
            name_en=data.name_en,
            name_fr=data.name_fr,
            signing_algorithms=_check_algorithms(data.signing_algorithms),
            created_at_ms=now,
            updated_at_ms=now,
        )
        async with self.engine.begin() as conn:
            tenant_id = await store.insert_tenant(conn, tenant)
            await record(
                conn,
                AuditEvent(
                    actor=actor.id,
                    action="tenant.create",
                    target=f"tenant:{tenant.slug}",
                    tenant=tenant.slug,
                    request_id=actor.request_id,
                    details={"signing_algorithms": ",".join(tenant.signing_algorithms)},
                ),
                at_ms=now,
            )
            key = await self._create_key(
                conn, actor, tenant_id, tenant.slug, "admin", "initial admin", now
            )
        return TenantCreated(tenant=tenant, admin_key=key)

    async def list_tenants(self) -> list[Tenant]:
        async with self.engine.connect() as conn:
            return await store.list_tenants(conn, limit=self.max_page_size)

    async def get_tenant(self, slug: str) -> Tenant:
        async with self.engine.connect() as conn:
            return (await self._tenant(conn, slug))[1]

    async def update_tenant(self, actor: Actor, slug: str, data: TenantUpdate) -> Tenant:
        now = self.clock_ms()
        values: dict[str, Any] = {}
        if data.name_en is not None:
            values["name_en"] = data.name_en
        if data.name_fr is not None:
            values["name_fr"] = data.name_fr
        if data.signing_algorithms is not None:
            values["signing_algorithms"] = _check_algorithms(data.signing_algorithms)
        async with self.engine.begin() as conn:
            tenant_id, _ = await self._tenant(conn, slug)
            if values:
                values["updated_at_ms"] = now
                await store.update_tenant(conn, tenant_id, values)
                await record(
                    conn,
                    AuditEvent(
                        actor=actor.id,
                        action="tenant.update",
                        target=f"tenant:{slug}",
                        tenant=slug,
                        request_id=actor.request_id,
                        details={
                            "fields": ",".join(sorted(k for k in values if k != "updated_at_ms"))
                        },
                    ),
                    at_ms=now,
                )
            return (await self._tenant(conn, slug))[1]

    async def _tenant(self, conn: AsyncConnection, slug: str) -> tuple[int, Tenant]:
        found = await store.tenant_by_slug(conn, slug)
        if found is None:
            raise TenantNotFound()
        return found

    # -- API keys ----------------------------------------------------------------------------

    async def create_api_key(
        self, actor: Actor, tenant_slug: str | None, role: TenantRole | Role, label: str = ""
    ) -> IssuedApiKey:
        """Create a key for a tenant, or a platform-admin key when ``tenant_slug`` is ``None``."""
        if (tenant_slug is None) != (role == "platform_admin"):
            raise ValueError("platform_admin keys have no tenant; tenant keys need one")
        now = self.clock_ms()
        async with self.engine.begin() as conn:
            tenant_id = None if tenant_slug is None else (await self._tenant(conn, tenant_slug))[0]
            return await self._create_key(conn, actor, tenant_id, tenant_slug, role, label, now)

    async def _create_key(
        self,
        conn: AsyncConnection,
        actor: Actor,
        tenant_id: int | None,
        tenant_slug: str | None,
        role: Role,
        label: str,
        now: int,
    ) -> IssuedApiKey:
        token = new_token()
        await store.insert_api_key(
            conn,
            key_id=token.key_id,
            tenant_id=tenant_id,
            role=role,
            label=label,
            secret_sha256=token.secret_sha256,
            created_at_ms=now,
        )
        await record(
            conn,
            AuditEvent(
                actor=actor.id,
                action="apikey.create",
                target=f"apikey:{token.key_id}",
                tenant=tenant_slug,
                request_id=actor.request_id,
                details={"role": role},
            ),
            at_ms=now,
        )
        key = ApiKey(
            key_id=token.key_id,
            tenant=tenant_slug,
            role=role,
            label=label,
            created_at_ms=now,
            last_used_at_ms=None,
            revoked_at_ms=None,
        )
        return IssuedApiKey(api_key=key, token=token.token)

    async def list_api_keys(self, tenant_slug: str | None) -> list[ApiKey]:
        async with self.engine.connect() as conn:
            tenant_id = None if tenant_slug is None else (await self._tenant(conn, tenant_slug))[0]
            return await store.list_api_keys(conn, tenant_id, limit=self.max_page_size)

    async def revoke_api_key(self, actor: Actor, tenant_slug: str | None, key_id: str) -> None:
        """Revoke a key of the tenant (idempotent for an already revoked key of that tenant)."""
        now = self.clock_ms()
        self._keys.pop(key_id, None)
        async with self.engine.begin() as conn:
            tenant_id = None if tenant_slug is None else (await self._tenant(conn, tenant_slug))[0]
            if await store.revoke_api_key(conn, key_id, tenant_id, now):
                await record(
                    conn,
                    AuditEvent(
                        actor=actor.id,
                        action="apikey.revoke",
                        target=f"apikey:{key_id}",
                        tenant=tenant_slug,
                        request_id=actor.request_id,
                    ),
                    at_ms=now,
                )
            elif not await store.key_exists(conn, key_id, tenant_id):
                raise ApiKeyNotFound()

    async def _live_key(self, key_id: str) -> tuple[ApiKey, str]:
        """The unrevoked key and its stored secret hash: from the cache (``cache_ttl_s``, so a
        revocation by another process is honoured within that bound) or one query."""
        now = self.monotonic()
        hit = self._keys.get(key_id)
        if hit is not None and now - hit[0] < self.cache_ttl_s:
            return hit[1], hit[2]
        async with self.engine.connect() as conn:
            found = await store.api_key_with_secret(conn, key_id)
        if found is None or found[0].revoked_at_ms is not None:
            self._keys.pop(key_id, None)
            raise Unauthorized()
        key, _tenant_id, stored = found
        if self.cache_ttl_s > 0:
            if len(self._keys) >= self.max_cached_keys:
                self._keys.clear()
            self._keys[key_id] = (now, key, stored)
        return key, stored

    async def authenticate(self, token: str, request_id: str) -> Principal:
        """Resolve a bearer token to its principal, or raise :class:`Unauthorized`.

        Logs the key's use in the audit log at most once per ``login_audit_interval``.
        """
        key_id, secret = parse_token(token)
        key, stored = await self._live_key(key_id)
        if not secret_matches(secret, stored):
            raise Unauthorized()
        now = self.clock_ms()
        if key.last_used_at_ms is None or key.last_used_at_ms < now - self.login_audit_interval_ms:
            try:
                async with self.engine.begin() as conn:
                    if await store.touch_api_key(
                        conn, key_id, now, now - self.login_audit_interval_ms
                    ):
                        await record(
                            conn,
                            AuditEvent(
                                actor=f"apikey:{key_id}",
                                action="apikey.login",
                                target=f"apikey:{key_id}",
                                tenant=key.tenant,
                                request_id=request_id,
                            ),
                            at_ms=now,
                        )
            except DBAPIError as exc:
                if not database_unavailable(exc):
                    raise
                # A read-only database (failover, replica): the key was checked by a read, so
                # reads go on; its use is recorded by the first request once writes work again.
                # A write request fails on its own write with 503 (SECURITY R-10).
                _log.warning("apikey_login_not_recorded", key_id=key_id)
                return Principal(key_id=key.key_id, role=key.role, tenant=key.tenant)
            key = msgspec.structs.replace(key, last_used_at_ms=now)
            cached = self._keys.get(key_id)
            if cached is not None:
                self._keys[key_id] = (cached[0], key, stored)
        return Principal(key_id=key.key_id, role=key.role, tenant=key.tenant)
