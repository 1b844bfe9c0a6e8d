"""HTTP routes: verifier configuration (admin) and VC API verifying (thin)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK
from litestar.types import ControllerRouterHandler

from sceau.tenants.service import Principal
from sceau.verification.models import (
    VerifierConfig,
    VerifierConfigIn,
    VerifyCredentialRequest,
    VerifyPresentationRequest,
    VerifyResponse,
)
from sceau.verification.service import VerificationService
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses

__all__ = ["ROUTES"]

CONFIG_ROLES: Final = ("admin",)
READ_ROLES: Final = ("admin", "verifier")
VERIFY_ROLES: Final = ("admin", "verifier")
_PROBLEMS = {**ADMIN_PROBLEMS, **problem_responses(422)}


@put(
    "/admin/tenants/{slug:str}/verifier",
    tags=["verification"],
    responses=_PROBLEMS,
    status_code=HTTP_200_OK,
    summary="Set the tenant's verifier identity, purposes and trust policy",
)
async def put_verifier_config(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    data: JSONBody[VerifierConfigIn],
    principal: NamedDependency[Principal],
    verification: NamedDependency[VerificationService],
) -> VerifierConfig:
    authorize(principal, slug, CONFIG_ROLES)
    return await verification.configure(principal.actor(request_id_of(request)), slug, data)


@get(
    "/admin/tenants/{slug:str}/verifier",
    tags=["verification"],
    responses=ADMIN_PROBLEMS,
    summary="The tenant's verifier configuration",
)
async def get_verifier_config(
    slug: FromPath[str],
    principal: NamedDependency[Principal],
    verification: NamedDependency[VerificationService],
) -> VerifierConfig:
    authorize(principal, slug, READ_ROLES)
    return await verification.get_config(slug)


@post(
    "/t/{tenant:str}/credentials/verify",
    tags=["vc-api"],
    responses=_PROBLEMS,
    status_code=HTTP_200_OK,
    summary="VC API: verify a credential against the tenant's trust policy",
)
async def verify_credential(
    tenant: FromPath[str],
    data: JSONBody[VerifyCredentialRequest],
    principal: NamedDependency[Principal],
    verification: NamedDependency[VerificationService],
) -> Response[VerifyResponse]:
    authorize(principal, tenant, VERIFY_ROLES)
    result = await verification.verify_credential(tenant, data)
    # 200 when verified; 400 with the same result body otherwise (VC API OpenAPI responses).
    return Response(result, status_code=HTTP_200_OK if result.verified else 400)


@post(
    "/t/{tenant:str}/presentations/verify",
    tags=["vc-api"],
    responses=_PROBLEMS,
    status_code=HTTP_200_OK,
    summary="VC API: verify a presentation (challenge, domain) and its credentials",
)
async def verify_presentation(
    tenant: FromPath[str],
    data: JSONBody[VerifyPresentationRequest],
    principal: NamedDependency[Principal],
    verification: NamedDependency[VerificationService],
) -> Response[VerifyResponse]:
    authorize(principal, tenant, VERIFY_ROLES)
    result = await verification.verify_presentation(tenant, data)
    # 200 when verified; 400 with the same result body otherwise (VC API OpenAPI responses).
    return Response(result, status_code=HTTP_200_OK if result.verified else 400)


ROUTES: list[ControllerRouterHandler] = [
    put_verifier_config,
    get_verifier_config,
    verify_credential,
    verify_presentation,
]
