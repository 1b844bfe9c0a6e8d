"""A narrow OpenID Connect relying party: discovery, authorization URL, code exchange, ID token.

Used by the OpenID4VCI authorization code flow, where the person is authenticated by the tenant's
upstream OpenID Connect provider (OIDC Core 1.0 §3.1). Outbound HTTP goes through an
``httpx.AsyncClient`` the caller builds (tests pass an in-process transport).

>>> client = OidcClient(http)                                            # doctest: +SKIP
>>> meta = await client.discover("https://op.example")                   # doctest: +SKIP
>>> claims = await client.verify_id_token(token, meta, client_id="x", nonce=n, now=now)  # +SKIP
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

import httpx

from sceau.core.encoding import json_loads
from sceau.core.errors import SceauError
from sceau.core.jose import public_key_from_jwk, verify_compact

ID_TOKEN_ALGORITHMS: Final = ("ES256", "ES384", "EdDSA", "Ed25519", "RS256", "PS256")
MAX_RESPONSE_BYTES: Final = 256 * 1024
MAX_ID_TOKEN_LENGTH: Final = 16 * 1024
METADATA_TTL_S: Final = 300.0


class UpstreamOidcError(SceauError):
    """The upstream provider failed or answered something we must not trust."""

    code = "upstream_oidc_error"


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def _check_url(url: object, *, allow_http: bool) -> str:
    if not isinstance(url, str) or len(url) > 2048:
        raise UpstreamOidcError("bad endpoint URL")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise UpstreamOidcError("endpoint URL must be https")
    if not parts.hostname or parts.fragment:
        raise UpstreamOidcError("bad endpoint URL")
    return url


class OidcClient:
    """Discovery and JWKS are cached per issuer for ``ttl_s``; a JWKS is refetched once on an
    unknown ``kid`` (key rotation at the provider)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        allow_http: bool = False,
        algorithms: Collection[str] = ID_TOKEN_ALGORITHMS,
        ttl_s: float = METADATA_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.allow_http = allow_http
        self.algorithms = tuple(algorithms)
        self.ttl_s = ttl_s
        self.clock = clock
        self._metadata: dict[str, tuple[float, ProviderMetadata]] = {}
        self._jwks: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise UpstreamOidcError("upstream unreachable") from exc
        return self._json(response)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
            raise UpstreamOidcError("upstream answered an error", status=response.status_code)
        try:
            value = json_loads(response.content, max_bytes=MAX_RESPONSE_BYTES, max_depth=16)
        except SceauError as exc:
            raise UpstreamOidcError("upstream answered malformed JSON") from exc
        if not isinstance(value, dict):
            raise UpstreamOidcError("upstream answered malformed JSON")
        return value

    async def discover(self, issuer: str) -> ProviderMetadata:
        """OIDC Discovery 1.0 §4; the document's ``issuer`` must equal ``issuer`` exactly (§4.3)."""
        cached = self._metadata.get(issuer)
        if cached and cached[0] > self.clock():
            return cached[1]
        _check_url(issuer, allow_http=self.allow_http)
        doc = await self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if doc.get("issuer") != issuer:
            raise UpstreamOidcError("discovery issuer mismatch")
        meta = ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=_check_url(
                doc.get("authorization_endpoint"), allow_http=self.allow_http
            ),
            token_endpoint=_check_url(doc.get("token_endpoint"), allow_http=self.allow_http),
            jwks_uri=_check_url(doc.get("jwks_uri"), allow_http=self.allow_http),
        )
        self._metadata[issuer] = (self.clock() + self.ttl_s, meta)
        return meta

    async def _keys(self, meta: ProviderMetadata, *, refresh: bool) -> list[dict[str, Any]]:
        cached = self._jwks.get(meta.jwks_uri)
        if cached and cached[0] > self.clock() and not refresh:
            return cached[1]
        doc = await self._get_json(meta.jwks_uri)
        keys = doc.get("keys")
        if not isinstance(keys, list) or len(keys) > 64:
            raise UpstreamOidcError("malformed JWKS")
        found = [k for k in keys if isinstance(k, dict)]
        self._jwks[meta.jwks_uri] = (self.clock() + self.ttl_s, found)
        return found

    @staticmethod
    def authorization_url(
        meta: ProviderMetadata,
        *,
        client_id: str,
        redirect_uri: str,
        scopes: Collection[str],
        state: str,
        nonce: str,
        code_challenge: str,
    ) -> str:
        """The authentication request (OIDC Core §3.1.2.1) with PKCE S256 (RFC 7636)."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        sep = "&" if "?" in meta.authorization_endpoint else "?"
        return f"{meta.authorization_endpoint}{sep}{query}"

    async def exchange_code(
        self,
        meta: ProviderMetadata,
        *,
        code: str,
        redirect_uri: str,
        client_id: str,
        client_secret: str,
        code_verifier: str,
    ) -> str:
        """Token request (OIDC Core §3.1.3.1, ``client_secret_basic``); the ``id_token``."""
        try:
            response = await self.http.post(
                meta.token_endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                },
                auth=(client_id, client_secret),
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise UpstreamOidcError("upstream unreachable") from exc
        body = self._json(response)
        id_token = body.get("id_token")
        if not isinstance(id_token, str) or len(id_token) > MAX_ID_TOKEN_LENGTH:
            raise UpstreamOidcError("no id_token in the token response")
        return id_token

    async def verify_id_token(
        self,
        id_token: str,
        meta: ProviderMetadata,
        *,
        client_id: str,
        nonce: str,
        now: int,
        leeway_s: int = 60,
    ) -> dict[str, Any]:
        """ID Token validation (OIDC Core §3.1.3.7): signature by a key of the provider's JWKS
        (allow-listed asymmetric ``alg``), ``iss``, ``aud`` (and ``azp``), ``exp``, ``iat``,
        ``nonce``. Raises :class:`UpstreamOidcError` on any failure."""
        for refresh in (False, True):
            keys = await self._keys(meta, refresh=refresh)
            try:
                verified = verify_compact(
                    id_token,
                    functools.partial(_select_key, keys=keys),
                    algorithms=self.algorithms,
                    max_length=MAX_ID_TOKEN_LENGTH,
                )
                break
            except _UnknownKid:
                if refresh:
                    raise UpstreamOidcError("ID token signed by an unknown key") from None
            except SceauError as exc:
                raise UpstreamOidcError("ID token signature invalid") from exc
        claims = verified.claims
        if claims.get("iss") != meta.issuer:
            raise UpstreamOidcError("ID token iss mismatch")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or client_id not in audiences:
            raise UpstreamOidcError("ID token aud mismatch")
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise UpstreamOidcError("ID token azp mismatch")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int) or isinstance(exp, bool) or exp + leeway_s <= now:
            raise UpstreamOidcError("ID token expired")
        if not isinstance(iat, int) or isinstance(iat, bool) or iat > now + leeway_s:
            raise UpstreamOidcError("ID token iat invalid")
        if not isinstance(claims.get("sub"), str):
            raise UpstreamOidcError("ID token has no sub")
        if claims.get("nonce") != nonce:
            raise UpstreamOidcError("ID token nonce mismatch")
        return dict(claims)


class _UnknownKid(SceauError):
    code = "unknown_kid"


def _select_key(header: Mapping[str, Any], *, keys: list[dict[str, Any]]) -> Any:
    kid = header.get("kid")
    candidates = [k for k in keys if kid is None or k.get("kid") == kid]
    candidates = [k for k in candidates if k.get("use", "sig") == "sig"]
    if len(candidates) != 1:
        raise _UnknownKid("no single key for this kid")
    jwk = {k: v for k, v in candidates[0].items() if k not in ("use", "key_ops", "alg")}
    return public_key_from_jwk(jwk)
