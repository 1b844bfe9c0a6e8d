"""HTTP routes of the OpenID4VP verifier (thin).

Admin (API key, roles admin/verifier): create a presentation request, read its status, its QR.
Protocol (OAuth error format): the request object at ``request_uri`` (GET, and POST with
``wallet_nonce`` — §5.10) and the response endpoint (``response_uri``, §8.2). The verifier's
backend reads the result with the request's own secret (``Authorization: Bearer <secret>``).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from sceau.errors import Unauthorized
from sceau.oid4vp.models import (
    PresentationRequestCreate,
    PresentationRequestCreated,
    PresentationRequestStatus,
    PresentationResult,
)
from sceau.oid4vp.qr import qr_png, qr_svg
from sceau.oid4vp.service import PresentationService, UriScheme
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses, protocol_router

__all__ = ["ROUTES"]

REQUEST_ROLES: Final = ("admin", "verifier")
MAX_SECRET_LENGTH: Final = 128
# ?scheme= of the QR codes: openid4vp:// (default), or haip:// / haip-vp:// for HAIP requests.
SchemeParam = Annotated[UriScheme, QueryParameter()]
_QR_PROBLEMS: Final = {**ADMIN_PROBLEMS, **problem_responses(409)}
_NO_STORE: Final = {"Cache-Control": "no-store"}


class RequestUriPost(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """§5.10.1: the wallet may POST ``wallet_metadata`` and ``wallet_nonce``."""

    wallet_nonce: str | None = None
    wallet_metadata: str | None = None


class AuthorizationResponse(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """§8.2 (``vp_token``, ``state``) or §8.3 (``response`` = JWE); or an error (§8.5)."""

    vp_token: str | None = None
    state: str | None = None
    response: str | None = None
    error: str | None = None
    error_description: str | None = None


@post(
    "/admin/tenants/{slug:str}/presentation-requests",
    tags=["oid4vp"],
    responses={**ADMIN_PROBLEMS, **problem_responses(422)},
    status_code=HTTP_201_CREATED,
    summary="Create an OpenID4VP presentation request from a DCQL query",
)
async def create_presentation_request(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    data: JSONBody[PresentationRequestCreate],
    principal: NamedDependency[Principal],
    presentations: NamedDependency[PresentationService],
) -> Response[PresentationRequestCreated]:
    authorize(principal, slug, REQUEST_ROLES)
    created = await presentations.create(principal.actor(request_id_of(request)), slug, data)
    return Response(created, status_code=HTTP_201_CREATED, headers=_NO_STORE)


@get(
    "/admin/tenants/{slug:str}/presentation-requests/{request_id:str}",
    tags=["oid4vp"],
    responses=ADMIN_PROBLEMS,
    summary="Status of a presentation request (outcome metadata only)",
)
async def get_presentation_request(
    slug: FromPath[str],
    request_id: FromPath[str],
    principal: NamedDependency[Principal],
    presentations: NamedDependency[PresentationService],
) -> PresentationRequestStatus:
    authorize(principal, slug, REQUEST_ROLES)
    return await presentations.status(slug, request_id)


@get(
    "/admin/tenants/{slug:str}/presentation-requests/{request_id:str}/qr.svg",
    tags=["oid4vp"],
    responses=_QR_PROBLEMS,
    summary="QR code (SVG) of the authorization request (?scheme=openid4vp|haip|haip-vp)",
    media_type="image/svg+xml",
)
async def presentation_request_qr_svg(
    slug: FromPath[str],
    request_id: FromPath[str],
    principal: NamedDependency[Principal],
    presentations: NamedDependency[PresentationService],
    scheme: SchemeParam = "openid4vp",
) -> Response[bytes]:
    authorize(principal, slug, REQUEST_ROLES)
    uri = await presentations.authorization_request_uri(slug, request_id, scheme)
    svg = qr_svg(uri, title="OpenID4VP presentation request / demande de présentation")
    return Response(svg, media_type="image/svg+xml")


@get(
    "/admin/tenants/{slug:str}/presentation-requests/{request_id:str}/qr.png",
    tags=["oid4vp"],
    responses=_QR_PROBLEMS,
    summary="QR code (PNG) of the authorization request (?scheme=openid4vp|haip|haip-vp)",
    media_type="image/png",
)
async def presentation_request_qr_png(
    slug: FromPath[str],
    request_id: FromPath[str],
    principal: NamedDependency[Principal],
    presentations: NamedDependency[PresentationService],
    scheme: SchemeParam = "openid4vp",
) -> Response[bytes]:
    authorize(principal, slug, REQUEST_ROLES)
    uri = await presentations.authorization_request_uri(slug, request_id, scheme)
    return Response(qr_png(uri), media_type="image/png")


@get("/requests/{request_id:str}", summary="Request object (JAR) by reference, GET (§5.10)")
async def get_request_object(
    tenant: FromPath[str],
    request_id: FromPath[str],
    presentations: NamedDependency[PresentationService],
) -> Response[str]:
    jar = await presentations.request_object(tenant, request_id)
    return Response(jar, media_type="application/oauth-authz-req+jwt", headers=_NO_STORE)


@post(
    "/requests/{request_id:str}",
    summary="Request object (JAR) by reference, POST with wallet_nonce (§5.10.1)",
    status_code=HTTP_200_OK,
)
async def post_request_object(
    tenant: FromPath[str],
    request_id: FromPath[str],
    data: Annotated[RequestUriPost, Body(media_type=RequestEncodingType.URL_ENCODED)],
    presentations: NamedDependency[PresentationService],
) -> Response[str]:
    if data.wallet_nonce is not None and len(data.wallet_nonce) > 256:
        from sceau.errors import OAuthError

        raise OAuthError("invalid_request")
    jar = await presentations.request_object(tenant, request_id, wallet_nonce=data.wallet_nonce)
    return Response(jar, media_type="application/oauth-authz-req+jwt", headers=_NO_STORE)


@post("/response", summary="Response endpoint (response_uri, §8.2 / §8.3)", status_code=HTTP_200_OK)
async def post_response(
    tenant: FromPath[str],
    data: Annotated[AuthorizationResponse, Body(media_type=RequestEncodingType.URL_ENCODED)],
    presentations: NamedDependency[PresentationService],
) -> Response[dict[str, Any]]:
    form = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}
    body = await presentations.receive_response(tenant, form)
    return Response(body, headers=_NO_STORE)


@get(
    "/t/{tenant:str}/oid4vp/requests/{request_id:str}/result",
    tags=["oid4vp"],
    responses=problem_responses(401, 403),
    summary="The verification result; disclosed claims are released once",
)
async def get_result(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    request_id: FromPath[str],
    presentations: NamedDependency[PresentationService],
) -> Response[PresentationResult]:
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret or len(secret) > MAX_SECRET_LENGTH:
        raise Unauthorized()
    result = await presentations.result(tenant, request_id, secret.strip())
    return Response(result, headers=_NO_STORE)


ROUTES: list[ControllerRouterHandler] = [
    create_presentation_request,
    get_presentation_request,
    presentation_request_qr_svg,
    presentation_request_qr_png,
    get_result,
    protocol_router(
        "/t/{tenant:str}/oid4vp",
        [get_request_object, post_request_object, post_response],
        tags=["oid4vp"],
    ),
]
