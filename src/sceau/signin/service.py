"""The OpenID Connect provider backed by OpenID4VP: authorize → sign-in page → wallet → code →
tokens, UserInfo and logout (OIDC Core 1.0, RFC 6749, RFC 7636, RFC 9126, RFC 9207, RP-Initiated
Logout 1.0, Back-Channel Logout 1.0).

The person authenticates by presenting a credential: authorize creates a sign-in session and an
OpenID4VP presentation request (:class:`sceau.oid4vp.service.PresentationService`, response mode
``direct_post``, same-device redirect to the session's ``continue`` URL). The request's secret is
sealed under the KEK in the session row; ``continue`` reads the verified claims once, maps them to
OIDC claims per scope, derives the pairwise ``sub`` and issues a one-time code.

Data kept: the mapped claims are sealed under the KEK in the session row until the code is
redeemed, then in the access token row until the token expires (purged by
:meth:`SigninService.purge_expired`); the presentation's own sealed result is deleted at its first
read. Codes, tokens, cookies and request URIs are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

import msgspec
import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.encoding import b64url_encode
from sceau.core.errors import SceauError
from sceau.core.jose import sign_compact, verify_compact
from sceau.credential_types.models import ASSURANCE_LEVELS
from sceau.errors import NotFound, OAuthError
from sceau.oauth.errors import OAuthProtocolError
from sceau.oauth.pkce import verify_s256
from sceau.oauth.tokens import new_token, token_hash
from sceau.oid4vp.models import PresentationRequestCreate
from sceau.signin.clients import (
    RelyingPartyService,
    dcql_for_scopes,
    scope_query_ids,
)
from sceau.signin.models import RelyingParty, ScopeConfig
from sceau.signin.tables import (
    signin_access_tokens,
    signin_par_requests,
    signin_sessions,
    signin_tenant_keys,
)
from sceau.signin.view import Bilingual, SigninStatus, SigninView
from sceau.tenants.service import Actor
from sceau.web.i18n import Translator, to_oauth_ascii

__all__ = ["SessionNotFound", "SigninConfig", "SigninService", "build_signin_service"]

_log = structlog.get_logger("sceau.signin")


class _SubjectNotDisclosed(Exception):
    """The presentation lacks a claim the relying party's subject is derived from."""


SIGNIN_COOKIE: Final = "sceau_signin"
REQUEST_URI_PREFIX: Final = "urn:ietf:params:oauth:request_uri:"
BACKCHANNEL_EVENT: Final = "http://schemas.openid.net/event/backchannel-logout"
# RFC 8176 §2 "pop": proof of possession of a key — the holder binding (KB-JWT, or the holder's
# signature on a W3C presentation) is what authenticated the person.
AMR: Final = ["pop"]
LOCALES: Final = ("en-CA", "fr-CA")
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
_PROMPTS: Final = frozenset({"none", "login", "consent", "select_account"})
# Parameters a PAR request may carry (RFC 9126 §2.1: the authorization request's parameters).
_AUTHZ_PARAMS: Final = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "ui_locales",
    "acr_values",
    "login_hint",
    "response_mode",
)


class SessionNotFound(NotFound):
    code = "signin_session_not_found"


@dataclass(frozen=True, slots=True)
class SigninConfig:
    par_ttl_s: int = 60  # RFC 9126 §2.2: short-lived request_uri
    session_ttl_s: int = 300  # time to present a credential
    code_ttl_s: int = 60  # RFC 6749 §4.1.2 (at most 10 minutes)
    access_token_ttl_s: int = 300
    id_token_ttl_s: int = 300
    sid_lifetime_s: int = 8 * 3600  # how long a logout can still find the sign-in (sid)


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    binding: str | None = None  # a new browser-binding cookie value to set


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _locale(ui_locales: str | None) -> str:
    for tag in (ui_locales or "").split()[:8]:
        lang = tag.split("-", 1)[0].lower()
        if lang == "fr":
            return "fr-CA"
        if lang == "en":
            return "en-CA"
    return "en-CA"


def _language(locale: str) -> Literal["en", "fr"]:
    return "fr" if locale.startswith("fr") else "en"


def _value_at(claims: Any, path: Sequence[str | int]) -> Any:
    value = claims
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
            value = value[step]
            continue
        if isinstance(step, str) and isinstance(value, dict) and step in value:
            value = value[step]
            continue
        return None
    return value


def _with_query(uri: str, values: Mapping[str, str]) -> str:
    sep = "&" if urlsplit(uri).query else "?"
    return f"{uri}{sep}{urlencode(values)}"


def _left_hash(value: str) -> str:
    # OIDC Core §3.1.3.6 at_hash: left half of SHA-256 (ES256) of the ASCII token, base64url.
    return b64url_encode(hashlib.sha256(value.encode("ascii")).digest()[:16])


