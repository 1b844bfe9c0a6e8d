"""Admin HTTP routes for credential types (thin: authorise, call the service)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from sceau.credential_types.errors import ClaimsRejected
from sceau.credential_types.models import CredentialType, CredentialTypeCreate
from sceau.credential_types.service import CredentialTypeService
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import problem_exception_handler, problem_responses

READERS = ("admin", "issuer", "auditor")
PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 415, 422)


def claims_problem_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """problem+json for rejected claims, with an ``errors`` member listing each failing path
    (RFC 9457 §3.2 extension member) — the paths are also in ``detail``."""
    response = problem_exception_handler(request, exc)
    if isinstance(exc, ClaimsRejected):
        body = msgspec.json.decode(response.content)
        body["errors"] = exc.params.get("errors", [])
        response.content = msgspec.json.encode(body)
    return response


class CredentialTypeController(Controller):
    path = "/admin/tenants/{slug:str}/credential-types"
    tags = ["credential types"]  # noqa: RUF012 (Litestar reads it as a class attribute)

    @post("/", responses=PROBLEMS, status_code=HTTP_201_CREATED, summary="Define a credential type")
    async def create_credential_type(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[CredentialTypeCreate],
        principal: NamedDependency[Principal],
        credential_types: NamedDependency[CredentialTypeService],
    ) -> CredentialType:
        authorize(principal, slug, ("admin",))
        return await credential_types.create(principal.actor(request_id_of(request)), slug, data)

    @get("/", responses=PROBLEMS, summary="List a tenant's credential types")
    async def list_credential_types(
        self,
        slug: FromPath[str],
        principal: NamedDependency[Principal],
        credential_types: NamedDependency[CredentialTypeService],
    ) -> list[CredentialType]:
        authorize(principal, slug, READERS)
        return await credential_types.admin_list(slug)

    @get("/{type_id:str}", responses=PROBLEMS, summary="Read a credential type")
    async def get_credential_type(
        self,
        slug: FromPath[str],
        type_id: FromPath[str],
        principal: NamedDependency[Principal],
        credential_types: NamedDependency[CredentialTypeService],
    ) -> CredentialType:
        authorize(principal, slug, READERS)
        return await credential_types.admin_get(slug, type_id)

    @put("/{type_id:str}", responses=PROBLEMS, summary="Replace a credential type's definition")
    async def replace_credential_type(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        type_id: FromPath[str],
        data: JSONBody[CredentialTypeCreate],
        principal: NamedDependency[Principal],
        credential_types: NamedDependency[CredentialTypeService],
    ) -> CredentialType:
        authorize(principal, slug, ("admin",))
        return await credential_types.replace(
            principal.actor(request_id_of(request)), slug, type_id, data
        )

    @delete(
        "/{type_id:str}",
        responses=PROBLEMS,
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a credential type (issued credentials keep their records)",
    )
    async def delete_credential_type(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        type_id: FromPath[str],
        principal: NamedDependency[Principal],
        credential_types: NamedDependency[CredentialTypeService],
    ) -> None:
        authorize(principal, slug, ("admin",))
        await credential_types.delete(principal.actor(request_id_of(request)), slug, type_id)


ROUTES = [CredentialTypeController]
