"""The reference wallet encrypts its (Deferred) Credential Requests whenever it asks for an
encrypted response (OID4VCI 1.0 §8.2, §9.1), to the key the issuer publishes (§12.2.4), and asks
for one only when the issuer takes encrypted requests."""

import time
from collections import ChainMap
from typing import Any

import httpx2
import msgspec
import pytest

from sceau.oid4vci.config import Oid4vciConfig
from sceau.oid4vci.service import Oid4vciService
from sceau.wallet import WalletHttp, receive_offer

from .conftest import CLAIMS, World

pytestmark = pytest.mark.anyio


class Recording(httpx2.AsyncBaseTransport):
    """The real app behind a transport that notes what the wallet sent and can edit metadata."""

    def __init__(self, app: Any, *, strip_request_encryption: bool = False) -> None:
        self.inner = httpx2.ASGITransport(app=app)
        self.strip = strip_request_encryption
        self.sent: list[tuple[str, str, bytes]] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        self.sent.append((request.url.path, request.headers.get("content-type", ""), body))
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        if self.strip and "/.well-known/openid-credential-issuer/" in request.url.path:
            metadata = msgspec.json.decode(content)
            metadata.pop("credential_request_encryption", None)
            content = msgspec.json.encode(metadata)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx2.Response(response.status_code, content=content, headers=headers)

    def posts(self, suffix: str) -> list[tuple[str, bytes]]:
        return [(ct, body) for path, ct, body in self.sent if path.endswith(suffix)]


async def test_wallet_encrypts_the_credential_request_when_it_asks_for_an_encrypted_response(
    world: World,
) -> None:
    created = await world.offer()
    recording = Recording(world.app)
    async with WalletHttp(transport=recording, http_hosts=world.http.http_hosts) as http:
        received = await receive_offer(http, world.store(), created["offer_uri"])
    assert received.encrypted_response
    [(media_type, body)] = recording.posts("/credential")
    assert media_type == "application/jwt"
    assert body.count(b".") == 4 and b"credential_response_encryption" not in body
    [credential] = received.credentials
    assert credential.claims["licence_number"] == CLAIMS["licence_number"]


async def test_wallet_without_issuer_request_encryption_asks_for_no_encrypted_response(
    world: World,
) -> None:
    created = await world.offer()
    recording = Recording(world.app, strip_request_encryption=True)
    async with WalletHttp(transport=recording, http_hosts=world.http.http_hosts) as http:
        received = await receive_offer(http, world.store(), created["offer_uri"])
    # §8.2 would oblige it to encrypt a request carrying response encryption parameters: it
    # cannot, so it asks for a plain response in a plain request.
    assert not received.encrypted_response
    [(media_type, body)] = recording.posts("/credential")
    assert media_type == "application/json"
    assert b"credential_response_encryption" not in body
    assert len(received.credentials) == 1


async def test_wallet_encrypts_its_deferred_credential_requests(world: World) -> None:
    now = [time.time()]
    world.app.state["oid4vci"] = Oid4vciService(
        world.app.state["engine"],
        Oid4vciConfig(deferred_interval_s=5),
        "http://sceau.example.gc.ca",
        ChainMap({}, world.app.state),
        clock=lambda: now[0],
    )

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    created = await world.offer(credential_configuration_ids=["fishing-review"])
    recording = Recording(world.app)
    async with WalletHttp(transport=recording, http_hosts=world.http.http_hosts) as http:
        received = await receive_offer(
            http, world.store(), created["offer_uri"], clock=lambda: now[0], sleep=sleep
        )
    assert received.encrypted_response
    assert [ct for ct, _ in recording.posts("/credential")] == ["application/jwt"]
    deferred = recording.posts("/deferred_credential")
    assert deferred and all(ct == "application/jwt" for ct, _ in deferred)
    assert all(b"transaction_id" not in body for _, body in deferred)
    [credential] = received.credentials
    assert credential.claims["licence_number"] == CLAIMS["licence_number"]
