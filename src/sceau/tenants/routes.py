"""Admin HTTP routes for tenants and API keys (thin: authorise, call the service)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from sceau.tenants.models import (
    ApiKey,
    ApiKeyCreate,
    IssuedApiKey,
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantUpdate,
)
from sceau.tenants.service import Principal, TenantService
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS

READERS = ("admin", "auditor")


class TenantController(Controller):
    path = "/admin/tenants"
    tags = ["tenants"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post(
        "/",
        responses=ADMIN_PROBLEMS,
        status_code=HTTP_201_CREATED,
        summary="Create a tenant and its first admin key",
    )
    async def create_tenant(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TenantCreate],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> TenantCreated:
        authorize(principal, None, ())
        return await tenants.create_tenant(principal.actor(request_id_of(request)), data)

    @get("/", responses=ADMIN_PROBLEMS, summary="List tenants (platform admin)")
    async def list_tenants(
        self, principal: NamedDependency[Principal], tenants: NamedDependency[TenantService]
    ) -> list[Tenant]:
        authorize(principal, None, ())
        return await tenants.list_tenants()

    @get("/{slug:str}", responses=ADMIN_PROBLEMS, summary="Read a tenant")
    async def get_tenant(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> Tenant:
        authorize(principal, slug, READERS)
        return await tenants.get_tenant(slug)

    @patch(
        "/{slug:str}",
        responses=ADMIN_PROBLEMS,
        summary="Change a tenant's names or signing algorithm policy",
    )
    async def update_tenant(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[TenantUpdate],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> Tenant:
        authorize(principal, slug, ("admin",))
        return await tenants.update_tenant(principal.actor(request_id_of(request)), slug, data)

    @get("/{slug:str}/api-keys", responses=ADMIN_PROBLEMS, summary="List a tenant's API keys")
    async def list_api_keys(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> list[ApiKey]:
        authorize(principal, slug, ("admin",))
        return await tenants.list_api_keys(slug)

    @post(
        "/{slug:str}/api-keys",
        responses=ADMIN_PROBLEMS,
        status_code=HTTP_201_CREATED,
        summary="Create an API key (token shown once)",
    )
    async def create_api_key(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[ApiKeyCreate],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> IssuedApiKey:
        authorize(principal, slug, ("admin",))
        return await tenants.create_api_key(
            principal.actor(request_id_of(request)), slug, data.role, data.label
        )

    @delete(
        "/{slug:str}/api-keys/{key_id:str}",
        responses=ADMIN_PROBLEMS,
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke an API key",
    )
    async def revoke_api_key(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        key_id: FromPath[str],
        principal: NamedDependency[Principal],
        tenants: NamedDependency[TenantService],
    ) -> None:
        authorize(principal, slug, ("admin",))
        await tenants.revoke_api_key(principal.actor(request_id_of(request)), slug, key_id)
