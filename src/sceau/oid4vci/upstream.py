"""Per-tenant upstream OpenID Connect provider: who authenticates the person in the OpenID4VCI
authorization code flow, and how its ID token claims become credential claims.

``PUT /admin/tenants/{slug}/upstream-oidc`` sets it (tenant admins); ``GET`` reads it back without
the client secret, which is sealed at rest with the platform KEK (AES-256-GCM, bound to the tenant)
and never returned.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy import JSON, BigInteger, Column, LargeBinary, String, Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.errors import InvalidInput
from sceau.db.metadata import metadata
from sceau.errors import NotFound
from sceau.keys.kek import KeyEncryptionKey, load_kek
from sceau.oid4vci.store import put_tenant_config
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS

SECRET_KID: Final = "upstream-oidc/client_secret"  # noqa: S105 (an AAD label)
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
MAX_MAPPED_CLAIMS: Final = 64

oid4vci_upstream_oidc = Table(
    "oid4vci_upstream_oidc",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("issuer", String(512), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("client_secret_sealed", LargeBinary, nullable=False),
    Column("kek_id", String(16), nullable=False),
    Column("scopes", JSON, nullable=False),
    # credential configuration id -> {credential claim name -> upstream ID token claim name}
    Column("claim_mapping", JSON, nullable=False),
    Column("updated_at_ms", BigInteger, nullable=False),
)


class UpstreamOidcNotConfigured(NotFound):
    code = "upstream_oidc_not_configured"


class UpstreamOidcPut(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The tenant's upstream provider (OIDC Discovery issuer URL) and its RP registration."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: list[str] = msgspec.field(default_factory=lambda: ["openid", "profile"])
    claim_mapping: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)


class UpstreamOidcView(msgspec.Struct, frozen=True, kw_only=True):
    issuer: str
    client_id: str
    client_secret_set: bool
    scopes: list[str]
    claim_mapping: dict[str, dict[str, str]]
    updated_at_ms: int


class UpstreamOidc(msgspec.Struct, frozen=True, kw_only=True):
    """The configuration with the opened secret (in memory only)."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: list[str]
    claim_mapping: dict[str, dict[str, str]]


def _validate(data: UpstreamOidcPut, *, allow_http: bool) -> None:
    parts = urlsplit(data.issuer)
    if (
        len(data.issuer) > 512
        or parts.scheme not in (("https", "http") if allow_http else ("https",))
        or not parts.hostname
        or parts.query
        or parts.fragment
    ):
        raise InvalidInput("issuer", code="invalid_upstream_oidc")
    if not 0 < len(data.client_id) <= 255 or not 0 < len(data.client_secret) <= 512:
        raise InvalidInput("client_id", code="invalid_upstream_oidc")
    if "openid" not in data.scopes or len(data.scopes) > 16:
        raise InvalidInput("scopes", code="invalid_upstream_oidc")
    if any(not _NAME.fullmatch(s) for s in data.scopes):
        raise InvalidInput("scopes", code="invalid_upstream_oidc")
    if len(data.claim_mapping) > 64:
        raise InvalidInput("claim_mapping", code="invalid_upstream_oidc")
    for config_id, mapping in data.claim_mapping.items():
        if not _NAME.fullmatch(config_id) or len(mapping) > MAX_MAPPED_CLAIMS:
            raise InvalidInput("claim_mapping", code="invalid_upstream_oidc")
        for target, source in mapping.items():
            if not _NAME.fullmatch(target) or not _NAME.fullmatch(source):
                raise InvalidInput("claim_mapping", code="invalid_upstream_oidc")