class SigninService:
    """The provider's use cases; also the page's :class:`~sceau.signin.view.SigninPort`."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        public_url: str,
        tenants: Any,
        keys: Any,
        kek: Any,  # sceau.keys.kek.KeyEncryptionKey
        presentations: Any,  # sceau.oid4vp.service.PresentationService
        verification: Any,
        credential_types: Any,
        relying_parties: RelyingPartyService,
        fetcher: Any,  # sceau.fetch.SafeFetcher (back-channel logout)
        translator: Translator,
        config: SigninConfig | None = None,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._db = engine
        self.public_url = public_url.rstrip("/")
        self._tenants = tenants
        self._keys = keys
        self._kek = kek
        self._presentations = presentations
        self._verification = verification
        self._credential_types = credential_types
        self.relying_parties = relying_parties
        self.fetcher = fetcher
        self._translator = translator
        self.config = config or SigninConfig()
        self._clock_ms = clock_ms
        self._pairwise_keys: dict[str, bytes] = {}
        self._next_purge_ms = 0

    # --- URLs ----------------------------------------------------------------------------------

    def issuer(self, tenant: str) -> str:
        return f"{self.public_url}/t/{tenant}/oidc"

    def endpoint(self, tenant: str, name: str) -> str:
        return f"{self.issuer(tenant)}/{name}"

    def session_url(self, tenant: str, session_id: str, suffix: str = "") -> str:
        return f"{self.issuer(tenant)}/signin/{session_id}{suffix}"

    def cookie_path(self, tenant: str) -> str:
        return urlsplit(self.issuer(tenant)).path + "/"

    # --- discovery (OIDC Discovery 1.0 §3) ---------------------------------------------------

    async def discovery(self, tenant: str) -> dict[str, Any]:
        await self._tenants.get_tenant(tenant)  # 404 for an unknown tenant
        issuer = self.issuer(tenant)
        scopes: set[str] = set()
        for rp in await self.relying_parties.list(tenant):
            scopes.update(rp.scopes)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{self.public_url}/t/{tenant}/jwks.json",
            "pushed_authorization_request_endpoint": f"{issuer}/par",
            "require_pushed_authorization_requests": False,
            "end_session_endpoint": f"{issuer}/logout",
            "scopes_supported": ["openid", *sorted(scopes)],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
            "token_endpoint_auth_signing_alg_values_supported": [
                "ES256",
                "ES384",
                "EdDSA",
                "PS256",
            ],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": True,
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "ui_locales_supported": list(LOCALES),
            "claims_locales_supported": list(LOCALES),
            "acr_values_supported": list(ASSURANCE_LEVELS),
            "prompt_values_supported": sorted(_PROMPTS),
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
            "frontchannel_logout_supported": False,
        }

    # --- PAR (RFC 9126 §2) ---------------------------------------------------------------------

    async def push(
        self, tenant: str, form: Mapping[str, str], authorization: str | None
    ) -> dict[str, Any]:
        if "request_uri" in form or "request" in form:
            raise OAuthError("invalid_request")  # RFC 9126 §2.1: no request_uri in a PAR
        client = await self.relying_parties.authenticate(
            tenant,
            form,
            authorization,
            # RFC 9126 §2: the issuer, the token endpoint or the PAR endpoint as audience.
            [self.endpoint(tenant, "par"), self.endpoint(tenant, "token"), self.issuer(tenant)],
        )
        params = {k: form[k] for k in _AUTHZ_PARAMS if k in form}
        params["client_id"] = client.client_id
        # The redirect URI is checked now (RFC 9126 §2.1); the rest at the authorize endpoint,
        # where errors can be sent back to it.
        if params.get("redirect_uri") not in client.redirect_uris:
            raise OAuthError("invalid_request", parameter="redirect_uri")
        request_uri = REQUEST_URI_PREFIX + new_token(32)
        now = self._clock_ms()
        async with self._db.begin() as conn:
            await conn.execute(
                insert(signin_par_requests).values(
                    request_uri_hash=token_hash(request_uri),
                    tenant=tenant,
                    client_id=client.client_id,
                    params=params,
                    created_at_ms=now,
                    expires_at_ms=now + self.config.par_ttl_s * 1000,
                )
            )
        return {"request_uri": request_uri, "expires_in": self.config.par_ttl_s}

    async def _pushed(self, tenant: str, client_id: str, request_uri: str) -> dict[str, str]:
        now = self._clock_ms()
        t = signin_par_requests
        async with self._db.begin() as conn:
            row = (
                await conn.execute(
                    update(t)
                    .where(
                        t.c.request_uri_hash == token_hash(request_uri),
                        t.c.tenant == tenant,
                        t.c.client_id == client_id,
                        t.c.used_at_ms.is_(None),
                        t.c.expires_at_ms > now,
                    )
                    .values(used_at_ms=now)
                    .returning(t.c.params)
                )
            ).one_or_none()
        if row is None:
            raise OAuthError("invalid_request_uri")  # unknown, used, expired, other client
        return {str(k): str(v) for k, v in dict(row.params).items()}

    # --- authorize (OIDC Core §3.1.2) ----------------------------------------------------------

    def error_redirect(
        self,
        tenant: str,
        redirect_uri: str,
        state: str | None,
        code: str,
        locale: str = "en-CA",
    ) -> str:
        """An OIDC error response (§3.1.2.6) with ``iss`` (RFC 9207) and a localized description."""
        description = self._translator.gettext(f"{code}.detail", _language(locale))
        values = {"error": code, "error_description": to_oauth_ascii(description)}
        if state is not None:
            values["state"] = state
        values["iss"] = self.issuer(tenant)
        return _with_query(redirect_uri, values)

    async def authorize(self, tenant: str, query: Mapping[str, str]) -> Redirect:
        """Check the request; errors before the redirect URI is trusted raise :class:`OAuthError`
        (an error page), later ones redirect to the relying party."""
        client_id = query.get("client_id")
        if not client_id or len(client_id) > 64:
            raise OAuthError("invalid_request", parameter="client_id")
        params: Mapping[str, str] = query
        if "request_uri" in query:
            request_uri = query["request_uri"]
            if len(request_uri) > 256:
                raise OAuthError("invalid_request_uri")
            params = await self._pushed(tenant, client_id, request_uri)
        if "request" in params:
            raise OAuthError("request_not_supported")
        client = await self.relying_parties.find(tenant, client_id)
        if client is None:
            raise OAuthError("invalid_request", parameter="client_id")
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None or redirect_uri not in client.redirect_uris:
            # Never redirect to an unverified URI (OIDC Core §3.1.2.6, RFC 6749 §4.1.2.1).
            raise OAuthError("invalid_request", parameter="redirect_uri")
        state = params.get("state")
        locale = _locale(params.get("ui_locales"))

        def fail(code: str) -> Redirect:
            return Redirect(self.error_redirect(tenant, redirect_uri, state, code, locale))

        if state is not None and len(state) > 2048:
            return fail("invalid_request")
        if params.get("response_type") != "code":
            return fail("unsupported_response_type")
        if params.get("response_mode", "query") != "query":
            return fail("invalid_request")
        scopes = (params.get("scope") or "").split()
        if "openid" not in scopes or len(scopes) > 16:
            return fail("invalid_scope")
        asked = [s for s in dict.fromkeys(scopes) if s != "openid"]
        if not asked or any(s not in client.scopes for s in asked):
            return fail("invalid_scope")  # only the scopes the RP registered
        if len({client.scopes[s].purpose for s in asked}) != 1:
            return fail("invalid_scope")  # one presentation request has one purpose
        challenge = params.get("code_challenge")
        if (
            challenge is None
            or not _CHALLENGE.fullmatch(challenge)
            or params.get("code_challenge_method") != "S256"
        ):
            return fail("invalid_request")  # PKCE S256 required (RFC 7636, plain refused)
        nonce = params.get("nonce")
        if nonce is not None and len(nonce) > 512:
            return fail("invalid_request")
        max_age = params.get("max_age")
        if max_age is not None and (not max_age.isdigit() or len(max_age) > 10):
            return fail("invalid_request")
        prompts = set((params.get("prompt") or "").split())
        if not prompts <= _PROMPTS or ("none" in prompts and len(prompts) > 1):
            return fail("invalid_request")
        if "none" in prompts:
            # §3.1.2.1: no session is ever reused here, so the person must always interact.
            return fail("login_required")
        # Every sign-in is a fresh presentation: max_age and prompt=login are always satisfied.
        await self._purge_now_and_then()
        session_id = new_token(24)
        binding = new_token(32)
        scope_configs = [client.scopes[s] for s in asked]
        try:
            created = await self._presentations.create(
                Actor(f"oidc:{client.client_id}", ""),
                tenant,
                PresentationRequestCreate(
                    dcql_query=dcql_for_scopes(scope_configs),
                    purpose=scope_configs[0].purpose,
                    response_mode="direct_post",
                    redirect_uri=self.session_url(tenant, session_id, "/continue"),
                    ttl_s=self.config.session_ttl_s,
                ),
            )
        except SceauError:
            # The verifier configuration changed under the RP (purpose gone, over-asking now).
            _log.warning("signin_presentation_request_failed", client_id=client.client_id)
            return fail("temporarily_unavailable")
        now = self._clock_ms()
        async with self._db.begin() as conn:
            await conn.execute(
                insert(signin_sessions).values(
                    id=session_id,
                    tenant=tenant,
                    client_id=client.client_id,
                    redirect_uri=redirect_uri,
                    state=state,
                    nonce=nonce,
                    code_challenge=challenge,
                    scopes=asked,
                    locale=locale,
                    binding_hash=token_hash(binding),
                    presentation_id=created.id,
                    presentation_secret_sealed=self._seal(
                        tenant, f"session:{session_id}", created.secret.encode()
                    ),
                    status="pending",
                    created_at_ms=now,
                    expires_at_ms=created.expires_at_ms,
                )
            )
        return Redirect(self.session_url(tenant, session_id), binding)

    # --- the session (page, status, continue, cancel) -----------------------------------------

    async def _session(self, tenant: str, session_id: str, binding: str | None) -> Any:
        if not _SESSION_ID.fullmatch(session_id) or not binding or len(binding) > 256:
            raise SessionNotFound()
        t = signin_sessions
        async with self._db.connect() as conn:
            row = (
                await conn.execute(select(t).where(t.c.id == session_id, t.c.tenant == tenant))
            ).one_or_none()
        # The session is bound to the browser that started it (RFC 9700 §4.7, login CSRF).
        if row is None or not hmac.compare_digest(token_hash(binding), row.binding_hash):
            raise SessionNotFound()
        return row

    async def _status_of(self, row: Any) -> SigninStatus:
        if row.status in ("code", "redeemed", "ended"):
            return "verified"
        if row.status in ("rejected", "cancelled", "failed"):
            return "rejected"
        if row.status == "expired":
            return "expired"
        presentation = await self._presentations.status(row.tenant, row.presentation_id)
        if presentation.status == "verified":
            return "verified"
        if presentation.status == "rejected":
            return "rejected"
        return "expired" if self._clock_ms() >= row.expires_at_ms else "pending"

    async def status(self, tenant: str, session_id: str, binding: str | None) -> dict[str, Any]:
        row = await self._session(tenant, session_id, binding)
        return {"status": await self._status_of(row), "expires_at_ms": row.expires_at_ms}

    async def _finish(self, row: Any, status: str, **values: Any) -> bool:
        """Move a pending session to ``status``; False when another request got there first."""
        t = signin_sessions
        async with self._db.begin() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.id == row.id, t.c.status == "pending")
                .values(status=status, **values)
            )
            if result.rowcount and status != "processing":
                await self._audit(conn, row.tenant, row.client_id, f"signin.{status}", row.id)
        return bool(result.rowcount)

    async def continue_(self, tenant: str, session_id: str, binding: str | None) -> str:
        """Where the browser goes next: the page (pending), or the RP with a code or an error.

        Errors (documented in docs/signin.md): rejected presentation → ``access_denied``;
        expired session → ``login_required``; a session already completed → ``invalid_request``.
        """
        row = await self._session(tenant, session_id, binding)
        redirect = row.redirect_uri

        def error(code: str) -> str:
            return self.error_redirect(tenant, redirect, row.state, code, row.locale)

        if row.status != "pending":
            return error("invalid_request")
        status = await self._status_of(row)
        if status == "pending":
            return self.session_url(tenant, session_id)
        if status == "expired":
            await self._finish(row, "expired", presentation_secret_sealed=None)
            return error("login_required")
        if status == "rejected":
            await self._finish(row, "rejected", presentation_secret_sealed=None)
            return error("access_denied")
        if not await self._finish(row, "processing"):
            return error("invalid_request")
        try:
            code = await self._issue_code(tenant, row)
        except _SubjectNotDisclosed:
            # SECURITY O-07: no stable subject, no sign-in: refused like a rejected presentation.
            _log.info("signin_subject_not_disclosed", session_id=session_id)
            await self._finish_refused(row)
            return error("access_denied")
        except Exception:
            _log.exception("signin_code_failed", session_id=session_id)
            async with self._db.begin() as conn:
                await conn.execute(
                    update(signin_sessions)
                    .where(signin_sessions.c.id == row.id)
                    .values(status="failed", presentation_secret_sealed=None, claims_sealed=None)
                )
            return error("server_error")
        values = {"code": code}
        if row.state is not None:
            values["state"] = row.state
        values["iss"] = self.issuer(tenant)  # RFC 9207
        return _with_query(redirect, values)

    async def _finish_refused(self, row: Any) -> None:
        async with self._db.begin() as conn:
            await conn.execute(
                update(signin_sessions)
                .where(signin_sessions.c.id == row.id)
                .values(status="rejected", presentation_secret_sealed=None, claims_sealed=None)
            )

    async def _issue_code(self, tenant: str, row: Any) -> str:
        secret = self._open(tenant, f"session:{row.id}", row.presentation_secret_sealed).decode()
        result = await self._presentations.result(tenant, row.presentation_id, secret)
        if result.status != "verified" or result.claims is None:
            raise RuntimeError("verified presentation without claims")
        client = await self.relying_parties.get(tenant, row.client_id)
        scopes = [client.scopes[s] for s in row.scopes]
        issuers = {o["query_id"]: (o.get("issuer"), o.get("types")) for o in result.outcome}
        mapped: dict[str, Any] = {}
        acrs: list[str] = []
        subject: list[Any] = []
        for position, scope in enumerate(scopes):
            answered = [
                (i, qid)
                for i, qid in enumerate(scope_query_ids(position, scope))
                if result.claims.get(qid)
            ]
            if not answered:
                raise RuntimeError("a scope was not answered")
            index, qid = answered[0]
            disclosed = result.claims[qid][0]
            for name, path in scope.claims.items():
                value = _value_at(disclosed, path)
                if value is not None:
                    mapped[name] = value
            ref = scope.credential_types[index]
            if ref.acr:
                acrs.append(ref.acr)
            if position == 0:
                issuer, _types = issuers.get(qid, (None, None))
                type_key = ref.vct if ref.format == "dc+sd-jwt" else ref.type
                values = [_value_at(disclosed, p) for p in scope.subject_claims]
                if any(v is None for v in values):
                    raise _SubjectNotDisclosed()
                subject = [issuer, type_key, values]
        sub = await self._pairwise_sub(tenant, client, subject)
        acr = min(acrs, key=lambda a: ASSURANCE_LEVELS.index(a) if a in ASSURANCE_LEVELS else -1)
        code = new_token(32)
        now = self._clock_ms()
        sealed = self._seal(tenant, f"session:{row.id}", msgspec.json.encode(mapped))
        t = signin_sessions
        async with self._db.begin() as conn:
            await conn.execute(
                update(t)
                .where(t.c.id == row.id, t.c.status == "processing")
                .values(
                    status="code",
                    code_hash=token_hash(code),
                    claims_sealed=sealed,
                    presentation_secret_sealed=None,
                    sub=sub,
                    acr=acr if acrs else None,
                    sid=new_token(24),
                    auth_time=now // 1000,
                    expires_at_ms=now + self.config.code_ttl_s * 1000,
                )
            )
            await self._audit(
                conn, tenant, row.client_id, "signin.authorized", row.id, acr=acr if acrs else ""
            )
        return code

    async def cancel(self, tenant: str, session_id: str, binding: str | None) -> str:
        row = await self._session(tenant, session_id, binding)
        if row.status == "pending":
            await self._finish(row, "cancelled", presentation_secret_sealed=None)
        return self.error_redirect(tenant, row.redirect_uri, row.state, "access_denied", row.locale)

    async def _audit(
        self, conn: Any, tenant: str, client_id: str, action: str, session_id: str, **details: Any
    ) -> None:
        # Sign-in outcomes, without claim values or subjects (the client and the session only).
        await audit_record(
            conn,
            AuditEvent(
                actor=f"oidc:{client_id}",
                action=action,
                target=session_id,
                tenant=tenant,
                request_id="",
                details=details,
            ),
        )

    # --- pairwise subject (OIDC Core §8.1) -----------------------------------------------------

    async def _pairwise_key(self, tenant: str) -> bytes:
        cached = self._pairwise_keys.get(tenant)
        if cached is not None:
            return cached
        t = signin_tenant_keys
        for _attempt in range(2):
            async with self._db.connect() as conn:
                row = (await conn.execute(select(t).where(t.c.tenant == tenant))).one_or_none()
            if row is not None:
                key: bytes = self._kek.open(
                    row.pairwise_key_sealed,
                    kek_id=row.kek_id,
                    tenant_slug=tenant,
                    kid="signin:pairwise",
                )
                self._pairwise_keys[tenant] = key
                return key
            fresh = secrets.token_bytes(32)
            try:
                async with self._db.begin() as conn:
                    await conn.execute(
                        insert(t).values(
                            tenant=tenant,
                            pairwise_key_sealed=self._seal(tenant, "pairwise", fresh),
                            kek_id=self._kek.kek_id,
                            created_at_ms=self._clock_ms(),
                        )
                    )
            except IntegrityError:
                continue  # another worker created it first: read theirs
        raise RuntimeError("pairwise key unavailable")

    async def _pairwise_sub(self, tenant: str, client: RelyingParty, subject: list[Any]) -> str:
        # Sector identifier: the host of the RP's first registered redirect URI (§8.1).
        sector = urlsplit(client.redirect_uris[0]).hostname or client.client_id
        material = msgspec.json.encode([sector, *subject])
        digest = hmac.new(await self._pairwise_key(tenant), material, hashlib.sha256).digest()
        return b64url_encode(digest)

    # --- sealing under the KEK ------------------------------------------------------------------

    def _seal(self, tenant: str, label: str, plaintext: bytes) -> bytes:
        sealed: bytes = self._kek.seal(plaintext, tenant_slug=tenant, kid=f"signin:{label}")
        return sealed

    def _open(self, tenant: str, label: str, sealed: bytes | None) -> bytes:
        if sealed is None:
            raise RuntimeError("nothing sealed")
        opened: bytes = self._kek.open(
            sealed, kek_id=self._kek.kek_id, tenant_slug=tenant, kid=f"signin:{label}"
        )
        return opened

    # --- token endpoint (OIDC Core §3.1.3) -----------------------------------------------------

    async def token(
        self, tenant: str, form: Mapping[str, str], authorization: str | None
    ) -> dict[str, Any]:
        client = await self.relying_parties.authenticate(
            tenant, form, authorization, [self.endpoint(tenant, "token"), self.issuer(tenant)]
        )
        if form.get("grant_type") != "authorization_code":
            raise OAuthError("unsupported_grant_type")
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        verifier = form.get("code_verifier")
        if not code or not redirect_uri or len(code) > 256:
            raise OAuthError("invalid_request")
        if verifier is None:
            raise OAuthError("invalid_grant")  # PKCE is mandatory
        now = self._clock_ms()
        t = signin_sessions
        async with self._db.begin() as conn:
            # One-time code: the conditional UPDATE decides which request wins.
            row = (
                await conn.execute(
                    update(t)
                    .where(
                        t.c.code_hash == token_hash(code),
                        t.c.tenant == tenant,
                        t.c.status == "code",
                        t.c.expires_at_ms > now,
                    )
                    .values(
                        status="redeemed",
                        expires_at_ms=now + self.config.sid_lifetime_s * 1000,
                    )
                    .returning(*t.c)
                )
            ).one_or_none()
        if row is None:
            await self._revoke_reused_code(tenant, code, now)
            raise OAuthError("invalid_grant")
        claims_sealed = row.claims_sealed
        async with self._db.begin() as conn:
            await conn.execute(update(t).where(t.c.id == row.id).values(claims_sealed=None))
        if row.client_id != client.client_id or row.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant")  # RFC 6749 §4.1.3
        verify_s256(verifier, row.code_challenge)  # the code is spent even so: one try
        claims = msgspec.json.decode(self._open(tenant, f"session:{row.id}", claims_sealed))
        access_token = new_token(32)
        at_hash = token_hash(access_token)
        ttl_s = self.config.access_token_ttl_s
        async with self._db.begin() as conn:
            await conn.execute(
                insert(signin_access_tokens).values(
                    token_hash=at_hash,
                    tenant=tenant,
                    session_id=row.id,
                    client_id=client.client_id,
                    sub=row.sub,
                    claims_sealed=self._seal(
                        tenant, f"token:{at_hash}", msgspec.json.encode(claims)
                    ),
                    created_at_ms=now,
                    expires_at_ms=now + ttl_s * 1000,
                )
            )
            await self._audit(conn, tenant, client.client_id, "signin.token", row.id)
        id_claims: dict[str, Any] = {
            **claims,
            "iss": self.issuer(tenant),
            "sub": row.sub,
            "aud": client.client_id,
            "exp": now // 1000 + self.config.id_token_ttl_s,
            "iat": now // 1000,
            "auth_time": row.auth_time,
            "amr": AMR,
            "sid": row.sid,
            "locale": row.locale,
            "at_hash": _left_hash(access_token),
        }
        if row.nonce is not None:
            id_claims["nonce"] = row.nonce
        if row.acr is not None:
            id_claims["acr"] = row.acr
        signer = await self._keys.get_signer(tenant, "ES256")
        id_token = await sign_compact({"typ": "JWT"}, id_claims, signer)
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl_s,
            "id_token": id_token,
            "scope": " ".join(["openid", *row.scopes]),
        }

    async def _revoke_reused_code(self, tenant: str, code: str, now: int) -> None:
        # RFC 6749 §4.1.2 / §10.5: a code used twice revokes the tokens issued from it.
        t = signin_sessions
        async with self._db.begin() as conn:
            row = (
                await conn.execute(
                    select(t.c.id, t.c.client_id).where(
                        t.c.code_hash == token_hash(code),
                        t.c.tenant == tenant,
                        t.c.status == "redeemed",
                    )
                )
            ).one_or_none()
            if row is None:
                return
            await self._revoke_tokens(conn, row.id, now)
            await self._audit(conn, tenant, row.client_id, "signin.code_reused", row.id)
        _log.warning("signin_code_reused", session_id=row.id)

    async def _revoke_tokens(self, conn: Any, session_id: str, now: int) -> None:
        a = signin_access_tokens
        await conn.execute(
            update(a)
            .where(a.c.session_id == session_id, a.c.revoked_at_ms.is_(None))
            .values(revoked_at_ms=now, claims_sealed=None)
        )

    # --- UserInfo (OIDC Core §5.3) -----------------------------------------------------------

    async def userinfo(self, tenant: str, authorization: str | None) -> dict[str, Any]:
        if authorization is None or authorization[:7].lower() != "bearer ":
            raise OAuthProtocolError(
                "invalid_token", status=401, headers={"WWW-Authenticate": 'Bearer realm="sceau"'}
            )
        token = authorization[7:].strip()
        now = self._clock_ms()
        a = signin_access_tokens
        async with self._db.connect() as conn:
            row = (
                await conn.execute(
                    select(a).where(
                        a.c.token_hash == token_hash(token[:512]),
                        a.c.tenant == tenant,
                        a.c.revoked_at_ms.is_(None),
                        a.c.expires_at_ms > now,
                    )
                )
            ).one_or_none()
        if row is None or row.claims_sealed is None:
            # RFC 6750 §3.1
            raise OAuthProtocolError(
                "invalid_token",
                status=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        claims = msgspec.json.decode(
            self._open(tenant, f"token:{row.token_hash}", row.claims_sealed)
        )
        return {**claims, "sub": row.sub}

    # --- logout (RP-Initiated Logout 1.0, Back-Channel Logout 1.0) ---------------------------

    async def logout(self, tenant: str, params: Mapping[str, str]) -> str | None:
        """End the sign-in named by ``id_token_hint``; the post-logout redirect, if any."""
        hint = params.get("id_token_hint")
        client_id = params.get("client_id")
        sid: str | None = None
        if hint is not None:
            claims = await self._verify_own_id_token(tenant, hint)
            aud = claims.get("aud")
            if client_id is not None and client_id != aud:
                raise OAuthError("invalid_request", parameter="client_id")
            client_id = aud if isinstance(aud, str) else None
            sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
        client = await self.relying_parties.find(tenant, client_id) if client_id else None
        target = params.get("post_logout_redirect_uri")
        if target is not None and (
            client is None or target not in client.post_logout_redirect_uris
        ):
            raise OAuthError("invalid_request", parameter="post_logout_redirect_uri")
        if sid is not None and client is not None:
            await self._end_sid(tenant, client, sid)
        if target is None:
            return None
        state = params.get("state")
        return _with_query(target, {"state": state}) if state else target

    async def _verify_own_id_token(self, tenant: str, token: str) -> dict[str, Any]:
        async def key_for_kid(kid: Any) -> Any:
            return await self._keys.verification_key(tenant, str(kid))

        try:
            from sceau.core.jose import decode_compact_unverified

            header, _ = decode_compact_unverified(token)
            key = await key_for_kid(header.get("kid", ""))
            verified = verify_compact(token, key, algorithms=("ES256",))
            claims = msgspec.json.decode(verified.payload)
        except (SceauError, msgspec.DecodeError):
            raise OAuthError("invalid_request", parameter="id_token_hint") from None
        # An expired ID token is a fine hint (RP-Initiated Logout 1.0 §2); the issuer must be us.
        if not isinstance(claims, dict) or claims.get("iss") != self.issuer(tenant):
            raise OAuthError("invalid_request", parameter="id_token_hint")
        return claims

    async def _end_sid(self, tenant: str, client: RelyingParty, sid: str) -> None:
        now = self._clock_ms()
        t = signin_sessions
        async with self._db.begin() as conn:
            row = (
                await conn.execute(
                    update(t)
                    .where(
                        t.c.sid == sid,
                        t.c.tenant == tenant,
                        t.c.client_id == client.client_id,
                        t.c.status.in_(("code", "redeemed")),
                    )
                    .values(status="ended", claims_sealed=None)
                    .returning(t.c.id, t.c.sub)
                )
            ).one_or_none()
            if row is None:
                return
            await self._revoke_tokens(conn, row.id, now)
            await self._audit(conn, tenant, client.client_id, "signin.logout", row.id)
        if client.backchannel_logout_uri:
            await self._send_logout_token(tenant, client, sid, row.sub)

    async def logout_token(self, tenant: str, client_id: str, sid: str, sub: str | None) -> str:
        """A Back-Channel Logout token (§2.4): typ logout+jwt, events, sid, never a nonce."""
        now = self._clock_ms() // 1000
        claims: dict[str, Any] = {
            "iss": self.issuer(tenant),
            "aud": client_id,
            "iat": now,
            "exp": now + 120,
            "jti": new_token(16),
            "events": {BACKCHANNEL_EVENT: {}},
            "sid": sid,
        }
        if sub is not None:
            claims["sub"] = sub
        signer = await self._keys.get_signer(tenant, "ES256")
        return await sign_compact({"typ": "logout+jwt"}, claims, signer)

    async def _send_logout_token(
        self, tenant: str, client: RelyingParty, sid: str, sub: str | None
    ) -> None:
        token = await self.logout_token(tenant, client.client_id, sid, sub)
        assert client.backchannel_logout_uri is not None
        try:
            response = await self.fetcher.post_form(
                client.backchannel_logout_uri, {"logout_token": token}
            )
        except SceauError as exc:
            _log.warning("signin_backchannel_failed", client_id=client.client_id, code=exc.code)
            return
        if response.status != 200:
            _log.warning(
                "signin_backchannel_refused", client_id=client.client_id, status=response.status
            )

    # --- the SigninPort (the page) --------------------------------------------------------------

    async def view(self, tenant: str, session_id: str, browser_token: str | None) -> SigninView:
        row = await self._session(tenant, session_id, browser_token)
        client = await self.relying_parties.get(tenant, row.client_id)
        owner = await self._tenants.get_tenant(tenant)
        config = await self._verification.get_config(tenant)
        scopes = [client.scopes[s] for s in row.scopes if s in client.scopes]
        purpose = config.purpose(scopes[0].purpose) if scopes else None
        return SigninView(
            tenant=tenant,
            session_id=session_id,
            client_name=Bilingual(en=client.name_en, fr=client.name_fr),
            tenant_name=Bilingual(en=owner.name_en, fr=owner.name_fr),
            purpose=Bilingual(
                en=purpose.description_en if purpose else "",
                fr=purpose.description_fr if purpose else "",
            ),
            requested_claims=await self._claim_labels(tenant, scopes),
            wallet_uri=await self._presentations.authorization_request_uri(
                tenant, row.presentation_id
            ),
            qr_svg_url=self.session_url(tenant, session_id, "/qr.svg"),
            status_url=self.session_url(tenant, session_id, "/status"),
            continue_url=self.session_url(tenant, session_id, "/continue"),
            cancel_url=self.session_url(tenant, session_id, "/cancel"),
            language=_language(row.locale),
            status=await self._status_of(row),
            expires_at_ms=row.expires_at_ms,
        )

    async def wallet_uri(self, tenant: str, session_id: str, browser_token: str | None) -> str:
        row = await self._session(tenant, session_id, browser_token)
        uri: str = await self._presentations.authorization_request_uri(tenant, row.presentation_id)
        return uri

    async def _claim_labels(self, tenant: str, scopes: Sequence[ScopeConfig]) -> list[Bilingual]:
        types = await self._credential_types.list(tenant)
        displays: dict[str, dict[str, Any]] = {}
        for ct in types:
            for key in [ct.vct, *(ct.vc_type or [])]:
                if key:
                    displays.setdefault(key, ct.claims_display)
        labels: list[Bilingual] = []
        for scope in scopes:
            for ref in scope.credential_types[:1]:
                display = displays.get((ref.vct if ref.format == "dc+sd-jwt" else ref.type) or "")
                for name, path in scope.claims.items():
                    leaf = str(path[-1])
                    per_locale = (display or {}).get(leaf) or {}
                    en = per_locale.get("en-CA") or per_locale.get("en")
                    fr = per_locale.get("fr-CA") or per_locale.get("fr")
                    label = Bilingual(
                        en=en.name if en is not None else name,
                        fr=fr.name if fr is not None else name,
                    )
                    if label not in labels:
                        labels.append(label)
        return labels

    # --- housekeeping -----------------------------------------------------------------------

    async def _purge_now_and_then(self) -> None:
        # Expired rows (and the sealed claims in them) go at most a minute after they expire.
        now = self._clock_ms()
        if now >= self._next_purge_ms:
            self._next_purge_ms = now + 60_000
            await self.purge_expired()

    async def purge_expired(self) -> int:
        """Delete expired PAR requests, sessions and access tokens (with their sealed claims)."""
        now = self._clock_ms()
        total = 0
        async with self._db.begin() as conn:
            for table in (signin_par_requests, signin_sessions, signin_access_tokens):
                result = await conn.execute(table.delete().where(table.c.expires_at_ms < now))
                total += result.rowcount
        return total


def build_signin_service(state: Mapping[str, Any]) -> SigninService:
    """The provider from the app's collaborators (``app.state``); call again after replacing one."""
    return SigninService(
        state["engine"],
        public_url=state["settings"].resolved_public_url,
        tenants=state["tenants"],
        keys=state["keys"],
        kek=state["keys"].backend.kek,
        presentations=state["presentations"],
        verification=state["verification"],
        credential_types=state["credential_types"],
        relying_parties=RelyingPartyService(
            state["engine"],
            tenants=state["tenants"],
            verification=state["verification"],
            credential_types=state["credential_types"],
        ),
        fetcher=state["fetcher"],
        translator=state["translator"],
    )
