"""A minimal, real OpenID Connect provider for the tests (ASGI, in process through a transport).

Discovery, JWKS, an authorization endpoint that auto-consents for one configured test user (with
PKCE S256 and ``nonce``), and a token endpoint (``client_secret_basic``) that signs ES256 ID
tokens. ``misbehave`` makes it lie in one way: ``"nonce"``, ``"aud"`` or ``"signature"``.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec

from sceau.core.jose import SoftwareSigner, generate_private_key, sign_compact_sync
from sceau.oauth.pkce import s256_challenge

Scope = dict[str, Any]


@dataclass
class UpstreamOP:
    issuer: str = "http://op.test"
    client_id: str = "sceau-rp"
    client_secret: str = "s3cret-of-the-rp"
    user: dict[str, Any] = field(
        default_factory=lambda: {
            "sub": "user-123",
            "given_name": "Marie",
            "family_name": "Tremblay",
            "email": "marie@example.ca",
        }
    )
    misbehave: str | None = None
    key: SoftwareSigner = field(
        default_factory=lambda: SoftwareSigner(generate_private_key("ES256"), "ES256", "op-key-1")
    )
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_requests: int = 0

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self.key.public_jwk, "kid": "op-key-1", "use": "sig", "alg": "ES256"}]}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        path, method = scope["path"], scope["method"]
        query = dict(parse_qsl(scope.get("query_string", b"").decode()))
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if path == "/.well-known/openid-configuration" and method == "GET":
            await self._json(send, 200, self.discovery())
        elif path == "/jwks" and method == "GET":
            await self._json(send, 200, self.jwks())
        elif path == "/authorize" and method == "GET":
            await self._authorize(send, query)
        elif path == "/token" and method == "POST":
            form = dict(parse_qsl(body.decode()))
            await self._token(send, form, headers.get("authorization", ""))
        else:
            await self._json(send, 404, {"error": "not_found"})

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"],
        }

    async def _authorize(self, send: Any, q: dict[str, str]) -> None:
        if (
            q.get("client_id") != self.client_id
            or q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
            or "openid" not in q.get("scope", "").split()
        ):
            await self._json(send, 400, {"error": "invalid_request"})
            return
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "nonce": q.get("nonce", ""),
            "challenge": q["code_challenge"],
        }
        location = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        await send({"type": "http.response.start", "status": 302,
                    "headers": [(b"location", location.encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": b""})

    async def _token(self, send: Any, form: dict[str, str], authorization: str) -> None:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            await self._json(send, 401, {"error": "invalid_client"})
            return
        grant = self.codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant["redirect_uri"]
            or s256_challenge(form.get("code_verifier", "")) != grant["challenge"]
        ):
            await self._json(send, 400, {"error": "invalid_grant"})
            return
        now = int(time.time())
        claims = {
            **self.user,
            "iss": self.issuer,
            "aud": "someone-else" if self.misbehave == "aud" else self.client_id,
            "nonce": "not-the-nonce" if self.misbehave == "nonce" else grant["nonce"],
            "iat": now,
            "exp": now + 300,
        }
        signer = self.key
        if self.misbehave == "signature":
            signer = SoftwareSigner(generate_private_key("ES256"), "ES256", "op-key-1")
        id_token = sign_compact_sync({"typ": "JWT", "kid": "op-key-1"}, claims, signer)
        await self._json(
            send, 200, {"access_token": "at", "token_type": "Bearer", "id_token": id_token}
        )

    @staticmethod
    async def _json(send: Any, status: int, body: Any) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": msgspec.json.encode(body)})
