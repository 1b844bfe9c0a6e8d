"""HTTP routes of OpenID4VCI: admin offer routes (problem+json) and the wallet-facing protocol
endpoints under the Credential Issuer Identifier ``/t/{tenant}`` (OAuth error format, RFC 6749
§5.2). Thin: parse the transport, call the service, set ``Cache-Control: no-store``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from sceau.errors import OAuthError
from sceau.oauth.errors import oauth_router
from sceau.oid4vci.client_attestation import attestation_headers
from sceau.oid4vci.config import load_oid4vci_config
from sceau.oid4vci.models import OfferCreate, OfferCreated
from sceau.oid4vci.qr import qr_png, qr_svg
from sceau.oid4vci.service import Oid4vciService, ProtocolResponse
from sceau.oid4vci.wallet_providers import WalletProvidersController
from sceau.tenants.service import Principal
from sceau.web.auth import authorize, request_id_of
from sceau.web.problems import ADMIN_PROBLEMS, problem_responses, request_language

OFFER_ROLES = ("admin", "issuer")
NO_STORE = {"Cache-Control": "no-store"}
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


def public_url_of(settings: Any) -> str:
    """``settings.resolved_public_url``: ``public_url``, else the listen address (dev)."""
    return str(settings.resolved_public_url)


def provide_oid4vci(state: State) -> Oid4vciService:
    """The service on ``app.state["oid4vci"]``, built on first use from the app's collaborators."""
    service = state.get("oid4vci")
    if service is None:
        settings = state["settings"]
        service = Oid4vciService(
            state["engine"], load_oid4vci_config(), public_url_of(settings), state
        )
        state["oid4vci"] = service
    return service


DEPENDENCIES = {"oid4vci": Provide(provide_oid4vci, sync_to_thread=False)}


class OfferController(Controller):
    path = "/admin/tenants/{slug:str}/offers"
    tags = ["oid4vci"]  # noqa: RUF012 (Litestar reads it as a class attribute)
    dependencies = DEPENDENCIES

    @post(
        "/",
        responses=ADMIN_PROBLEMS,
        status_code=HTTP_201_CREATED,
        summary="Create a credential offer (pre-authorized or authorization code) for one person",
    )
    async def create_offer(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        data: JSONBody[OfferCreate],
        principal: NamedDependency[Principal],
        oid4vci: NamedDependency[Oid4vciService],
    ) -> Response[OfferCreated]:
        authorize(principal, slug, OFFER_ROLES)
        actor = principal.actor(request_id_of(request))
        created = await oid4vci.create_offer(actor.id, actor.request_id, slug, data)
        return Response(created, status_code=HTTP_201_CREATED, headers=NO_STORE)

    @get(
        "/{offer_id:str}/qr.png",
        responses=ADMIN_PROBLEMS,
        media_type="image/png",
        summary="The offer's QR code (PNG)",
    )
    async def offer_qr_png(
        self,
        slug: FromPath[str],
        offer_id: FromPath[str],
        principal: NamedDependency[Principal],
        oid4vci: NamedDependency[Oid4vciService],
    ) -> Response[bytes]:
        authorize(principal, slug, OFFER_ROLES)
        uri = await oid4vci.offer_uri(slug, offer_id)
        return Response(qr_png(uri), media_type="image/png", headers=NO_STORE)

    @get(
        "/{offer_id:str}/qr.svg",
        responses=ADMIN_PROBLEMS,
        media_type="image/svg+xml",
        summary="The offer's QR code (SVG with a localized <title>)",
    )
    async def offer_qr_svg(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        offer_id: FromPath[str],
        principal: NamedDependency[Principal],
        oid4vci: NamedDependency[Oid4vciService],
    ) -> Response[bytes]:
        authorize(principal, slug, OFFER_ROLES)
        uri = await oid4vci.offer_uri(slug, offer_id)
        language = request_language(request)
        title = request.app.state.translator.gettext("offer_qr.title", language, {})
        headers = {**NO_STORE, "Content-Language": language}
        return Response(qr_svg(uri, title=title), media_type="image/svg+xml", headers=headers)


