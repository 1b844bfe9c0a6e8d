"""API key authentication and role/tenant authorisation for admin routes.

Cross-tenant policy: a tenant key asking for another tenant gets **404 tenant_not_found**, the same
answer as for a tenant that does not exist, so keys cannot enumerate tenants. A key of the right
tenant whose role is not allowed gets **403 forbidden**. Platform-admin keys may act on every
tenant.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import structlog
from litestar import Request
from litestar.di import NamedDependency

from sceau.errors import Forbidden, TenantNotFound, Unauthorized
from sceau.tenants.service import Principal, TenantService


async def provide_principal(
    request: Request[Any, Any, Any], tenants: NamedDependency[TenantService]
) -> Principal:
    """Dependency: the caller of an admin route, from ``Authorization: Bearer sceau_...``."""
    header = request.headers.get("authorization", "")
    max_len = request.app.state.settings.max_token_length
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or len(token) > max_len:
        raise Unauthorized()
    principal = await tenants.authenticate(token.strip(), request_id_of(request))
    request.scope["state"]["tenant"] = principal.tenant
    structlog.contextvars.bind_contextvars(tenant=principal.tenant)
    return principal


def request_id_of(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def authorize(principal: Principal, tenant: str | None, roles: Collection[str]) -> None:
    """Allow platform admins everywhere; tenant keys only on their tenant with one of ``roles``.

    ``tenant=None`` means a platform-level resource: platform admins only.
    """
    if principal.is_platform_admin:
        return
    if tenant is None:
        raise Forbidden()
    if principal.tenant != tenant:
        raise TenantNotFound()
    if principal.role not in roles:
        raise Forbidden()
