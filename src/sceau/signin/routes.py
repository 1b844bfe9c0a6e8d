"""HTTP routes of the OpenID Connect provider (thin): relying-party admin API and the protocol
endpoints under the issuer ``{public_url}/t/{tenant}/oidc``.

The sign-in page itself (``GET /t/{tenant}/oidc/signin/{session_id}``) is served by
:mod:`sceau.signin.pages`; this module serves its status, continue and cancel URLs.
"""

from __future__ import annotations

import html
from typing import Any, Final
from urllib.parse import parse_qsl

import msgspec
from litestar import Request, Response, delete, get, patch, post, route
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from sceau.errors import OAuthError
from sceau.oauth.errors import oauth_router
from sceau.oauth.par import as_form
from sceau.signin.models import (
    RelyingParty,
    RelyingPartyCreate,
    RelyingPartyCreated,
    RelyingPartyUpdate,
)
from sceau.signin.service import SIGNIN_COOKIE, SessionNotFound, SigninService
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses

__all__ = ["ROUTES", "provide_signin"]

RP_ADMIN_ROLES: Final = ("admin",)
RP_READ_ROLES: Final = ("admin", "auditor")
NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"
MAX_FORM_BYTES: Final = 16 * 1024
MAX_QUERY_BYTES: Final = 8 * 1024
_PROBLEMS = {**ADMIN_PROBLEMS, **problem_responses(422)}
_RP = "/admin/tenants/{slug:str}/relying-parties"


def provide_signin(state: State) -> SigninService:
    service: SigninService = state["signin"]
    return service


DEPENDENCIES = {"signin": Provide(provide_signin, sync_to_thread=False)}


# --- admin: relying parties -------------------------------------------------------------------


@post(
    _RP,
    tags=["signin"],
    responses=_PROBLEMS,
    status_code=HTTP_201_CREATED,
    dependencies=DEPENDENCIES,
    summary="Register a relying party (client_secret shown once for client_secret_basic)",
)
async def create_relying_party(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    data: JSONBody[RelyingPartyCreate],
    principal: NamedDependency[Principal],
    signin: NamedDependency[SigninService],
) -> Response[RelyingPartyCreated]:
    authorize(principal, slug, RP_ADMIN_ROLES)
    created = await signin.relying_parties.create(
        principal.actor(request_id_of(request)), slug, data
    )
    return Response(created, status_code=HTTP_201_CREATED, headers=NO_STORE)


@get(
    _RP,
    tags=["signin"],
    responses=ADMIN_PROBLEMS,
    dependencies=DEPENDENCIES,
    summary="List the tenant's relying parties",
)
async def list_relying_parties(
    slug: FromPath[str],
    principal: NamedDependency[Principal],
    signin: NamedDependency[SigninService],
) -> list[RelyingParty]:
    authorize(principal, slug, RP_READ_ROLES)
    return await signin.relying_parties.list(slug)


@get(
    _RP + "/{client_id:str}",
    tags=["signin"],
    responses=ADMIN_PROBLEMS,
    dependencies=DEPENDENCIES,
    summary="One relying party",
)
async def get_relying_party(
    slug: FromPath[str],
    client_id: FromPath[str],
    principal: NamedDependency[Principal],
    signin: NamedDependency[SigninService],
) -> RelyingParty:
    authorize(principal, slug, RP_READ_ROLES)
    await signin.relying_parties.check_tenant(slug)
    return await signin.relying_parties.get(slug, client_id)


@patch(
    _RP + "/{client_id:str}",
    tags=["signin"],
    responses=_PROBLEMS,
    status_code=HTTP_200_OK,
    dependencies=DEPENDENCIES,
    summary="Change a relying party (names, URIs, keys, scopes)",
)
async def update_relying_party(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    client_id: FromPath[str],
    data: JSONBody[RelyingPartyUpdate],
    principal: NamedDependency[Principal],
    signin: NamedDependency[SigninService],
) -> RelyingParty:
    authorize(principal, slug, RP_ADMIN_ROLES)
    return await signin.relying_parties.update(
        principal.actor(request_id_of(request)), slug, client_id, data
    )


@delete(
    _RP + "/{client_id:str}",
    tags=["signin"],
    responses=ADMIN_PROBLEMS,
    status_code=HTTP_204_NO_CONTENT,
    dependencies=DEPENDENCIES,
    summary="Delete a relying party",
)
async def delete_relying_party(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    client_id: FromPath[str],
    principal: NamedDependency[Principal],
    signin: NamedDependency[SigninService],
) -> None:
    authorize(principal, slug, RP_ADMIN_ROLES)
    await signin.relying_parties.check_tenant(slug)
    await signin.relying_parties.delete(principal.actor(request_id_of(request)), slug, client_id)


# --- protocol endpoints -----------------------------------------------------------------------


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_MEDIA_TYPE:
        raise OAuthError("invalid_request")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=32
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request") from exc
    return as_form(pairs)  # RFC 6749 §3.1: a repeated parameter is refused


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    raw = request.scope.get("query_string", b"")
    if len(raw) > MAX_QUERY_BYTES:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request") from exc
    return as_form(pairs)


def _json(body: Any, status: int = 200) -> Response[bytes]:
    return Response(
        msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=NO_STORE,
    )


