"""DID resolution for the wallet: did:key and did:jwk locally, did:web over the wallet's HTTP
client (https, or http to loopback in development)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from sceau.core.dids.did_web import did_web_to_url
from sceau.core.dids.errors import DidNotFound
from sceau.core.dids.resolver import resolve_verification_method
from sceau.core.jose import PublicKey
from sceau.wallet._http import WalletHttp

__all__ = ["WalletDidResolver"]


@dataclass
class WalletDidResolver:
    """:class:`sceau.core.dids.DidResolver` and a Data Integrity verification method resolver."""

    http: WalletHttp

    async def resolve(self, did: str) -> Mapping[str, Any]:
        if not did.startswith("did:web:"):
            raise DidNotFound(f"cannot resolve {did.split(':', 2)[:2]}")
        response = await self.http.get(did_web_to_url(did), headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise DidNotFound(f"DID document answered HTTP {response.status_code}")
        try:
            document = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise DidNotFound("DID document is not JSON") from exc
        if not isinstance(document, dict):
            raise DidNotFound("DID document is not an object")
        return document

    async def key(self, method_id: str, purpose: str) -> PublicKey:
        return await resolve_verification_method(method_id, self, relationship=purpose)
