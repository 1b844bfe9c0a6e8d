"""The application factory: one :class:`~sceau.settings.Settings` in, one ASGI app out.

Collaborators (engine, services, translator, metrics) live on ``app.state`` and reach handlers
through Litestar dependency injection; nothing is a module-level singleton.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler
from sqlalchemy.ext.asyncio import AsyncEngine

import sceau
from sceau.audit.routes import list_tenant_audit
from sceau.audit.service import AuditService, seal_periodically
from sceau.credential_types.routes import ROUTES as CREDENTIAL_TYPE_ROUTES
from sceau.credential_types.service import CredentialTypeService
from sceau.db.engine import create_engine
from sceau.db.migrate import upgrade
from sceau.fetch import FetchPolicy, SafeFetcher
from sceau.issuance.metadata_routes import ROUTES as ISSUER_METADATA_ROUTES
from sceau.issuance.service import IssuanceService
from sceau.issuance.vcapi_routes import ROUTES as VCAPI_ISSUE_ROUTES
from sceau.keys.routes import ROUTES as KEY_ROUTES
from sceau.keys.service import KeyStoreService
from sceau.maintenance import purge_periodically
from sceau.oid4vci.authorization import ROUTES as OID4VCI_AUTHORIZATION_ROUTES
from sceau.oid4vci.routes import ROUTES as OID4VCI_ROUTES
from sceau.oid4vp.routes import ROUTES as OID4VP_ROUTES
from sceau.oid4vp.service import PresentationService
from sceau.settings import Settings
from sceau.signin.pages import ROUTES as SIGNIN_PAGE_ROUTES
from sceau.signin.routes import ROUTES as SIGNIN_ROUTES
from sceau.signin.service import build_signin_service
from sceau.status_lists.routes import ROUTES as STATUS_LIST_ROUTES
from sceau.status_lists.service import StatusListService, allocation_engine_for
from sceau.tenants.routes import TenantController
from sceau.tenants.service import TenantService
from sceau.verification.routes import ROUTES as VERIFICATION_ROUTES
from sceau.verification.service import build_verification_service
from sceau.web.auth import provide_principal
from sceau.web.body import require_strict_json_body
from sceau.web.docs import INTERNAL_OPENAPI_PATH, docs_assets, docs_page, openapi_json
from sceau.web.health import healthz, metrics, readyz
from sceau.web.i18n import Translator
from sceau.web.litestar_tuning import resolve_dependencies_sequentially
from sceau.web.logging import configure_logging
from sceau.web.metrics import HttpMetrics
from sceau.web.middleware import RequestContextMiddleware
from sceau.web.problems import PROBLEM_HANDLERS


def core_route_handlers() -> list[ControllerRouterHandler]:
    handlers: list[ControllerRouterHandler] = [
        healthz,
        readyz,
        metrics,
        openapi_json,
        docs_page,
        docs_assets,
        TenantController,
        list_tenant_audit,
        *CREDENTIAL_TYPE_ROUTES,
        *ISSUER_METADATA_ROUTES,
        *VCAPI_ISSUE_ROUTES,
        *STATUS_LIST_ROUTES,
        *VERIFICATION_ROUTES,
        *OID4VP_ROUTES,
        *KEY_ROUTES,
        *OID4VCI_ROUTES,
        *OID4VCI_AUTHORIZATION_ROUTES,
        *SIGNIN_ROUTES,
        *SIGNIN_PAGE_ROUTES,
    ]
    return handlers


def create_app(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    extra_route_handlers: Sequence[ControllerRouterHandler] = (),
) -> Litestar:
    """Build the ASGI app. Pass ``engine`` to share one (tests, CLI); else one is created.

    ``extra_route_handlers`` lets later capabilities (and tests) mount their routers.
    """
    configure_logging(settings.log_level, settings.log_json)
    resolve_dependencies_sequentially()
    owns_engine = engine is None
    db = engine if engine is not None else create_engine(settings)
    http_metrics = HttpMetrics()
    state = State(
        {
            "settings": settings,
            "engine": db,
            "translator": Translator.load(),
            "metrics": http_metrics,
            "tenants": TenantService(
                db,
                login_audit_interval_s=settings.apikey_login_audit_interval_s,
                cache_ttl_s=settings.apikey_cache_ttl_s,
                max_page_size=settings.max_page_size,
            ),
            "audit": AuditService(db),
        }
    )
    # Signing keys: loads the KEK now, so a missing/malformed one fails at start, not mid-request.
    state["keys"] = KeyStoreService.from_settings(db, settings, tenants=state["tenants"])

    state["credential_types"] = CredentialTypeService(
        db, state["tenants"], public_url=settings.resolved_public_url
    )
    # PostgreSQL: the status-list block reservations' own small engine (disposed at shutdown).
    own_allocation_engine = None
    if "status_lists" not in state:
        own_allocation_engine = allocation_engine_for(settings)
        state["status_lists"] = StatusListService(
            db,
            public_url=settings.resolved_public_url,
            keys=state["keys"],
            allocation_engine=own_allocation_engine,
        )
    state["issuance"] = IssuanceService(
        public_url=settings.resolved_public_url,
        credential_types=state["credential_types"],
        keys=state["keys"],
        status_lists=state["status_lists"],
    )
    # Verification: one outbound client (SSRF guard; http/loopback only outside production).
    state["fetcher"] = SafeFetcher(FetchPolicy(allow_insecure=settings.environment != "prod"))
    state["verification"] = build_verification_service(
        db, settings, tenants=state["tenants"], keys=state["keys"], fetcher=state["fetcher"]
    )
    state["presentations"] = PresentationService(
        db, verification=state["verification"], keys=state["keys"]
    )
    # Sign in with a credential (issue 6): the OIDC provider, also the page's SigninPort.
    state["signin"] = build_signin_service(state)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.should_migrate_on_start:
            await upgrade(db)
        background = []
        if settings.purge_interval_s > 0:
            background.append(
                asyncio.create_task(
                    purge_periodically(state, settings.purge_interval_s), name="sceau-purge"
                )
            )
        if settings.audit_seal_interval_s > 0:
            background.append(
                asyncio.create_task(
                    seal_periodically(
                        db, settings.audit_seal_interval_s, observe=http_metrics.observe_seal
                    ),
                    name="sceau-audit-seal",
                )
            )
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            # A loop that died of its own error must not keep the others running or the engine
            # open: wait for all of them, whatever each ended with.
            await asyncio.gather(*background, return_exceptions=True)
            if own_allocation_engine is not None:
                await own_allocation_engine.dispose()
            if owns_engine:
                await db.dispose()

    def _from_state(name: str) -> Provide:
        def provider(state: State) -> Any:
            return state[name]

        provider.__name__ = f"provide_{name}"
        return Provide(provider, sync_to_thread=False)

    app = Litestar(
        route_handlers=[*core_route_handlers(), *extra_route_handlers],
        state=state,
        dependencies={
            "engine": _from_state("engine"),
            "tenants": _from_state("tenants"),
            "audit": _from_state("audit"),
            "credential_types": _from_state("credential_types"),
            "issuance": _from_state("issuance"),
            "keys": _from_state("keys"),
            "verification": _from_state("verification"),
            "presentations": _from_state("presentations"),
            "principal": Provide(provide_principal),
        },
        exception_handlers=PROBLEM_HANDLERS,
        before_request=require_strict_json_body,
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="Sceau",
            version=sceau.__version__,
            path=INTERNAL_OPENAPI_PATH,
        ),
        logging_config=None,
        debug=False,
    )
    # Outermost layer, around Litestar's router, so unmatched routes (404/405) and errors raised
    # before routing also get a request id, security headers, a log line and metrics.
    app.asgi_handler = RequestContextMiddleware(
        app.asgi_handler, http_metrics, hsts=settings.environment == "prod"
    )
    return app
