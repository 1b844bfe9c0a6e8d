"""Per-tenant trust in wallet providers: who may attest wallet keys (OpenID4VCI 1.0 Appendix D,
HAIP 1.0 §"Key Attestation"), which credential configurations require a key attestation, and
whether wallets must authenticate with a Wallet Attestation (Appendix E, HAIP §"Token Endpoint";
:mod:`sceau.oid4vci.client_attestation`).

``PUT /admin/tenants/{slug}/wallet-providers`` sets it (tenant admins), ``GET`` reads it back.
The anchors are X.509 CA certificates (PEM): a key attestation's ``x5c`` chain must lead to one.
Without this configuration the issuer evaluates no key attestation: the ``attestation`` proof type
is not offered and a ``key_attestation`` header of a ``jwt`` proof is not looked at.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Final

import msgspec
from cryptography import x509
from litestar import Controller, Request, Response, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy import JSON, BigInteger, Boolean, Column, String, Table, bindparam, false, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.errors import InvalidInput
from sceau.db.metadata import metadata
from sceau.errors import NotFound
from sceau.oid4vci.attestation import (
    KEY_ATTESTATION_ALGORITHMS,
    KeyAttestationPolicy,
    parse_anchors,
)
from sceau.oid4vci.store import put_tenant_config
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS

MAX_ANCHOR_PEM: Final = 16 * 1024
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
# Appendix D.2 values, or an ecosystem's own (a URL is recommended): printable, no spaces.
_APR = re.compile(r"^[\x21-\x7e]{1,256}$")

oid4vci_wallet_providers = Table(
    "oid4vci_wallet_providers",
    metadata,
    Column("tenant", String(63), primary_key=True),
    Column("trust_anchors_pem", JSON, nullable=False),
    Column("key_attestation_required", Boolean, nullable=False),
    # None: every credential configuration of the tenant (when required).
    Column("key_attestation_configurations", JSON, nullable=True),
    Column("key_storage", JSON, nullable=True),
    Column("user_authentication", JSON, nullable=True),
    # Wallet attestation (OpenID4VCI Appendix E) required at the token endpoint and PAR.
    Column("wallet_attestation_required", Boolean, nullable=False, server_default=false()),
    Column("updated_at_ms", BigInteger, nullable=False),
)

AprValues = Annotated[list[str], msgspec.Meta(min_length=1, max_length=16)]


class WalletProvidersNotConfigured(NotFound):
    code = "wallet_providers_not_configured"


class WalletProvidersPut(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Trusted wallet providers of a tenant and its key attestation requirement.

    ``trust_anchors_pem``: CA certificates of accepted wallet providers (PEM, one per entry, 1 to
    16).
    ``key_attestation_required``: a ``jwt`` proof without ``key_attestation`` is refused for
    ``key_attestation_configurations`` (all the tenant's configurations when absent).
    ``key_storage`` / ``user_authentication``: accepted attack potential resistance values
    (OpenID4VCI Appendix D.2, e.g. ``iso_18045_high``); an attestation must assert one of them.
    ``wallet_attestation_required``: the token endpoint and PAR refuse a wallet without a valid
    Wallet Attestation (``OAuth-Client-Attestation`` headers, Appendix E, HAIP) with
    ``invalid_client``; when false, headers that are sent are verified all the same.
    """

    trust_anchors_pem: Annotated[list[str], msgspec.Meta(min_length=1, max_length=16)]
    key_attestation_required: bool = False
    key_attestation_configurations: (
        Annotated[list[str], msgspec.Meta(min_length=1, max_length=64)] | None
    ) = None
    key_storage: AprValues | None = None
    user_authentication: AprValues | None = None
    wallet_attestation_required: bool = False


class WalletProvidersView(msgspec.Struct, frozen=True, kw_only=True):
    trust_anchors_pem: list[str]
    key_attestation_required: bool
    key_attestation_configurations: list[str] | None
    key_storage: list[str] | None
    user_authentication: list[str] | None
    wallet_attestation_required: bool
    updated_at_ms: int


