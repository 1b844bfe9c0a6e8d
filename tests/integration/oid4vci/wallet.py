"""A small wallet-side client for the tests: DPoP proofs (RFC 9449) and key proofs (OID4VCI F.1)."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import msgspec

from sceau.core.encoding import b64url_encode
from sceau.core.jose import (
    SoftwareSigner,
    generate_private_key,
    jwe_encrypt_ecdh_es,
    sign_compact_sync,
)

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def new_signer(alg: str = "ES256") -> SoftwareSigner:
    return SoftwareSigner(generate_private_key(alg), alg)


def dpop_proof(
    signer: SoftwareSigner,
    htm: str,
    htu: str,
    *,
    access_token: str | None = None,
    iat: int | None = None,
    jti: str | None = None,
    typ: str = "dpop+jwt",
    extra: dict[str, Any] | None = None,
) -> str:
    claims: dict[str, Any] = {
        "jti": secrets.token_urlsafe(12) if jti is None else jti,
        "htm": htm,
        "htu": htu,
        "iat": int(time.time()) if iat is None else iat,
    }
    if access_token is not None:
        claims["ath"] = b64url_encode(hashlib.sha256(access_token.encode()).digest())
    claims.update(extra or {})
    return sign_compact_sync({"typ": typ, "jwk": signer.public_jwk}, claims, signer)


def key_proof(
    signer: SoftwareSigner,
    aud: str,
    nonce: str | None,
    *,
    iat: int | None = None,
    typ: str = "openid4vci-proof+jwt",
    header: dict[str, Any] | None = None,
    iss: str | None = None,
) -> str:
    claims: dict[str, Any] = {"aud": aud, "iat": int(time.time()) if iat is None else iat}
    if iss is not None:
        claims["iss"] = iss  # F.1: the client_id of the client making the request
    if nonce is not None:
        claims["nonce"] = nonce
    h: dict[str, Any] = {"typ": typ, "jwk": signer.public_jwk}
    h.update(header or {})
    return sign_compact_sync(h, claims, signer)


@dataclass
class Wallet:
    http: httpx.AsyncClient
    issuer: str  # Credential Issuer Identifier, e.g. http://testserver/t/tenant-a
    dpop_key: SoftwareSigner = field(default_factory=new_signer)
    access_token: str | None = None
    clock: Callable[[], float] = time.time

    def path(self, name: str) -> str:
        return urlsplit(f"{self.issuer}/{name}").path

    def dpop(self, name: str, *, access_token: str | None = None) -> str:
        return dpop_proof(
            self.dpop_key,
            "POST",
            f"{self.issuer}/{name}",
            access_token=access_token,
            iat=int(self.clock()),
        )

    async def token(self, code: str, tx_code: str | None = None) -> httpx.Response:
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        response = await self.http.post(
            self.path("token"), data=form, headers={"DPoP": self.dpop("token")}
        )
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
        return response

    async def nonce(self) -> str:
        response = await self.http.post(self.path("nonce"))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        return str(response.json()["c_nonce"])

    def auth(self, name: str) -> dict[str, str]:
        assert self.access_token
        return {
            "Authorization": f"DPoP {self.access_token}",
            "DPoP": self.dpop(name, access_token=self.access_token),
        }

    async def post_json(
        self, name: str, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            self.path(name),
            content=msgspec.json.encode(body),
            headers={"Content-Type": "application/json", **(headers or self.auth(name))},
        )

    async def request_encryption_key(self) -> dict[str, Any]:
        """The issuer's published request encryption JWK (``credential_request_encryption``)."""
        tenant = urlsplit(self.issuer).path.rsplit("/", 1)[-1]
        response = await self.http.get(f"/.well-known/openid-credential-issuer/t/{tenant}")
        assert response.status_code == 200, response.text
        [jwk] = response.json()["credential_request_encryption"]["jwks"]["keys"]
        return dict(jwk)

    async def post_jwe(
        self, name: str, body: Any, *, enc: str = "A128GCM", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """The request encrypted to the issuer's key (OID4VCI §10), as ``application/jwt``."""
        jwk = await self.request_encryption_key()
        recipient = {k: v for k, v in jwk.items() if k not in ("alg", "use")}
        token = jwe_encrypt_ecdh_es(msgspec.json.encode(body), recipient, enc=enc)
        return await self.post_raw(name, token.encode("ascii"), headers=headers)

    async def post_raw(
        self,
        name: str,
        content: bytes,
        *,
        media_type: str = "application/jwt",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.http.post(
            self.path(name),
            content=content,
            headers={"Content-Type": media_type, **(headers or self.auth(name))},
        )

    async def credential_body(
        self, configuration_id: str, keys: list[SoftwareSigner], **extra: Any
    ) -> dict[str, Any]:
        nonce = await self.nonce()
        return {
            "credential_configuration_id": configuration_id,
            "proofs": {
                "jwt": [key_proof(k, self.issuer, nonce, iat=int(self.clock())) for k in keys]
            },
            **extra,
        }

    async def credential(
        self, configuration_id: str, keys: list[SoftwareSigner], **extra: Any
    ) -> httpx.Response:
        body = await self.credential_body(configuration_id, keys, **extra)
        if "credential_response_encryption" in body:
            return await self.post_jwe("credential", body)  # §8.2: then the request is a JWE
        return await self.post_json("credential", body)


def pre_authorized_code(offer: dict[str, Any]) -> str:
    return str(offer["grants"][PRE_AUTH]["pre-authorized_code"])


def offer_from_uri(uri: str) -> dict[str, Any]:
    query = parse_qs(urlsplit(uri).query)
    return dict(msgspec.json.decode(query["credential_offer"][0]))
