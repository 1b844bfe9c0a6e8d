"""OpenID4VCI authorization code flow (§3.4, §5): PAR → authorize → upstream OIDC → code → token.

- ``POST {issuer}/par`` (RFC 9126): public wallet clients named by ``client_id``; PKCE ``S256``
  only; ``authorization_details`` (``openid_credential``) and/or ``scope``. Answers a one-time
  ``request_uri`` URN that lives ``par_ttl_s``. With ``issuer_state`` (§5.1.3) the flow is
  issuer-initiated: it must name a live ``authorization_code`` Credential Offer of the tenant
  (§4.1.1) whose configurations include every requested one, and PAR spends that offer (one
  conditional UPDATE in the PAR transaction). Spent at PAR rather than at the token endpoint so
  that one offer starts at most one authorization: a second wallet that saw the same QR code
  cannot run a parallel login, no offer state has to be carried through authorize and callback,
  and a refused PAR (wallet authentication, configuration outside the offer) rolls back and
  leaves the offer usable. The cost: a wallet that abandons the login needs a new offer.
- ``GET {issuer}/authorize`` (HAIP: only with a PAR ``request_uri``) redirects the browser to the
  tenant's upstream OpenID Connect provider with its own ``state``, ``nonce`` and PKCE, and binds
  the flow to the browser with a cookie (RFC 9700 §4.7, login CSRF).
- ``GET {issuer}/authorize/callback``: exchanges the upstream code, verifies the ID token, maps its
  claims to credential claims and sends the wallet back with ``code``, ``state`` and ``iss``
  (RFC 9207).
- The token endpoint's ``authorization_code`` grant (:func:`authorization_code_grant`): one-time
  code, ``redirect_uri`` and ``client_id`` match, PKCE, DPoP-bound access token.

The mapped claims live in the authorization row until the token is issued, then in the access
token's grant row (an ``oid4vci_offers`` row created by this module) until the credential is
issued (:func:`forget_issued_claims`); nothing keeps them after that.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler
from sqlalchemy import JSON, BigInteger, Boolean, Column, Index, String, Table, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from sceau.db.metadata import metadata
from sceau.errors import OAuthError
from sceau.oauth.errors import OAuthProtocolError, oauth_router
from sceau.oauth.oidc_client import OidcClient, UpstreamOidcError
from sceau.oauth.par import (
    REQUEST_URI_PREFIX,
    PushedRequest,
    as_form,
    parse_pushed_request,
    request_details,
)
from sceau.oauth.pkce import s256_challenge, verify_s256
from sceau.oauth.tokens import new_token, token_hash
from sceau.oid4vci import store as oid4vci_store
from sceau.oid4vci.client_attestation import (
    NO_ATTESTATION,
    AttestationHeaders,
    attestation_headers,
)
from sceau.oid4vci.tables import AUTHORIZATION_CODE, oid4vci_access_tokens, oid4vci_offers
from sceau.oid4vci.upstream import (
    UpstreamOidcController,
    UpstreamOidcNotConfigured,
    UpstreamOidcService,
    map_claims,
    provide_upstream,
)

AUTHORIZATION_CODE_GRANT: Final = "authorization_code"
GRANT_CREATOR: Final = "authorization_code"  # created_by of the grant rows this module writes
BINDING_COOKIE: Final = "sceau_vci_authz"
NO_STORE: Final = {"Cache-Control": "no-store"}
FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"

oid4vci_par_requests = Table(
    "oid4vci_par_requests",
    metadata,
    Column("request_uri_hash", String(64), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("request", JSON, nullable=False),
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Column("used_at_ms", BigInteger, nullable=True),
    Index("ix_oid4vci_par_requests_expires_at_ms", "expires_at_ms"),
)

# One row per authorization in progress: from the authorize redirect to the token request.
oid4vci_authorizations = Table(
    "oid4vci_authorizations",
    metadata,
    Column("id", String(43), primary_key=True),
    Column("tenant", String(63), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("redirect_uri", String(2048), nullable=False),
    Column("wallet_state", String(2048), nullable=True),
    Column("code_challenge", String(43), nullable=False),
    Column("configuration_ids", JSON, nullable=False),
    Column("used_authorization_details", Boolean, nullable=False),
    Column("issuer_state", String(2048), nullable=True),
    Column("binding_hash", String(64), nullable=False),
    Column("upstream_state_hash", String(64), nullable=False, unique=True),
    Column("upstream_nonce", String(64), nullable=False),
    Column("upstream_verifier", String(128), nullable=True),
    Column("code_hash", String(64), nullable=True, unique=True),
    Column("claims", JSON, nullable=True),
    Column("status", String(16), nullable=False),  # upstream | authorized | redeemed | failed
    Column("created_at_ms", BigInteger, nullable=False),
    Column("expires_at_ms", BigInteger, nullable=False),
    Index("ix_oid4vci_authorizations_expires_at_ms", "expires_at_ms"),
)


@dataclass(frozen=True, slots=True)
class AuthorizationConfig:
    par_ttl_s: int = 60  # RFC 9126 §2.2: short-lived request_uri
    login_ttl_s: int = 600  # time to authenticate at the upstream provider
    code_ttl_s: int = 60  # RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes"


class AuthorizationService:
    def __init__(
        self,
        engine: AsyncEngine,
        oid4vci: Any,  # sceau.oid4vci.service.Oid4vciService
        upstream: UpstreamOidcService,
        oidc: OidcClient,
        services: Mapping[str, Any],
        *,
        config: AuthorizationConfig | None = None,
        clock: Callable[[], float] = time.time,
        token_factory: Callable[[int], str] = secrets.token_urlsafe,
    ) -> None:
        self.engine = engine
        self.oid4vci = oid4vci
        self.upstream = upstream
        self.oidc = oidc
        self.services = services
        self.config = config or AuthorizationConfig()
        self.clock = clock
        self.token_factory = token_factory

    def _token(self, nbytes: int = 32) -> str:
        return new_token(nbytes, self.token_factory)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    # -- PAR (RFC 9126 §2) ----------------------------------------------------------------------
    async def push(
        self,
        tenant: str,
        params: Mapping[str, str],
        client_attestation: AttestationHeaders = NO_ATTESTATION,
    ) -> dict[str, Any]:
        types = await self.services["credential_types"].list(tenant)
        request = parse_pushed_request(params, known_configurations={t.id for t in types})
        request_uri = REQUEST_URI_PREFIX + self._token(32)
        now_ms = self._now_ms()
        async with self.engine.begin() as conn:
            # HAIP §"Authorization Endpoint": wallets authenticate at PAR as at the token
            # endpoint, and the PAR client_id is the attestation's sub.
            await self.oid4vci.authenticate_wallet(
                conn, tenant, client_attestation, request.client_id, now_ms // 1000
            )
            if request.issuer_state is not None:
                await self._use_issuer_state(conn, tenant, request, now_ms)
            await conn.execute(
                oid4vci_par_requests.insert().values(
                    request_uri_hash=token_hash(request_uri),
                    tenant=tenant,
                    client_id=request.client_id,
                    request=dataclasses.asdict(request),
                    created_at_ms=now_ms,
                    expires_at_ms=now_ms + self.config.par_ttl_s * 1000,
                )
            )
        return {"request_uri": request_uri, "expires_in": self.config.par_ttl_s}

    async def _use_issuer_state(
        self, conn: AsyncConnection, tenant: str, request: PushedRequest, now_ms: int
    ) -> None:
        """Bind the request to the issuer-initiated context (OpenID4VCI §5.1.3 ``issuer_state``):
        a live authorization code offer of this tenant (§4.1.1), spent here, covering every
        requested configuration. Raised inside the PAR transaction, so a refusal stores nothing
        and leaves the offer unused."""
        assert request.issuer_state is not None
        offer = await oid4vci_store.use_issuer_state(
            conn, tenant, token_hash(request.issuer_state), now_ms
        )
        if offer is None:
            # Unknown, expired, used, locked, of another tenant, or a pre-authorized code.
            raise OAuthError("invalid_request", message="issuer_state_invalid")
        if set(request.configuration_ids) - set(offer.configuration_ids):
            raise OAuthError("invalid_request", message="issuer_state_configuration")

    # -- authorize (RFC 9126 §4, OpenID4VCI §5.1) -----------------------------------------------
    async def authorize(self, tenant: str, params: Mapping[str, str]) -> tuple[str, str]:
        """Consume the PAR request; the upstream authentication URL and the browser binding."""
        request_uri, client_id = params.get("request_uri"), params.get("client_id")
        if not request_uri or not client_id or len(request_uri) > 256 or len(client_id) > 255:
            raise OAuthError("invalid_request")
        now_ms = self._now_ms()
        table = oid4vci_par_requests
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(
                    table.c.request_uri_hash == token_hash(request_uri),
                    table.c.tenant == tenant,
                    table.c.client_id == client_id,
                    table.c.used_at_ms.is_(None),
                    table.c.expires_at_ms > now_ms,
                )
                .values(used_at_ms=now_ms)
                .returning(table.c.request)
            )
            row = result.one_or_none()
            if row is None:
                # RFC 9126 §4 / RFC 9101 §10.2: unknown, expired, used or of another client.
                raise OAuthError("invalid_request_uri")
        request = dict(row.request)
        upstream = await self.upstream.get(tenant)  # upstream_oidc_not_configured
        try:
            meta = await self.oidc.discover(upstream.issuer)
        except UpstreamOidcError as exc:
            raise OAuthError("temporarily_unavailable", status=503) from exc
        upstream_state, nonce, verifier = self._token(32), self._token(32), self._token(48)
        binding = self._token(32)
        async with self.engine.begin() as conn:
            await conn.execute(
                oid4vci_authorizations.insert().values(
                    id=self._token(16),
                    tenant=tenant,
                    client_id=request["client_id"],
                    redirect_uri=request["redirect_uri"],
                    wallet_state=request["state"],
                    code_challenge=request["code_challenge"],
                    configuration_ids=request["configuration_ids"],
                    used_authorization_details=request["used_authorization_details"],
                    issuer_state=request["issuer_state"],
                    binding_hash=token_hash(binding),
                    upstream_state_hash=token_hash(upstream_state),
                    upstream_nonce=nonce,
                    upstream_verifier=verifier,
                    status="upstream",
                    created_at_ms=now_ms,
                    expires_at_ms=now_ms + self.config.login_ttl_s * 1000,
                )
            )
        url = self.oidc.authorization_url(
            meta,
            client_id=upstream.client_id,
            redirect_uri=self.callback_url(tenant),
            scopes=upstream.scopes,
            state=upstream_state,
            nonce=nonce,
            code_challenge=s256_challenge(verifier),
        )
        return url, binding

    def callback_url(self, tenant: str) -> str:
        return f"{self.oid4vci.issuer_id(tenant)}/authorize/callback"

    # -- upstream callback (OIDC Core §3.1.2.5) ------------------------------------------------
    async def callback(self, tenant: str, params: Mapping[str, str], binding: str | None) -> str:
        """The wallet redirect (``code``/``error``, ``state``, ``iss``) after the upstream login."""
        state = params.get("state")
        if not state or len(state) > 256 or not binding or len(binding) > 256:
            raise OAuthError("invalid_request")
        now_ms = self._now_ms()
        table = oid4vci_authorizations
        async with self.engine.begin() as conn:
            # One use per upstream state: the row leaves status "upstream" here, whatever follows.
            result = await conn.execute(
                update(table)
                .where(
                    table.c.upstream_state_hash == token_hash(state),
                    table.c.tenant == tenant,
                    table.c.binding_hash == token_hash(binding),
                    table.c.status == "upstream",
                    table.c.expires_at_ms > now_ms,
                )
                .values(status="failed")
                .returning(
                    table.c.id,
                    table.c.redirect_uri,
                    table.c.wallet_state,
                    table.c.configuration_ids,
                    table.c.upstream_nonce,
                    table.c.upstream_verifier,
                )
            )
            row = result.one_or_none()
        if row is None:
            raise OAuthError("invalid_request")  # unknown state, another browser, used, expired
        if "error" in params or not params.get("code"):
            return self._wallet_redirect(tenant, row, {"error": "access_denied"})
        try:
            upstream = await self.upstream.get(tenant)
            meta = await self.oidc.discover(upstream.issuer)
            id_token = await self.oidc.exchange_code(
                meta,
                code=params["code"][:2048],
                redirect_uri=self.callback_url(tenant),
                client_id=upstream.client_id,
                client_secret=upstream.client_secret,
                code_verifier=row.upstream_verifier,
            )
            claims = await self.oidc.verify_id_token(
                id_token,
                meta,
                client_id=upstream.client_id,
                nonce=row.upstream_nonce,
                now=int(self.clock()),
            )
        except (UpstreamOidcError, UpstreamOidcNotConfigured):
            # Not authenticated: the wallet learns only that (RFC 6749 §4.1.2.1).
            return self._wallet_redirect(tenant, row, {"error": "access_denied"})
        mapped = {
            config_id: map_claims(claims, upstream.claim_mapping.get(config_id, {}))
            for config_id in row.configuration_ids
        }
        code = self._token(32)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(table)
                .where(table.c.id == row.id, table.c.status == "failed")
                .values(
                    status="authorized",
                    upstream_verifier=None,
                    code_hash=token_hash(code),
                    claims=mapped,
                    expires_at_ms=now_ms + self.config.code_ttl_s * 1000,
                )
            )
        return self._wallet_redirect(tenant, row, {"code": code})

    def _wallet_redirect(self, tenant: str, row: Any, values: dict[str, str]) -> str:
        # RFC 6749 §4.1.2 code/state; RFC 9207 iss (mix-up defence).
        query = dict(values)
        if row.wallet_state is not None:
            query["state"] = row.wallet_state
        query["iss"] = self.oid4vci.issuer_id(tenant)
        sep = "&" if urlsplit(row.redirect_uri).query else "?"
        return f"{row.redirect_uri}{sep}{urlencode(query)}"

    # -- token endpoint: authorization_code grant (RFC 6749 §4.1.3, OpenID4VCI §6.1) -------------
    async def token(
        self,
        tenant: str,
        params: Mapping[str, str],
        dpop: str | None,
        client_attestation: AttestationHeaders = NO_ATTESTATION,
    ) -> tuple[int, dict[str, Any]]:
        code, redirect_uri = params.get("code"), params.get("redirect_uri")
        client_id, verifier = params.get("client_id"), params.get("code_verifier")
        if not code or not redirect_uri or not client_id:
            raise OAuthError("invalid_request")
        if verifier is None:
            # RFC 7636 §4.6 / HAIP: PKCE is mandatory; without the verifier the code is no use.
            raise OAuthError("invalid_grant")
        service = self.oid4vci
        now = self.clock()
        now_ms = int(now * 1000)
        proof = service._dpop(dpop, "POST", service.endpoint(tenant, "token"), int(now), None, 400)
        if proof is None and not service.config.allow_bearer:
            raise OAuthProtocolError(
                "invalid_dpop_proof",
                headers={
                    "WWW-Authenticate": 'DPoP algs="'
                    + " ".join(service.config.dpop_algorithms)
                    + '"'
                },
            )
        table = oid4vci_authorizations
        access_token = self._token(32)
        ttl_s = service.config.access_token_ttl_s
        failure: OAuthError | None = None
        async with self.engine.begin() as conn:
            # Client authentication before the code is touched: a refused wallet burns nothing.
            await service.authenticate_wallet(conn, tenant, client_attestation, client_id, int(now))
            if proof is not None:
                await service._remember(conn, proof)
            # One-time code: the conditional UPDATE decides which request wins (INV-5).
            result = await conn.execute(
                update(table)
                .where(
                    table.c.code_hash == token_hash(code),
                    table.c.tenant == tenant,
                    table.c.status == "authorized",
                    table.c.expires_at_ms > now_ms,
                )
                .values(status="redeemed")
                .returning(
                    table.c.id,
                    table.c.client_id,
                    table.c.redirect_uri,
                    table.c.code_challenge,
                    table.c.configuration_ids,
                    table.c.used_authorization_details,
                    table.c.claims,
                )
            )
            row = result.one_or_none()
            if row is None:
                raise OAuthError("invalid_grant")
            try:
                if row.client_id != client_id or row.redirect_uri != redirect_uri:
                    raise OAuthError("invalid_grant")  # RFC 6749 §4.1.3
                verify_s256(verifier, row.code_challenge)
            except OAuthError as exc:
                # The code is spent even so (committed below): a guessed verifier gets one try.
                failure = exc
            # The upstream claims leave this row now (they move to the grant, or nowhere).
            await conn.execute(update(table).where(table.c.id == row.id).values(claims=None))
            if failure is None:
                grant_id = self._token(16)
                await oid4vci_store.insert_offer(
                    conn,
                    {
                        "id": grant_id,
                        "tenant": tenant,
                        # Not a pre-authorized code: a hash of fresh randomness nobody holds.
                        "code_hash": token_hash(self._token(32)),
                        "grant_type": AUTHORIZATION_CODE,
                        "offer": None,
                        "configuration_ids": list(row.configuration_ids),
                        "claims": dict(row.claims or {}),
                        "failed_attempts": 0,
                        "created_by": GRANT_CREATOR,
                        "created_at_ms": now_ms,
                        "expires_at_ms": now_ms + ttl_s * 1000,
                        "used_at_ms": now_ms,
                    },
                )
                await oid4vci_store.insert_access_token(
                    conn,
                    {
                        "token_hash": token_hash(access_token),
                        "tenant": tenant,
                        "offer_id": grant_id,
                        "configuration_ids": list(row.configuration_ids),
                        "jkt": proof.jkt if proof else None,
                        "credential_identifiers": bool(row.used_authorization_details),
                        "created_at_ms": now_ms,
                        "expires_at_ms": now_ms + ttl_s * 1000,
                        "client_id": row.client_id,
                    },
                )
        if failure is not None:
            raise failure
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "DPoP" if proof is not None else "Bearer",
            "expires_in": ttl_s,
        }
        if row.used_authorization_details:
            body["authorization_details"] = request_details(list(row.configuration_ids))
        return 200, body

    async def purge_expired(self) -> int:
        now_ms = self._now_ms()
        total = 0
        async with self.engine.begin() as conn:
            for t in (oid4vci_par_requests, oid4vci_authorizations):
                total += (await conn.execute(t.delete().where(t.c.expires_at_ms < now_ms))).rowcount
        return total


async def forget_issued_claims(
    conn: AsyncConnection, token_hash_value: str, configuration_id: str
) -> None:
    """Drop the claims of ``configuration_id`` from an authorization code grant once its credential
    is issued (the claims came from the upstream provider and are kept no longer than needed).

    A no-op for pre-authorized code grants (their offers are not created by this module).
    """
    offers = oid4vci_offers
    row = (
        await conn.execute(
            select(offers.c.id, offers.c.claims)
            .select_from(
                offers.join(oid4vci_access_tokens, oid4vci_access_tokens.c.offer_id == offers.c.id)
            )
            .where(
                oid4vci_access_tokens.c.token_hash == token_hash_value,
                offers.c.created_by == GRANT_CREATOR,
            )
        )
    ).one_or_none()
    if row is None or not row.claims:
        return
    claims = {k: v for k, v in dict(row.claims).items() if k != configuration_id}
    await conn.execute(update(offers).where(offers.c.id == row.id).values(claims=claims or None))


# -- wiring and routes ---------------------------------------------------------------------------


def provide_authorization(state: State) -> AuthorizationService:
    service = state.get("oid4vci_authorization")
    if service is None:
        from sceau.oid4vci.routes import provide_oid4vci

        oid4vci = provide_oid4vci(state)
        settings = state["settings"]
        allow_http = settings.environment != "prod"
        transport = state.get("upstream_http_transport")
        http = httpx.AsyncClient(transport=transport, timeout=10.0, follow_redirects=False)
        service = AuthorizationService(
            state["engine"],
            oid4vci,
            provide_upstream(state),
            OidcClient(http, allow_http=allow_http),
            state,
            clock=oid4vci.clock,
        )
        state["oid4vci_authorization"] = service
    return service


DEPENDENCIES = {
    "authorization": Provide(provide_authorization, sync_to_thread=False),
    "upstream_oidc": Provide(provide_upstream, sync_to_thread=False),
}


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_MEDIA_TYPE:
        raise OAuthError("invalid_request")
    body = await request.body()
    if len(body) > 16 * 1024:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=32
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request") from exc
    return as_form(pairs)


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    raw = request.scope.get("query_string", b"")
    if len(raw) > 8 * 1024:
        raise OAuthError("invalid_request")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_request") from exc
    return as_form(pairs)


@post("/par", status_code=201, summary="Pushed Authorization Request endpoint (RFC 9126)")
async def par(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    authorization: NamedDependency[AuthorizationService],
) -> Response[bytes]:
    body = await authorization.push(
        tenant, await _form(request), attestation_headers(request.headers)
    )
    return Response(msgspec.json.encode(body), status_code=201, media_type="application/json",
                    headers=NO_STORE)  # fmt: skip


@get("/authorize", summary="Authorization endpoint (PAR request_uri only, HAIP)")
async def authorize_endpoint(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    authorization: NamedDependency[AuthorizationService],
) -> Response[None]:
    url, binding = await authorization.authorize(tenant, _query(request))
    response: Response[None] = Response(
        None, status_code=302, headers={"Location": url, **NO_STORE}
    )
    issuer = authorization.oid4vci.issuer_id(tenant)
    response.set_cookie(
        BINDING_COOKIE,
        binding,
        path=urlsplit(issuer).path + "/authorize",
        max_age=authorization.config.login_ttl_s,
        httponly=True,
        secure=issuer.startswith("https://"),
        samesite="lax",
    )
    return response


@get("/authorize/callback", summary="Redirect target of the upstream OpenID Connect provider")
async def authorize_callback(
    request: Request[Any, Any, Any],
    tenant: FromPath[str],
    authorization: NamedDependency[AuthorizationService],
) -> Response[None]:
    url = await authorization.callback(tenant, _query(request), request.cookies.get(BINDING_COOKIE))
    response: Response[None] = Response(
        None, status_code=302, headers={"Location": url, **NO_STORE}
    )
    issuer = authorization.oid4vci.issuer_id(tenant)
    response.delete_cookie(BINDING_COOKIE, path=urlsplit(issuer).path + "/authorize")
    return response


async def authorization_code_grant(
    state: Mapping[str, Any],
    tenant: str,
    params: Mapping[str, str],
    dpop: str | None,
    client_attestation: AttestationHeaders = NO_ATTESTATION,
) -> tuple[int, dict[str, Any]]:
    """Entry point for the token endpoint (``grant_type=authorization_code``)."""
    service = state.get("oid4vci_authorization")
    if service is None:
        service = provide_authorization(state)  # type: ignore[arg-type]
    result: tuple[int, dict[str, Any]] = await service.token(
        tenant, params, dpop, client_attestation
    )
    return result


ROUTES: list[ControllerRouterHandler] = [
    UpstreamOidcController,
    oauth_router(
        "/t/{tenant:str}",
        [par, authorize_endpoint, authorize_callback],
        dependencies=DEPENDENCIES,
        tags=["oid4vci"],
    ),
]