class UpstreamOidcService:
    def __init__(
        self,
        engine: AsyncEngine,
        kek: KeyEncryptionKey,
        *,
        allow_http: bool = False,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.engine = engine
        self.kek = kek
        self.allow_http = allow_http
        self.clock_ms = clock_ms

    async def put(
        self, actor: str, request_id: str, tenant: str, data: UpstreamOidcPut
    ) -> UpstreamOidcView:
        _validate(data, allow_http=self.allow_http)
        now_ms = self.clock_ms()
        sealed = self.kek.seal(data.client_secret.encode(), tenant_slug=tenant, kid=SECRET_KID)
        mapping = {k: dict(v) for k, v in data.claim_mapping.items()}
        values: dict[str, Any] = {
            "issuer": data.issuer,
            "client_id": data.client_id,
            "client_secret_sealed": sealed,
            "kek_id": self.kek.kek_id,
            "scopes": list(data.scopes),
            "claim_mapping": mapping,
            "updated_at_ms": now_ms,
        }
        async with self.engine.begin() as conn:
            await put_tenant_config(conn, oid4vci_upstream_oidc, tenant, values)
            await audit_record(
                conn,
                AuditEvent(
                    actor=actor,
                    action="oid4vci.upstream_oidc.put",
                    target=tenant,
                    tenant=tenant,
                    request_id=request_id,
                    details={"issuer": data.issuer[:200], "client_id": data.client_id[:100]},
                ),
                at_ms=now_ms,
            )
        return UpstreamOidcView(
            issuer=data.issuer,
            client_id=data.client_id,
            client_secret_set=True,
            scopes=list(data.scopes),
            claim_mapping=mapping,
            updated_at_ms=now_ms,
        )

    async def _row(self, tenant: str) -> Any:
        table = oid4vci_upstream_oidc
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(table).where(table.c.tenant == tenant))).one_or_none()
        if row is None:
            raise UpstreamOidcNotConfigured(tenant=tenant)
        return row

    async def view(self, tenant: str) -> UpstreamOidcView:
        row = await self._row(tenant)
        return UpstreamOidcView(
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret_set=True,
            scopes=list(row.scopes),
            claim_mapping=dict(row.claim_mapping),
            updated_at_ms=row.updated_at_ms,
        )

    async def get(self, tenant: str) -> UpstreamOidc:
        """The configuration with the client secret opened (for the code exchange)."""
        row = await self._row(tenant)
        secret = self.kek.open(
            bytes(row.client_secret_sealed), kek_id=row.kek_id, tenant_slug=tenant, kid=SECRET_KID
        )
        return UpstreamOidc(
            issuer=row.issuer,
            client_id=row.client_id,
            client_secret=secret.decode(),
            scopes=list(row.scopes),
            claim_mapping=dict(row.claim_mapping),
        )


def map_claims(id_token_claims: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """Credential claims from ID token claims; an absent upstream claim is left out (the type's
    JSON Schema then decides whether the credential can be issued)."""
    return {
        target: id_token_claims[src] for target, src in mapping.items() if src in id_token_claims
    }


def provide_upstream(state: State) -> UpstreamOidcService:
    """The service on ``app.state["upstream_oidc"]``, built on first use (KEK from settings)."""
    service = state.get("upstream_oidc")
    if service is None:
        settings = state["settings"]
        kek = load_kek(settings, warn=lambda _message, _path: None)
        service = UpstreamOidcService(
            state["engine"], kek, allow_http=settings.environment != "prod"
        )
        state["upstream_oidc"] = service
    return service


class UpstreamOidcController(Controller):
    path = "/admin/tenants/{slug:str}/upstream-oidc"
    tags = ["oid4vci"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = {"upstream_oidc": Provide(provide_upstream, sync_to_thread=False)}  # noqa: RUF012

    @put("/", responses=ADMIN_PROBLEMS, summary="Set the tenant's upstream OpenID Connect provider")
    async def put_upstream(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[UpstreamOidcPut],
        principal: NamedDependency[Principal],
        upstream_oidc: NamedDependency[UpstreamOidcService],
    ) -> Response[UpstreamOidcView]:
        authorize(principal, slug, ("admin",))
        actor = principal.actor(request_id_of(request))
        view = await upstream_oidc.put(actor.id, actor.request_id, slug, data)
        return Response(view, headers={"Cache-Control": "no-store"})

    @get("/", responses=ADMIN_PROBLEMS, summary="The tenant's upstream OpenID Connect provider")
    async def get_upstream(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        upstream_oidc: NamedDependency[UpstreamOidcService],
    ) -> Response[UpstreamOidcView]:
        authorize(principal, slug, ("admin",))
        return Response(await upstream_oidc.view(slug), headers={"Cache-Control": "no-store"})
