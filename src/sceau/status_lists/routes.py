"""HTTP routes: public status lists, admin revoke/suspend/unsuspend, VC API status update (thin).

Status list endpoints are public and cacheable. They take no per-holder input, so every holder of a
list fetches the same URL (herd privacy, BSL §6.1/§6.5), and they refuse ``?timestamp``
(historical resolution is off: TSL "privacy-historical", SECURITY.md L-05). The access log records
the route template, never the concrete path, and no client address.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, Router, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

from sceau.core.errors import InvalidInput
from sceau.status_lists.errors import HistoricalStatusNotSupported
from sceau.status_lists.models import (
    CredentialRecord,
    StatusAction,
    StatusChange,
    VcApiUpdateStatus,
)
from sceau.status_lists.service import PublishedList, StatusListService
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses

__all__ = ["ROUTES"]

STATUS_ROLES: Final = ("admin", "issuer")
READ_ROLES: Final = ("admin", "issuer", "auditor")
_CHANGE_PROBLEMS = {**ADMIN_PROBLEMS, **problem_responses(409)}
_LIST_PROBLEMS = problem_responses(400, 404)


def _refuse_historical(request: Request[Any, Any, Any]) -> None:
    if "timestamp" in request.query_params:
        raise HistoricalStatusNotSupported()


def _serve(request: Request[Any, Any, Any], published: PublishedList) -> Response[bytes]:
    headers = {
        "Cache-Control": f"public, max-age={published.max_age}",
        "ETag": published.etag,
        "Vary": "Accept",
    }
    match = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in match.split(",")}
    if match.strip() == "*" or published.etag in tags:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(
        published.body,
        status_code=HTTP_200_OK,
        headers=headers,
        media_type=published.media_type,
    )


def _wants_vc_jwt(request: Request[Any, Any, Any]) -> bool:
    """``application/vc+jwt`` only when ``Accept`` ranks it above ``application/vc``.

    Data Integrity (``application/vc``) is the default and wins ties.
    """
    ranks: dict[str, float] = {}
    for part in request.headers.get("accept", "")[:1024].split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        ranks[media] = max(ranks.get(media, 0.0), q)
    jwt = ranks.get("application/vc+jwt", 0.0)
    return jwt > 0 and jwt > ranks.get("application/vc", 0.0)


@get(
    "/t/{tenant:str}/status-lists/{list_id:str}",
    summary="A Token Status List (application/statuslist+jwt)",
    responses=_LIST_PROBLEMS,
    tags=["status lists"],
)
async def token_status_list(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    list_id: FromPath[str],
    status_lists: NamedDependency[StatusListService],
) -> Response[bytes]:
    _refuse_historical(request)
    return _serve(request, await status_lists.publish(tenant, list_id, None))


@get(
    "/t/{tenant:str}/status-lists/{list_id:str}/{purpose:str}",
    summary="A Bitstring Status List credential (application/vc, or application/vc+jwt on Accept)",
    responses=_LIST_PROBLEMS,
    tags=["status lists"],
)
async def bitstring_status_list(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    list_id: FromPath[str],
    purpose: FromPath[str],
    status_lists: NamedDependency[StatusListService],
) -> Response[bytes]:
    _refuse_historical(request)
    published = await status_lists.publish(tenant, list_id, purpose, as_jwt=_wants_vc_jwt(request))
    return _serve(request, published)


@get(
    "/admin/tenants/{slug:str}/credentials/{record_id:str}",
    summary="Read an issued credential's record (no claim values)",
    responses=ADMIN_PROBLEMS,
    tags=["status lists"],
)
async def get_credential_record(
    slug: FromPath[str],
    record_id: FromPath[str],
    principal: NamedDependency[Principal],
    status_lists: NamedDependency[StatusListService],
) -> CredentialRecord:
    authorize(principal, slug, READ_ROLES)
    return await status_lists.get_record(slug, record_id)


def _change_route(action: StatusAction) -> Any:
    async def change(
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        record_id: FromPath[str],
        principal: NamedDependency[Principal],
        status_lists: NamedDependency[StatusListService],
    ) -> StatusChange:
        authorize(principal, slug, STATUS_ROLES)
        return await status_lists.change_status_now(
            tenant_slug=slug,
            record_id=record_id,
            action=action,
            actor=principal.actor(request_id_of(request)),
        )

    change.__name__ = f"{action}_credential"
    return post(
        f"/admin/tenants/{{slug:str}}/credentials/{{record_id:str}}/{action}",
        summary=f"{action.capitalize()} an issued credential",
        responses=_CHANGE_PROBLEMS,
        status_code=HTTP_200_OK,
        tags=["status lists"],
    )(change)


@post(
    "/t/{tenant:str}/credentials/status",
    summary="VC API: update the status of an issued credential",
    responses=_CHANGE_PROBLEMS,
    status_code=HTTP_200_OK,
    tags=["vc api"],
)
async def vc_api_update_status(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    data: JSONBody[VcApiUpdateStatus],
    principal: NamedDependency[Principal],
    status_lists: NamedDependency[StatusListService],
) -> StatusChange:
    """VC API "Update Status": ``credentialId`` is the record id returned at issuance.

    revocation + true → revoke; suspension + true → suspend; suspension + false → unsuspend;
    revocation + false is refused (409) for a revoked credential (revocation is final) and a
    no-op otherwise.
    """
    authorize(principal, tenant, STATUS_ROLES)
    purpose = data.credentialStatus.statusPurpose
    actor = principal.actor(request_id_of(request))
    if purpose == "revocation" and not data.status:
        return await status_lists.confirm_not_revoked(tenant, data.credentialId)
    action: StatusAction
    if purpose == "revocation":
        action = "revoke"
    elif purpose == "suspension":
        action = "suspend" if data.status else "unsuspend"
    else:
        raise InvalidInput("statusPurpose must be revocation or suspension", code="invalid_input")
    return await status_lists.change_status_now(
        tenant_slug=tenant, record_id=data.credentialId, action=action, actor=actor
    )


def _provide_status_lists(state: State) -> StatusListService:
    service: StatusListService = state["status_lists"]
    return service


ROUTES: Final = [
    Router(
        "/",
        route_handlers=[
            token_status_list,
            bitstring_status_list,
            get_credential_record,
            _change_route("revoke"),
            _change_route("suspend"),
            _change_route("unsuspend"),
            vc_api_update_status,
        ],
        dependencies={
            "status_lists": Provide(_provide_status_lists, sync_to_thread=False),
        },
    )
]