def _send(result: ProtocolResponse) -> Response[bytes]:
    return Response(
        result.body, status_code=result.status, media_type=result.media_type, headers=NO_STORE
    )


def _media_type(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def _json_body(request: Request[Any, Any, Any], error: str) -> bytes:
    if _media_type(request) != "application/json":
        raise OAuthError(error)
    return await request.body()


PROTOCOL = problem_responses()


@get("/offers/{offer_id:str}", summary="Credential Offer by reference (OID4VCI §4.1.3)")
async def credential_offer(
    tenant: FromPath[str], offer_id: FromPath[str], oid4vci: NamedDependency[Oid4vciService]
) -> Response[dict[str, Any]]:
    return Response(await oid4vci.offer_object(tenant, offer_id), headers=NO_STORE)


@post(
    "/token",
    status_code=200,
    summary="Token endpoint: pre-authorized code and authorization code grants, DPoP, "
    "wallet attestation (§6, Appendix E)",
)
async def token(
    request: Request[Any, Any, Any], tenant: FromPath[str], oid4vci: NamedDependency[Oid4vciService]
) -> Response[bytes]:
    if _media_type(request) != FORM_MEDIA_TYPE:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(
            (await request.body()).decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=32,
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request") from exc
    form: dict[str, list[str]] = {}
    for name, value in pairs:
        form.setdefault(name, []).append(value)
    return _send(
        await oid4vci.token(
            tenant, form, request.headers.get("dpop"), attestation_headers(request.headers)
        )
    )


@post("/nonce", status_code=200, summary="Nonce endpoint: a fresh c_nonce (§7)")
async def nonce(tenant: FromPath[str], oid4vci: NamedDependency[Oid4vciService]) -> Response[bytes]:
    return _send(await oid4vci.nonce(tenant))


@post("/credential", status_code=200, summary="Credential endpoint (§8); JSON or encrypted JWT")
async def credential(
    request: Request[Any, Any, Any], tenant: FromPath[str], oid4vci: NamedDependency[Oid4vciService]
) -> Response[bytes]:
    # §8.2: application/json, or application/jwt for an encrypted request (#encrypted-messages).
    headers = request.headers
    return _send(
        await oid4vci.credential(
            tenant,
            headers.get("authorization"),
            headers.get("dpop"),
            await request.body(),
            _media_type(request),
        )
    )


@post(
    "/deferred_credential",
    status_code=200,
    summary="Deferred Credential endpoint (§9); JSON or encrypted JWT",
)
async def deferred_credential(
    request: Request[Any, Any, Any], tenant: FromPath[str], oid4vci: NamedDependency[Oid4vciService]
) -> Response[bytes]:
    headers = request.headers
    return _send(
        await oid4vci.deferred_credential(
            tenant,
            headers.get("authorization"),
            headers.get("dpop"),
            await request.body(),
            _media_type(request),
        )
    )


@post("/notification", status_code=204, summary="Notification endpoint (§11)")
async def notification(
    request: Request[Any, Any, Any], tenant: FromPath[str], oid4vci: NamedDependency[Oid4vciService]
) -> Response[None]:
    body = await _json_body(request, "invalid_notification_request")
    headers = request.headers
    await oid4vci.notification(tenant, headers.get("authorization"), headers.get("dpop"), body)
    return Response(None, status_code=204, headers=NO_STORE)


ROUTES: list[ControllerRouterHandler] = [
    OfferController,
    WalletProvidersController,
    oauth_router(
        "/t/{tenant:str}",
        [credential_offer, token, nonce, credential, deferred_credential, notification],
        dependencies=DEPENDENCIES,
        tags=["oid4vci"],
    ),
]
