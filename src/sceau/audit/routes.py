"""Admin HTTP route to read a tenant's audit events."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from sceau.audit.models import AuditPage
from sceau.audit.service import AuditService
from sceau.tenants.service import Principal, TenantService
from sceau.web.auth import authorize
from sceau.web.problems import ADMIN_PROBLEMS


@get(
    "/admin/tenants/{slug:str}/audit",
    tags=["audit"],
    summary="List a tenant's audit events",
    responses=ADMIN_PROBLEMS,
)
async def list_tenant_audit(
    slug: FromPath[str],
    principal: NamedDependency[Principal],
    audit: NamedDependency[AuditService],
    tenants: NamedDependency[TenantService],
    after: Annotated[int, QueryParameter(ge=0, le=2**62)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> AuditPage:
    authorize(principal, slug, ("admin", "auditor"))
    await tenants.get_tenant(slug)
    return await audit.list_for_tenant(slug, after=after, limit=limit)