@dataclass(frozen=True, slots=True)
class WalletTrust:
    """The tenant's wallet provider trust, ready for the credential endpoint and the metadata."""

    policy: KeyAttestationPolicy
    required: bool
    configurations: frozenset[str] | None
    wallet_attestation_required: bool = False

    def requires_key_attestation(self, configuration_id: str) -> bool:
        return self.required and (
            self.configurations is None or configuration_id in self.configurations
        )

    def key_attestations_required(self, configuration_id: str) -> dict[str, Any] | None:
        """§12.2.4 ``key_attestations_required`` of a configuration, None when not required
        (the member "MUST NOT be present" then)."""
        if not self.requires_key_attestation(configuration_id):
            return None
        out: dict[str, Any] = {}
        if self.policy.key_storage:
            out["key_storage"] = list(self.policy.key_storage)
        if self.policy.user_authentication:
            out["user_authentication"] = list(self.policy.user_authentication)
        return out

    @property
    def algorithms(self) -> list[str]:
        return list(KEY_ATTESTATION_ALGORITHMS)


def _invalid(field: str) -> InvalidInput:
    return InvalidInput(field, code="invalid_wallet_providers")


def _validate(data: WalletProvidersPut, now_ms: int) -> None:
    now = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC)
    for pem in data.trust_anchors_pem:
        if len(pem) > MAX_ANCHOR_PEM or not pem.isascii():
            raise _invalid("trust_anchors_pem")
        try:
            # One certificate per entry: of a bundle, only the first would be trusted, silently.
            if len(x509.load_pem_x509_certificates(pem.encode("ascii"))) != 1:
                raise ValueError("one certificate per trust anchor entry")
            (anchor,) = parse_anchors([pem])
            # An expired anchor validates nothing: saying so now beats refusing every wallet.
            if anchor.not_valid_after_utc <= now:
                raise ValueError("the trust anchor has expired")
        except ValueError as exc:
            raise _invalid("trust_anchors_pem") from exc
    for name in data.key_attestation_configurations or ():
        if not _NAME.fullmatch(name):
            raise _invalid("key_attestation_configurations")
    for values, field in (
        (data.key_storage, "key_storage"),
        (data.user_authentication, "user_authentication"),
    ):
        if values is not None and (
            len(set(values)) != len(values) or any(not _APR.fullmatch(v) for v in values)
        ):
            raise _invalid(field)


def _trust_of(row: Any) -> WalletTrust:
    configurations = row.key_attestation_configurations
    return WalletTrust(
        policy=KeyAttestationPolicy(
            anchors=parse_anchors(list(row.trust_anchors_pem)),
            key_storage=tuple(row.key_storage) if row.key_storage else None,
            user_authentication=(
                tuple(row.user_authentication) if row.user_authentication else None
            ),
        ),
        required=bool(row.key_attestation_required),
        configurations=None if configurations is None else frozenset(configurations),
        wallet_attestation_required=bool(row.wallet_attestation_required),
    )


# Read on every token, PAR and credential request: the parsed trust of each tenant is kept per
# database engine for TRUST_RECHECK_S, then read again (and parsed again only if it changed), so a
# change made through another app server applies within that delay; this process's own PUT applies
# at once. Keyed weakly by engine: apps on other databases (tests) never share entries.
TRUST_RECHECK_S: Final = 2.0
_TRUST: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, Any, WalletTrust | None]]] = (
    weakref.WeakKeyDictionary()
)
_SELECT_TRUST: Final = select(oid4vci_wallet_providers).where(
    oid4vci_wallet_providers.c.tenant == bindparam("b_tenant")
)


async def load_wallet_trust(conn: AsyncConnection, tenant: str) -> WalletTrust | None:
    """The tenant's wallet provider trust (None: not configured), cached (``TRUST_RECHECK_S``)."""
    entries = _TRUST.setdefault(conn.sync_engine, {})
    now = time.monotonic()
    hit = entries.get(tenant)
    if hit is not None and now - hit[0] < TRUST_RECHECK_S:
        return hit[2]
    row = (await conn.execute(_SELECT_TRUST, {"b_tenant": tenant})).one_or_none()
    version = None if row is None else tuple(row)
    if row is None:
        trust = None
    elif hit is not None and hit[1] == version:
        trust = hit[2]  # the same row: keep the parsed anchors
    else:
        trust = _trust_of(row)
    if len(entries) >= 10_000:
        entries.clear()
    entries[tenant] = (now, version, trust)
    return trust


