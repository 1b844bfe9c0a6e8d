"""A test wallet instance with a Wallet Attestation (OpenID4VCI 1.0 Appendix E) from the test
wallet provider, and its proofs of possession (draft-ietf-oauth-attestation-based-client-auth)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sceau.core.encoding import b64url_encode
from sceau.core.jose import SoftwareSigner, sign_compact_sync

from .wallet import new_signer
from .wallet_provider import WalletProvider, der_b64

CLIENT_ID = "https://wallet.example/app"
ATTESTATION_TYP = "oauth-client-attestation+jwt"
POP_TYP = "oauth-client-attestation-pop+jwt"


def unsigned(header: dict[str, Any], claims: dict[str, Any], *, hs256_key: bytes | None) -> str:
    """A JWT with ``alg`` ``none`` (empty signature), or HS256 under ``hs256_key``."""
    h = {**header, "alg": "none" if hs256_key is None else "HS256"}
    signing_input = (
        b64url_encode(json.dumps(h).encode()) + "." + b64url_encode(json.dumps(claims).encode())
    )
    if hs256_key is None:
        return signing_input + "."
    mac = hmac.new(hs256_key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url_encode(mac)


@dataclass
class WalletInstance:
    """One wallet instance: its instance key (the attestation's ``cnf``) and its provider."""

    provider: WalletProvider
    client_id: str = CLIENT_ID
    key: SoftwareSigner = field(default_factory=new_signer)

    def attestation(
        self,
        *,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        exp: int | None = None,
        drop: tuple[str, ...] = (),
        alg: str | None = None,
    ) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "iss": "https://wallet-provider.example",
            "sub": self.client_id,
            "iat": now,
            "exp": now + 3600 if exp is None else exp,
            "cnf": {"jwk": self.key.public_jwk},
            "wallet_name": "Test Wallet",
            "wallet_link": "https://wallet.example",
        }
        body.update(claims or {})
        for name in drop:
            body.pop(name, None)
        h: dict[str, Any] = {
            "typ": ATTESTATION_TYP,
            "x5c": [der_b64(self.provider.leaf), der_b64(self.provider.ca)],
        }
        h.update(header or {})
        if alg == "none":
            return unsigned(h, body, hs256_key=None)
        if alg == "HS256":
            return unsigned(h, body, hs256_key=self.provider.anchor_pem.encode())
        return sign_compact_sync(h, body, self.provider.signer)

    def pop(
        self,
        audience: str,
        *,
        jti: str | None = None,
        iat: int | None = None,
        typ: str = POP_TYP,
        claims: dict[str, Any] | None = None,
        signer: SoftwareSigner | None = None,
        alg: str | None = None,
    ) -> str:
        body: dict[str, Any] = {
            "iss": self.client_id,
            "aud": audience,
            "jti": secrets.token_urlsafe(16) if jti is None else jti,
            "iat": int(time.time()) if iat is None else iat,
        }
        body.update(claims or {})
        if alg == "none":
            return unsigned({"typ": typ}, body, hs256_key=None)
        if alg == "HS256":
            x = str(self.key.public_jwk["x"]).encode()
            return unsigned({"typ": typ}, body, hs256_key=x)
        return sign_compact_sync({"typ": typ}, body, signer or self.key)

    def headers(
        self, audience: str, *, attestation: str | None = None, pop: str | None = None
    ) -> dict[str, str]:
        return {
            "OAuth-Client-Attestation": attestation or self.attestation(),
            "OAuth-Client-Attestation-PoP": pop or self.pop(audience),
        }
