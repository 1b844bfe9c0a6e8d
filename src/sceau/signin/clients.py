"""Relying parties: registration (admin API/CLI) and client authentication at the token and PAR
endpoints (``client_secret_basic``, RFC 6749 §2.3.1; ``private_key_jwt``, OIDC Core §9 with
RFC 7523 §3).

A scope becomes a DCQL query (OpenID4VP §6) that must stay within the verifier purpose it names
(:func:`sceau.oid4vp.service.check_within_purpose`): a relying party cannot register more than
the purpose allows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import msgspec
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from sceau.audit.models import AuditEvent
from sceau.audit.service import record as audit_record
from sceau.core.dcql import parse_dcql_query
from sceau.core.encoding import json_loads
from sceau.core.errors import SceauError
from sceau.core.jose import (
    ALGORITHMS,
    decode_compact_unverified,
    public_key_from_jwk,
    verify_compact,
)
from sceau.errors import NotFound, OAuthError, ServiceError
from sceau.oauth.errors import OAuthProtocolError
from sceau.oauth.tokens import token_hash
from sceau.oid4vp.service import OverAsking, check_within_purpose
from sceau.signin.models import (
    RelyingParty,
    RelyingPartyCreate,
    RelyingPartyCreated,
    RelyingPartyUpdate,
    ScopeConfig,
)
from sceau.signin.tables import signin_client_assertions, signin_relying_parties
from sceau.tenants.service import Actor

CLIENT_ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PRIVATE_KEY_JWT: Final = "private_key_jwt"
CLIENT_SECRET_BASIC: Final = "client_secret_basic"  # noqa: S105 (a method name)
CLIENT_KEY_ALGORITHMS: Final = ("ES256", "ES384", "EdDSA", "PS256")
MAX_ASSERTION_LIFETIME_S: Final = 3600  # exp at most an hour ahead (bounded; Authlib default)
CLOCK_SKEW_S: Final = 30
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_LOOPBACK_NAMES: Final = frozenset({"localhost"})
# ID token claims the provider sets itself (OIDC Core §2, §3.1.3.6; RFC 7519 §4.1): a scope
# cannot map a credential claim onto them.
RESERVED_CLAIMS: Final = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr", "azp"}
    | {"sid", "at_hash", "c_hash", "locale", "events", "cnf", "scope", "client_id"}
)


class RelyingPartyNotFound(NotFound):
    code = "relying_party_not_found"


class InvalidRelyingParty(ServiceError):
    code = "invalid_relying_party"
    status = 422


class ScopeBeyondPurpose(ServiceError):
    """A scope's DCQL query asks for more than its verifier purpose registered."""

    code = "scope_beyond_purpose"
    status = 422


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: str) -> None:
    """https, or http on a loopback host (RFC 8252 §7.3); absolute, no fragment, no userinfo."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if parts.fragment or "#" in uri or not host or parts.username or parts.password:
        raise InvalidRelyingParty("redirect URI", uri=uri[:200])
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return
    raise InvalidRelyingParty("redirect URI", uri=uri[:200])


def check_jwks(jwks: Mapping[str, Any] | None) -> dict[str, Any]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not 0 < len(keys) <= 10:
        raise InvalidRelyingParty("jwks")
    for jwk in keys:
        if not isinstance(jwk, dict) or _PRIVATE_MEMBERS & jwk.keys():
            raise InvalidRelyingParty("jwks")  # never private or symmetric keys
        alg = jwk.get("alg")
        if alg is not None and alg not in CLIENT_KEY_ALGORITHMS:
            raise InvalidRelyingParty("jwks")
        try:
            public_key_from_jwk(jwk)
        except SceauError as exc:
            raise InvalidRelyingParty("jwks") from exc
    return {"keys": [dict(k) for k in keys]}


def credential_query(query_id: str, scope: ScopeConfig, index: int) -> dict[str, Any]:
    """The DCQL credential query of one accepted credential type of a scope."""
    ref = scope.credential_types[index]
    paths: list[list[str | int]] = []
    for path in [*scope.claims.values(), *scope.subject_claims]:
        if list(path) not in paths:
            paths.append(list(path))
    meta: dict[str, Any] = (
        {"vct_values": [ref.vct]} if ref.format == "dc+sd-jwt" else {"type_values": [[ref.type]]}
    )
    return {
        "id": query_id,
        "format": ref.format,
        "meta": meta,
        "claims": [{"path": p} for p in paths],
    }


def scope_query_ids(position: int, scope: ScopeConfig) -> list[str]:
    return [f"s{position}c{i}" for i in range(len(scope.credential_types))]


def dcql_for_scopes(scopes: Sequence[ScopeConfig]) -> dict[str, Any]:
    """One DCQL query for the scopes asked: each scope is a required credential set whose
    options are its accepted credential types (OpenID4VP §6.2)."""
    credentials: list[dict[str, Any]] = []
    sets: list[dict[str, Any]] = []
    for position, scope in enumerate(scopes):
        ids = scope_query_ids(position, scope)
        credentials.extend(credential_query(qid, scope, i) for i, qid in enumerate(ids))
        sets.append({"options": [[qid] for qid in ids]})
    query: dict[str, Any] = {"credentials": credentials}
    if len(credentials) > 1:
        query["credential_sets"] = sets
    return query


def _row_to_rp(row: Any) -> RelyingParty:
    return RelyingParty(
        tenant=row.tenant,
        client_id=row.client_id,
        name_en=row.name_en,
        name_fr=row.name_fr,
        redirect_uris=list(row.redirect_uris),
        post_logout_redirect_uris=list(row.post_logout_redirect_uris),
        backchannel_logout_uri=row.backchannel_logout_uri,
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        jwks=row.jwks,
        scopes=msgspec.convert(row.scopes, dict[str, ScopeConfig]),
        created_at_ms=row.created_at_ms,
        updated_at_ms=row.updated_at_ms,
    )


class RelyingPartyService:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        tenants: Any,  # sceau.tenants.service.TenantService
        verification: Any,  # sceau.verification.service.VerificationService
        credential_types: Any,  # sceau.credential_types.service.CredentialTypeService
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        self._db = engine
        self._tenants = tenants
        self._verification = verification
        self._credential_types = credential_types
        self._clock_ms = clock_ms

    # --- registration ----------------------------------------------------------------------

    async def _check_scopes(self, tenant: str, scopes: Mapping[str, ScopeConfig]) -> dict[str, Any]:
        if "openid" in scopes:
            raise InvalidRelyingParty("scope openid is implicit")
        config = await self._verification.get_config(tenant)  # verifier_not_configured
        types = await self._credential_types.list(tenant)
        assurance = {t.vct: t.min_assurance for t in types if t.vct}
        for t in types:
            for name in t.vc_type or []:
                if name != "VerifiableCredential":
                    assurance.setdefault(name, t.min_assurance)
        stored: dict[str, Any] = {}
        for name, scope in scopes.items():
            if RESERVED_CLAIMS & scope.claims.keys():
                raise InvalidRelyingParty("reserved claim name", scope=name)
            purpose = config.purpose(scope.purpose)
            if purpose is None:
                raise ScopeBeyondPurpose("purpose", scope=name)
            refs = []
            for ref in scope.credential_types:
                key = ref.vct if ref.format == "dc+sd-jwt" else ref.type
                if key is None or (ref.vct is not None and ref.type is not None):
                    raise InvalidRelyingParty("credential type", scope=name)
                acr = ref.acr or assurance.get(key) or scope.acr
                if acr is None:
                    # No credential type of this tenant tells the level: the scope must.
                    raise InvalidRelyingParty("acr", scope=name)
                refs.append(msgspec.structs.replace(ref, acr=acr))
            scope = msgspec.structs.replace(scope, credential_types=refs)
            query = parse_dcql_query(dcql_for_scopes([scope]))
            try:
                check_within_purpose(query, purpose, config.trust_policy.accepted_formats)
            except OverAsking as exc:
                raise ScopeBeyondPurpose(str(exc), scope=name) from exc
            stored[name] = msgspec.to_builtins(scope)
        return stored

    def _check_common(
        self,
        redirect_uris: Sequence[str],
        post_logout: Sequence[str],
        backchannel: str | None,
    ) -> None:
        for uri in [*redirect_uris, *post_logout]:
            check_redirect_uri(uri)
        if backchannel is not None:
            check_redirect_uri(backchannel)

    async def create(
        self, actor: Actor, tenant: str, data: RelyingPartyCreate
    ) -> RelyingPartyCreated:
        await self._tenants.get_tenant(tenant)
        self._check_common(
            data.redirect_uris, data.post_logout_redirect_uris, data.backchannel_logout_uri
        )
        jwks = None
        secret = None
        if data.token_endpoint_auth_method == PRIVATE_KEY_JWT:
            jwks = check_jwks(data.jwks)
        elif data.jwks is not None:
            raise InvalidRelyingParty("jwks")
        else:
            secret = secrets.token_urlsafe(32)
        scopes = await self._check_scopes(tenant, data.scopes)
        client_id = "rp_" + secrets.token_urlsafe(16)
        now = self._clock_ms()
        async with self._db.begin() as conn:
            await conn.execute(
                insert(signin_relying_parties).values(
                    client_id=client_id,
                    tenant=tenant,
                    name_en=data.name_en,
                    name_fr=data.name_fr,
                    redirect_uris=list(data.redirect_uris),
                    post_logout_redirect_uris=list(data.post_logout_redirect_uris),
                    backchannel_logout_uri=data.backchannel_logout_uri,
                    token_endpoint_auth_method=data.token_endpoint_auth_method,
                    jwks=jwks,
                    secret_hash=token_hash(secret) if secret else None,
                    scopes=scopes,
                    created_at_ms=now,
                    updated_at_ms=now,
                )
            )
            await self._audit(conn, actor, tenant, "relying_party.create", client_id)
        return RelyingPartyCreated(
            relying_party=await self.get(tenant, client_id), client_secret=secret
        )

    async def _audit(self, conn: Any, actor: Actor, tenant: str, action: str, target: str) -> None:
        await audit_record(
            conn,
            AuditEvent(
                actor=actor.id,
                action=action,
                target=target,
                tenant=tenant,
                request_id=actor.request_id,
                details={},
            ),
        )

    async def _row(self, tenant: str, client_id: str) -> Any:
        if len(client_id) > 64:
            raise RelyingPartyNotFound()
        t = signin_relying_parties
        async with self._db.connect() as conn:
            row = (
                await conn.execute(
                    select(t).where(t.c.client_id == client_id, t.c.tenant == tenant)
                )
            ).one_or_none()
        if row is None:
            raise RelyingPartyNotFound()
        return row

    async def check_tenant(self, tenant: str) -> None:
        await self._tenants.get_tenant(tenant)  # 404 tenant_not_found

    async def get(self, tenant: str, client_id: str) -> RelyingParty:
        return _row_to_rp(await self._row(tenant, client_id))

    async def find(self, tenant: str, client_id: str) -> RelyingParty | None:
        try:
            return await self.get(tenant, client_id)
        except RelyingPartyNotFound:
            return None

    async def list(self, tenant: str) -> list[RelyingParty]:
        await self._tenants.get_tenant(tenant)
        t = signin_relying_parties
        async with self._db.connect() as conn:
            rows = (
                await conn.execute(
                    select(t).where(t.c.tenant == tenant).order_by(t.c.created_at_ms, t.c.client_id)
                )
            ).all()
        return [_row_to_rp(r) for r in rows]

    async def update(
        self, actor: Actor, tenant: str, client_id: str, data: RelyingPartyUpdate
    ) -> RelyingParty:
        current = await self.get(tenant, client_id)
        values: dict[str, Any] = {}
        for name in ("name_en", "name_fr", "redirect_uris", "post_logout_redirect_uris"):
            value = getattr(data, name)
            if value is not None:
                values[name] = value
        if data.backchannel_logout_uri is not None:
            values["backchannel_logout_uri"] = data.backchannel_logout_uri
        self._check_common(
            values.get("redirect_uris", current.redirect_uris),
            values.get("post_logout_redirect_uris", current.post_logout_redirect_uris),
            values.get("backchannel_logout_uri", current.backchannel_logout_uri),
        )
        if data.jwks is not None:
            if current.token_endpoint_auth_method != PRIVATE_KEY_JWT:
                raise InvalidRelyingParty("jwks")
            values["jwks"] = check_jwks(data.jwks)
        if data.scopes is not None:
            values["scopes"] = await self._check_scopes(tenant, data.scopes)
        values["updated_at_ms"] = self._clock_ms()
        t = signin_relying_parties
        async with self._db.begin() as conn:
            await conn.execute(
                update(t).where(t.c.client_id == client_id, t.c.tenant == tenant).values(**values)
            )
            await self._audit(conn, actor, tenant, "relying_party.update", client_id)
        return await self.get(tenant, client_id)

    async def delete(self, actor: Actor, tenant: str, client_id: str) -> None:
        await self._row(tenant, client_id)
        t = signin_relying_parties
        async with self._db.begin() as conn:
            await conn.execute(delete(t).where(t.c.client_id == client_id, t.c.tenant == tenant))
            await self._audit(conn, actor, tenant, "relying_party.delete", client_id)

    # --- client authentication (token and PAR endpoints) ------------------------------------

    async def authenticate(
        self,
        tenant: str,
        form: Mapping[str, str],
        authorization: str | None,
        audiences: Sequence[str],
    ) -> RelyingParty:
        """The authenticated client, or ``invalid_client`` (401; one answer for every failure)."""
        if authorization is not None and authorization[:6].lower() == "basic ":
            if "client_assertion" in form:
                raise _invalid_client()  # RFC 6749 §2.3: one method per request
            return await self._basic(tenant, authorization[6:].strip(), form.get("client_id"))
        if form.get("client_assertion_type") == CLIENT_ASSERTION_TYPE:
            return await self._assertion(tenant, form, audiences)
        raise _invalid_client()

    async def _basic(self, tenant: str, value: str, form_client_id: str | None) -> RelyingParty:
        try:
            decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
            raw_id, raw_secret = decoded.split(":", 1)
        except (ValueError, UnicodeError):
            raise _invalid_client() from None
        # RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
        client_id, secret = unquote(raw_id.replace("+", " ")), unquote(raw_secret.replace("+", " "))
        if form_client_id is not None and form_client_id != client_id:
            raise _invalid_client()
        row = await self._find_row(tenant, client_id)
        expected = row.secret_hash if row is not None else token_hash("no such client")
        ok = hmac.compare_digest(token_hash(secret), expected)  # constant time (SECURITY.md)
        if row is None or not ok or row.token_endpoint_auth_method != CLIENT_SECRET_BASIC:
            raise _invalid_client()
        return _row_to_rp(row)

    async def _find_row(self, tenant: str, client_id: str) -> Any:
        try:
            return await self._row(tenant, client_id)
        except RelyingPartyNotFound:
            return None

    async def _assertion(
        self, tenant: str, form: Mapping[str, str], audiences: Sequence[str]
    ) -> RelyingParty:
        assertion = form.get("client_assertion") or ""
        try:
            _, raw = decode_compact_unverified(assertion, max_length=8192)
            unverified = json_loads(raw)  # strict: duplicates and hostile nesting refused
        except SceauError:
            raise _invalid_client() from None
        if not isinstance(unverified, dict):
            raise _invalid_client()
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or form.get("client_id", client_id) != client_id:
            raise _invalid_client()
        row = await self._find_row(tenant, client_id)
        if row is None or row.token_endpoint_auth_method != PRIVATE_KEY_JWT or not row.jwks:
            raise _invalid_client()
        keys = list(row.jwks.get("keys", []))

        def key_for(header: Mapping[str, Any]) -> Any:
            # The key named by kid, else the first whose type (and curve) fits the algorithm.
            alg = ALGORITHMS[header["alg"]]
            kid = header.get("kid")
            for jwk in keys:
                if kid is not None and jwk.get("kid") != kid:
                    continue
                if jwk.get("alg", alg.name) != alg.name or jwk.get("kty") != alg.kind:
                    continue
                if alg.curve is not None and jwk.get("crv") != alg.curve:
                    continue
                return public_key_from_jwk(jwk)
            raise OAuthError("invalid_client", status=401)

        try:
            verified = verify_compact(assertion, key_for, algorithms=CLIENT_KEY_ALGORITHMS)
            claims = json_loads(verified.payload)
        except SceauError:
            raise _invalid_client() from None
        now = self._clock_ms() // 1000
        aud = claims.get("aud")
        aud_list = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        exp, jti = claims.get("exp"), claims.get("jti")
        iat = claims.get("iat", now)
        if (
            claims.get("iss") != client_id
            or claims.get("sub") != client_id
            or not any(a in audiences for a in aud_list)
            or not isinstance(exp, int)
            or not isinstance(iat, int)
            or not isinstance(jti, str)
            or not 0 < len(jti) <= 256
            or exp <= now - CLOCK_SKEW_S
            or exp > now + MAX_ASSERTION_LIFETIME_S + CLOCK_SKEW_S
            or iat > now + CLOCK_SKEW_S
        ):
            raise _invalid_client()
        # One use per jti (RFC 7523 §3 item 7): the insert fails on a replay.
        t = signin_client_assertions
        jti_hash = hashlib.sha256(f"{client_id}\x00{jti}".encode()).hexdigest()
        async with self._db.begin() as conn:
            await conn.execute(t.delete().where(t.c.expires_at_ms < now * 1000))
        try:
            async with self._db.begin() as conn:
                await conn.execute(
                    insert(t).values(
                        jti_hash=jti_hash,
                        tenant=tenant,
                        expires_at_ms=(exp + CLOCK_SKEW_S) * 1000,
                    )
                )
        except IntegrityError:
            raise _invalid_client() from None
        return _row_to_rp(row)


def _invalid_client() -> OAuthProtocolError:
    # RFC 6749 §5.2: 401 with a WWW-Authenticate naming the scheme the client may use.
    return OAuthProtocolError(
        "invalid_client", status=401, headers={"WWW-Authenticate": 'Basic realm="sceau"'}
    )