def _forget_trust(engine: AsyncEngine, tenant: str) -> None:
    _TRUST.get(engine.sync_engine, {}).pop(tenant, None)


class WalletProviderService:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.engine = engine
        self.clock_ms = clock_ms

    async def put(
        self, actor: str, request_id: str, tenant: str, data: WalletProvidersPut
    ) -> WalletProvidersView:
        now_ms = self.clock_ms()
        _validate(data, now_ms)
        values: dict[str, Any] = {
            "trust_anchors_pem": list(data.trust_anchors_pem),
            "key_attestation_required": data.key_attestation_required,
            "key_attestation_configurations": data.key_attestation_configurations,
            "key_storage": data.key_storage,
            "user_authentication": data.user_authentication,
            "wallet_attestation_required": data.wallet_attestation_required,
            "updated_at_ms": now_ms,
        }
        async with self.engine.begin() as conn:
            await put_tenant_config(conn, oid4vci_wallet_providers, tenant, values)
            await audit_record(
                conn,
                AuditEvent(
                    actor=actor,
                    action="oid4vci.wallet_providers.put",
                    target=tenant,
                    tenant=tenant,
                    request_id=request_id,
                    details={
                        "anchors": len(data.trust_anchors_pem),
                        "key_attestation_required": data.key_attestation_required,
                        "wallet_attestation_required": data.wallet_attestation_required,
                    },
                ),
                at_ms=now_ms,
            )
        _forget_trust(self.engine, tenant)
        return WalletProvidersView(**values)

    async def view(self, tenant: str) -> WalletProvidersView:
        table = oid4vci_wallet_providers
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(table).where(table.c.tenant == tenant))).one_or_none()
        if row is None:
            raise WalletProvidersNotConfigured(tenant=tenant)
        return WalletProvidersView(
            trust_anchors_pem=list(row.trust_anchors_pem),
            key_attestation_required=bool(row.key_attestation_required),
            key_attestation_configurations=row.key_attestation_configurations,
            key_storage=row.key_storage,
            user_authentication=row.user_authentication,
            wallet_attestation_required=bool(row.wallet_attestation_required),
            updated_at_ms=row.updated_at_ms,
        )

    async def trust(self, tenant: str) -> WalletTrust | None:
        async with self.engine.connect() as conn:
            return await load_wallet_trust(conn, tenant)


def provide_wallet_providers(state: State) -> WalletProviderService:
    """The service on ``app.state["wallet_providers"]``, built on first use."""
    service = state.get("wallet_providers")
    if service is None:
        service = WalletProviderService(state["engine"])
        state["wallet_providers"] = service
    return service


WALLET_PROVIDERS_DEPENDENCIES = {
    "wallet_providers": Provide(provide_wallet_providers, sync_to_thread=False)
}


class WalletProvidersController(Controller):
    path = "/admin/tenants/{slug:str}/wallet-providers"
    tags = ["oid4vci"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = WALLET_PROVIDERS_DEPENDENCIES

    @put(
        "/",
        responses=ADMIN_PROBLEMS,
        summary="Set the wallet providers trusted for key attestations (trust anchors, policy)",
    )
    async def put_wallet_providers(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[WalletProvidersPut],
        principal: NamedDependency[Principal],
        wallet_providers: NamedDependency[WalletProviderService],
    ) -> Response[WalletProvidersView]:
        authorize(principal, slug, ("admin",))
        actor = principal.actor(request_id_of(request))
        view = await wallet_providers.put(actor.id, actor.request_id, slug, data)
        return Response(view, headers={"Cache-Control": "no-store"})

    @get("/", responses=ADMIN_PROBLEMS, summary="The wallet providers trusted by the tenant")
    async def get_wallet_providers(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        wallet_providers: NamedDependency[WalletProviderService],
    ) -> Response[WalletProvidersView]:
        authorize(principal, slug, ("admin",))
        return Response(await wallet_providers.view(slug), headers={"Cache-Control": "no-store"})