def _see_other(location: str) -> Response[None]:
    return Response(None, status_code=303, headers={"Location": location, **NO_STORE})


@get(
    "/.well-known/openid-configuration",
    summary="OpenID Provider metadata (OIDC Discovery 1.0 §4)",
)
async def openid_configuration(
    tenant: FromPath[str], signin: NamedDependency[SigninService]
) -> Response[bytes]:
    body = await signin.discovery(tenant)
    return Response(
        msgspec.json.encode(body),
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@post("/par", status_code=201, summary="Pushed Authorization Request endpoint (RFC 9126)")
async def par_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[bytes]:
    body = await signin.push(tenant, await _form(request), request.headers.get("authorization"))
    return _json(body, 201)


def _error_page(request: Request[Any, Any, Any], code: str, status: int) -> Response[Any]:
    """A bilingual error page: the request cannot be sent back to an unverified redirect URI."""
    translator = request.app.state.translator
    message = code if translator.has(f"{code}.title") else "invalid_request"

    def text(lang: Any, part: str) -> str:
        return html.escape(translator.gettext(f"{message}.{part}", lang))

    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{text('en', 'title')}</title></head><body><main>"
        f"<h1>{text('en', 'title')}</h1><p>{text('en', 'detail')}</p>"
        f'<div lang="fr"><h2>{text("fr", "title")}</h2><p>{text("fr", "detail")}</p></div>'
        f"<p><code>{html.escape(code)}</code></p></main></body></html>"
    )
    return Response(
        body,
        status_code=status,
        media_type="text/html; charset=utf-8",
        headers={**NO_STORE, "Content-Security-Policy": "default-src 'none'"},
    )


@route(
    "/authorize",
    http_method=["GET", "POST"],
    status_code=303,
    summary="Authorization endpoint (code flow, PKCE S256, PAR request_uri; GET or form POST)",
)
async def authorize_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[Any]:
    try:
        # OIDC Core §3.1.2.1: GET with a query, or POST with a form body.
        params = await _form(request) if request.method == "POST" else _query(request)
        outcome = await signin.authorize(tenant, params)
    except OAuthError as exc:
        # A person's browser gets a readable page; API clients the OAuth JSON error.
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return _error_page(request, exc.code, exc.status)
    response = _see_other(outcome.location)
    if outcome.binding is not None:
        response.set_cookie(
            SIGNIN_COOKIE,
            outcome.binding,
            path=signin.cookie_path(tenant),
            max_age=signin.config.session_ttl_s + 60,
            httponly=True,
            secure=signin.public_url.startswith("https://"),
            samesite="lax",
        )
    return response


@get("/signin/{session_id:str}/status", summary="Sign-in status for the page (polling)")
async def session_status(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    session_id: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[bytes]:
    body = await signin.status(tenant, session_id, request.cookies.get(SIGNIN_COOKIE))
    return _json(body)


@get("/signin/{session_id:str}/continue", summary="Continue: code or error redirect to the RP")
async def session_continue(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    session_id: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[Any]:
    try:
        location = await signin.continue_(tenant, session_id, request.cookies.get(SIGNIN_COOKIE))
    except SessionNotFound:
        # E.g. the wallet's same-device redirect opened in another browser (cross-device): the
        # browser that started the sign-in continues by itself from the page.
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return _error_page(request, SessionNotFound.code, 404)
    return _see_other(location)


@get("/signin/{session_id:str}/cancel", summary="Abandon the sign-in (access_denied to the RP)")
async def session_cancel(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    session_id: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[None]:
    location = await signin.cancel(tenant, session_id, request.cookies.get(SIGNIN_COOKIE))
    return _see_other(location)


@post("/token", status_code=200, summary="Token endpoint (authorization_code grant)")
async def token_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[bytes]:
    body = await signin.token(tenant, await _form(request), request.headers.get("authorization"))
    return _json(body)


@route("/userinfo", http_method=["GET", "POST"], status_code=200, summary="UserInfo (Bearer)")
async def userinfo_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[bytes]:
    return _json(await signin.userinfo(tenant, request.headers.get("authorization")))


_SIGNED_OUT: Final = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out / '
    'Déconnexion</title></head><body><main><p>You are signed out.</p><p lang="fr">Vous êtes '
    "déconnecté.</p></main></body></html>"
)


@get("/logout", summary="RP-Initiated Logout 1.0 (ends the sid, back-channel logout)")
async def logout_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    signin: NamedDependency[SigninService],
) -> Response[Any]:
    location = await signin.logout(tenant, _query(request))
    if location is not None:
        return _see_other(location)
    return Response(
        _SIGNED_OUT,
        media_type="text/html; charset=utf-8",
        headers={**NO_STORE, "Content-Security-Policy": "default-src 'none'"},
    )


ROUTES: list[ControllerRouterHandler] = [
    create_relying_party,
    list_relying_parties,
    get_relying_party,
    update_relying_party,
    delete_relying_party,
    oauth_router(
        "/t/{tenant:str}/oidc",
        [
            openid_configuration,
            par_endpoint,
            authorize_endpoint,
            session_status,
            session_continue,
            session_cancel,
            token_endpoint,
            userinfo_endpoint,
            logout_endpoint,
        ],
        dependencies=DEPENDENCIES,
        tags=["oidc"],
    ),
]
